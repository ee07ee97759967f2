"""The `scnn-tools` command: argparse front end over reader → graph → report.

Modules are imported inside the subcommands so that `--help` and `--version`
answer at once; exit codes are those of DESIGN.md (0 ok, 2 bad input or
arguments, 1 internal fault).
"""

import argparse
import gc
import json
import os
import sys

from . import __version__
from .errors import InputError
from .output import emit

PROG = "scnn-tools"


def main(argv=None):
    # One short run that allocates much and frees little at the end: the cycle
    # collector would only spend time (a quarter of it, on a large net).
    gc.disable()
    parser = _parser()
    args = parser.parse_args(argv)
    args.typed = list(sys.argv[1:] if argv is None else argv)  # so that messages name the flags as typed
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    output = getattr(args, "output", None)
    if output and output != "-" and os.path.isdir(output) and not getattr(args, "output_is_directory", False):
        flag = "--output" if "--output" in (argv if argv is not None else sys.argv) else "-o"
        print(f"{PROG}: error: {flag} {output}: that is a directory; give the name of a file to write",
              file=sys.stderr)
        return 2
    try:
        return args.run(args) or 0
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`| head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # an internal fault: say so plainly
        if args.debug:
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
              file=sys.stderr)
        return 1


def _parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Analyze Caffe network definitions, and generate and splice Spatial CNN (SCNN) blocks.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an internal error")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    info = sub.add_parser("info", help="inputs, layer counts by type, warnings",
                          description="Read a net and say what it is: its format (and the upgrades applied), "
                                      "its inputs and their shapes, its layer counts by type, and every warning.")
    _net_options(info, shapes=False)
    info.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    info.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    info.set_defaults(run=_info)

    analyze = sub.add_parser(
        "analyze", help="shapes, receptive fields, spatial scale and cost of every blob",
        description="Every blob's shape as Caffe computes it, its receptive field (size, jump, start, padding; "
                    "uniform, aligned, global), the spatial scale and overlap of its centre feature, and each "
                    "layer's learnable parameters and multiply-adds.")
    _net_options(analyze)
    analyze.add_argument("--format", choices=("table", "json", "csv"), default="table",
                         help="output format (default: table)")
    analyze.add_argument("--scale-model", choices=("exact", "blog"), default="exact",
                         help="exact: the input pixels the centre feature can see, holes counted as holes "
                              "(default); blog: the original spatial-scale code's S and P")
    analyze.add_argument("--batch", type=_batch_arg, metavar="N",
                         help="the batch size the memory figures are for (default: the file's)")
    analyze.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    analyze.set_defaults(run=_analyze)

    query = sub.add_parser("query", help="the input box of one feature",
                           description="The input region of feature (Y, X) of BLOB: unclipped on the unbounded "
                                       "input plane, clipped to the image, and its centre.")
    query.add_argument("net", metavar="NET", help="prototxt or binary NetParameter file, or - for stdin")
    query.add_argument("blob", metavar="BLOB", help="the blob (its last version, after in-place layers)")
    query.add_argument("y", metavar="Y", type=int, help="row of the feature, from 0")
    query.add_argument("x", metavar="X", type=int, help="column of the feature, from 0")
    _net_options(query, positional=False)
    query.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    query.set_defaults(run=_query)

    gen = sub.add_parser(
        "generate", help="write the SCNN message-passing block for a feature map",
        description="Write the Spatial CNN block (Pan et al., 2018) for an H x W x C feature map: the original "
                    "generator's layers, names and shared weights (so trained weights load), checked before it "
                    "is written. The flags and defaults are the original's.")
    gen.add_argument("--height", type=int, default=90, help="rows of the feature map (default: 90)")
    gen.add_argument("--width", type=int, default=90, help="columns of the feature map (default: 90)")
    gen.add_argument("--kernel-width", "--kernel_width", dest="kernel_width", type=int, default=9,
                     help="width of the message-passing kernels, odd (default: 9; --kernel_width as the original)")
    gen.add_argument("--channel", type=int, default=128, help="channels of the feature map (default: 128)")
    gen.add_argument("--bottom", default="conv5_4", help="the blob the block reads (default: conv5_4)")
    gen.add_argument("--prefix", default="", help="put before every name and shared weight, so that several "
                                                  "blocks can live in one net (default: none)")
    gen.add_argument("-o", "--output", default="SCNN.prototxt", help="file to write, - for standard output "
                                                                     "(default: SCNN.prototxt)")
    _variant_options(gen)
    gen.set_defaults(run=_generate)

    sp = sub.add_parser(
        "splice", help="insert an SCNN block into a host net at a blob",
        description="Insert the SCNN block after the last layer that writes BLOB, sized by the host's own "
                    "shapes, and make every later reader of BLOB read the block's output. The rest of the file "
                    "stays byte for byte as it was.")
    sp.add_argument("host", metavar="HOST", help="the host prototxt (V2), or - for stdin")
    sp.add_argument("--at", required=True, metavar="BLOB", help="the feature map to pass messages over")
    sp.add_argument("--reduce-to", type=int, metavar="C",
                    help="first reduce the map to C channels with a 1x1 convolution, normalised and activated "
                         "as the host does after BLOB")
    sp.add_argument("--kernel-width", "--kernel_width", dest="kernel_width", type=int, default=9,
                    help="width of the message kernels, odd (default: 9)")
    sp.add_argument("--prefix", default="", help="put before every name the block adds (default: none)")
    _variant_options(sp)
    _net_options(sp, positional=False, strict=False)
    sp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    sp.set_defaults(run=_splice)

    ln = sub.add_parser(
        "lane", help="write an SCNN lane-detection model for CULane or TuSimple: train, deploy and solver files",
        description="Write the SCNN lane-detection model (Pan et al., 2018) as BVLC Caffe trains it: "
                    "train_val.prototxt with a Python data layer for CULane-format lists, deploy.prototxt, "
                    "solver.prototxt, the loss's class weights and a README, into DIR; all read back and "
                    "analyzed first. --dataset culane: 288x800, 4 lanes, list/train_gt.txt and list/val_gt.txt "
                    "under data/CULane; tusimple: 368x640, 6 lanes, list6/list6_train.txt and "
                    "list6/list6_val.txt under data/TuSimple.")
    ln.add_argument("-o", "--output", metavar="DIR", required=True, help="the directory to write into")
    ln.add_argument("--dataset", choices=("culane", "tusimple"), default="culane",
                    help="the preset: lanes, input size, lists (default: culane)")
    ln.add_argument("--backbone", choices=("vgg16", "resnet50", "resnet101"), default="vgg16",
                    help="VGG16 as DeepLab-LargeFOV, or Kaiming He's Caffe ResNet dilated to stride 8 "
                         "(default: vgg16)")
    ln.add_argument("--size", metavar="HxW", help="the input (default: the dataset's)")
    ln.add_argument("--batch", type=int, default=2, help="images per step; iter_size makes the solver's 12 "
                                                         "(default: 2)")
    ln.add_argument("--data-root", help="the dataset's directory (default: data/CULane or data/TuSimple)")
    ln.add_argument("--train-list", help="under the root (default: the dataset's)")
    ln.add_argument("--val-list", help="under the root (default: the dataset's)")
    ln.add_argument("--channels", type=int, default=128, help="of fc7 and the SCNN block (default: 128)")
    _variant_options(ln)
    ln.set_defaults(run=_lane, output_is_directory=True)

    ex = sub.add_parser(
        "export", help="write the net as an ONNX model, weights included",
        description="Write the net as an ONNX model at the shapes Caffe would run it: the blobs' names as "
                    "value names, the inputs as graph inputs, the final tops (or --outputs) as outputs. Weights "
                    "come from --weights, matched by layer name as Caffe does; without it, from each layer's "
                    "fillers with a fixed seed. Written whole or not at all, after onnx's checker passes it.")
    _net_options(ex)
    ex.add_argument("--weights", metavar="FILE.caffemodel", help="the trained weights (default: the fillers')")
    ex.add_argument("--opset", type=int, default=17, help="the ONNX opset, 13 to 21 (default: 17)")
    ex.add_argument("--outputs", metavar="BLOB[,BLOB...]", help="export up to these blobs (default: the net's "
                                                                "final tops)")
    ex.add_argument("--check", action="store_true", help="run the model once in onnxruntime and compare its "
                                                         "output shapes with scnn-tools'")
    ex.add_argument("-o", "--output", metavar="NET.onnx", required=True, help="the file to write")
    ex.set_defaults(run=_export)

    dr = sub.add_parser(
        "draw", help="draw the layer graph: SVG, PNG, PDF, or an HTML page to explore",
        description="Draw the net's layer graph, laid out by igraph's layered (Sugiyama) layout: each node "
                    "shows type, output shape, receptive field and jump; in-place chains are folded into their "
                    "layer and each SCNN block into one node. .html gives one self-contained page: pan, zoom, "
                    "click a node for its row of the analysis.")
    _net_options(dr)
    dr.add_argument("-o", "--output", metavar="FILE", required=True, help="net.svg, .html, .png or .pdf")
    dr.set_defaults(run=_draw)

    bb = sub.add_parser(
        "backbone", help="write a ResNet: an SCNN host (PSPNet-style) or Caffe's classifier",
        description="Write a ResNet. --style pspnet (the default): a PSPNet-style dilated ResNet (output stride "
                    "8) with the head of the original SCNN host: conv5_4 (3x3, 512), conv5_5 (1x1 to --head "
                    "channels, where an SCNN block goes), conv6 (1x1 to --classes) and Interp back to the input "
                    "size. --style caffe: Kaiming He's released Caffe ResNet classifier.")
    bb.add_argument("--style", choices=("pspnet", "caffe"), default="pspnet", help="(default: pspnet)")
    bb.add_argument("--depth", type=int, default=101, help="50, 101 or 152 (default: 101)")
    bb.add_argument("--size", type=int, help="input height and width (default: 361 for pspnet, which needs "
                                             "8n + 1; 224 for caffe)")
    bb.add_argument("--head", type=int, help="channels of conv5_5, --style pspnet only (default: 128)")
    bb.add_argument("--classes", type=int, help="outputs of conv6, or of fc1000 with --style caffe (default: 19; "
                                                "1000 with --style caffe)")
    bb.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    bb.set_defaults(run=_backbone)

    st = sub.add_parser(
        "stack", help="write a plain stack of convolutions and poolings, for scale studies",
        description="Write a chain of layers from SPEC: comma-separated items [N*]conv<k>[s<stride>][d<dilation>] "
                    "or [N*]pool<k>[s<stride>]; for example '4*conv3,pool2,4*conv3' or '5*conv3d2'.")
    st.add_argument("spec", metavar="SPEC")
    st.add_argument("--size", type=int, default=512, help="input height and width (default: 512)")
    st.add_argument("--name", default="stack", help="the net's name (default: stack)")
    st.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    st.set_defaults(run=_stack)

    pr = sub.add_parser(
        "profile", help="draw spatial scale and receptive field against depth",
        description="Draw each net's spatial-scale width and receptive-field size along its main path (log "
                    "scale), with the changes of stride marked, named layers annotated, and several nets "
                    "overlaid. PNG, SVG or PDF by the output's extension.")
    pr.add_argument("nets", metavar="NET", nargs="+", help="one or more nets")
    pr.add_argument("-o", "--output", metavar="FIGURE", required=True, help="profile.png, .svg or .pdf")
    pr.add_argument("--mark", metavar="NAMES", default="", help="layers or blobs to annotate, comma-separated")
    pr.add_argument("--labels", metavar="NAMES", help="the legend's name for each net, comma-separated "
                                                      "(default: each file's name)")
    pr.add_argument("--title", help="the figure's title")
    pr.add_argument("--scale-model", choices=("exact", "blog", "both"), default="exact",
                    help="which spatial-scale model to draw (default: exact)")
    _net_options(pr, positional=False)
    pr.set_defaults(run=_profile)

    ma = sub.add_parser(
        "match", help="which feature map fits which object sizes",
        description="Read object boxes (a COCO-style JSON, or a CSV with width and height columns), and for each "
                    "octave of object size print the feature map whose spatial scale is the smallest that covers "
                    "it, as FPN assigns levels; with -o, draw the size histogram beside the profile.")
    ma.add_argument("net", metavar="NET")
    ma.add_argument("--objects", metavar="FILE", required=True,
                    help="COCO-style JSON, or CSV with a width,height / w,h / x,y,w,h / x1,y1,x2,y2 header; "
                         "- for standard input")
    ma.add_argument("--format", choices=("text", "json"), default="text", help="(default: text)")
    ma.add_argument("--maps", metavar="NAMES", default="",
                    help="the feature maps to choose from, comma-separated (default: the end of each stride)")
    ma.add_argument("--scale-model", choices=("exact", "blog"), default="exact", help="(default: exact)")
    ma.add_argument("-o", "--output", metavar="FIGURE", help="also draw the figure (.png, .svg or .pdf)")
    _net_options(ma, positional=False)
    ma.set_defaults(run=_match)

    er = sub.add_parser(
        "erf", help="the effective receptive field of a blob's centre feature",
        description="Compute the effective receptive field (Luo et al., 2016) of the centre feature of BLOB on "
                    "the net linearised with uniform weights, residual paths included; print the radii holding "
                    "50% and 90% of its mass, and with -o draw it as a heat map with the theoretical field.")
    er.add_argument("net", metavar="NET")
    er.add_argument("blob", metavar="BLOB")
    er.add_argument("--format", choices=("text", "json"), default="text",
                    help="text (default), or json: centre, radii and boxes holding 50%% and 90%% of the mass")
    er.add_argument("--log", action="store_true", help="draw the heat map on a log scale, to see its tail")
    er.add_argument("-o", "--output", metavar="FILE",
                    help="draw the heat map (.png, .svg or .pdf), or save the normalised map as numpy's .npy")
    _net_options(er, positional=False)
    er.set_defaults(run=_erf)
    return parser


def _variant_options(parser):
    parser.add_argument("--directions", default="DURL", metavar="DURL",
                        help="the passes, in order: any of D(own), U(p), R(ight), L(eft), e.g. DU for vertical "
                             "passing only (default: DURL, the original's)")
    parser.add_argument("--init", choices=("caffe", "torch"), default="caffe",
                        help="the message kernels' std: caffe, the original generator's sqrt(2/(k C 5)); torch, "
                             "the original Torch SCNN's sqrt(2/(k C C 5)) (default: caffe)")
    parser.add_argument("--bias", action="store_true", help="give the message kernels biases, as the PyTorch "
                                                            "ports do (default: none, as the original)")
    parser.add_argument("--activation", choices=("relu", "tanh"), default="relu",
                        help="of each message (default: relu, as the original)")


def _variants(args):
    return dict(directions=args.directions, init=args.init, bias=args.bias, activation=args.activation)


def _net_options(parser, shapes=True, positional=True, strict=True):
    if positional:
        parser.add_argument("net", metavar="NET", help="prototxt or binary NetParameter file, or - for stdin")
    parser.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                        help="keep the layers of this phase (default: TEST)")
    parser.add_argument("--stage", action="append", default=[], metavar="STAGE",
                        help="a stage of the net state, for include/exclude rules with stages (repeatable)")
    if shapes:
        parser.add_argument("--input-shape", metavar="N,C,H,W", type=_shape_arg,
                            help="the shape of the image input (overrides what the file declares)")
        parser.add_argument("--input", action="append", default=[], metavar="NAME=N,C,H,W", type=_named_arg,
                            help="the shape of input (or Python layer top) NAME (repeatable)")
    if strict:
        parser.add_argument("--strict", action="store_true",
                            help="treat warnings (unknown fields, enum values and layer types) as errors")


def _shape_arg(text):
    from .shapes import parse_shape
    try:
        return parse_shape(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _batch_arg(text):
    from .shapes import INT_MAX
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= INT_MAX:
        raise argparse.ArgumentTypeError(f"expected a batch size from 1 to {INT_MAX:,}, got {text!r}")
    return n


def _named_arg(text):
    name, sep, shape = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=N,C,H,W, got {text!r}")
    return name, _shape_arg(shape)


def _strict(args, warnings, source):
    if args.strict and warnings:
        first = warnings[0]
        raise InputError(f"{len(warnings)} warning(s) with --strict; the first: {first['message']}",
                         source, first.get("line"))


def _analyze(args):
    from .analysis import analyze
    from .report import render

    result = analyze(args.net, args.phase, args.input_shape, dict(args.input), args.stage, args.scale_model,
                     args.batch)
    _strict(args, result["warnings"], args.net)
    emit(render(result, args.format), args.output, args.net)
    _wrote(args, f"{len(result['layers'])} layers as {args.format}")


def _query(args):
    from .analysis import query

    result = query(_analysis_of(args, args.net), args.blob, args.y, args.x)
    if args.format == "json":
        text = json.dumps(result) + "\n"
    else:
        (y0, y1), (x0, x1) = result["box"]["y"], result["box"]["x"]
        (cy0, cy1), (cx0, cx1) = result["clipped"]["y"], result["clipped"]["x"]
        cy, cx = result["center"]
        text = (f"{args.blob}[{args.y}, {args.x}] sees input rows {y0}..{y1} and columns {x0}..{x1} "
                f"({y1 - y0 + 1}x{x1 - x0 + 1}), centred at ({cy:g}, {cx:g}); "
                f"inside the image: rows {cy0}..{cy1}, columns {cx0}..{cx1}\n")
    sys.stdout.write(text)


def _analysis_of(args, source):
    from .analysis import Analysis
    from .reader import read_net
    analysis = Analysis(read_net(source), args.phase, args.input_shape, dict(args.input), args.stage)
    _strict(args, analysis.warnings, source)
    return analysis


def _names(text):
    return [n.strip() for n in text.split(",") if n.strip()]


def _spatial_profile(analysis, net):
    from .profiles import profile
    prof = profile(analysis)
    if len(prof.points) < 2:
        raise InputError("no layer of the net has a receptive field on an image input (N x C x H x W): "
                         "nothing to profile", net)
    return prof


def _profile(args):
    from .plot import check_output, profile_figure
    from .profiles import check_marks

    check_output(args.output)
    labels = _names(args.labels) if args.labels else _file_labels(args.nets)
    if len(labels) != len(args.nets):
        raise InputError(f"--labels gives {len(labels)} name(s) for {len(args.nets)} net(s)")
    profiles = [_spatial_profile(_analysis_of(args, net), net) for net in args.nets]
    marks = _names(args.mark)
    check_marks(marks, profiles)
    profile_figure(profiles, args.output, args.scale_model, marks, labels, args.title)
    for prof in profiles:
        last = prof.points[-1]
        print(f"{prof.name}: {len(prof.points) - 1} layers on the main path, to '{last.layer}': receptive field "
              f"{last.rf}, stride {last.jump}")
    print(f"wrote {args.output}")


def _file_labels(paths):
    """Each net's file name without its extension; its folder too where two would read alike, then a number."""
    names = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    longer = [os.path.join(os.path.basename(os.path.dirname(os.path.abspath(p))), n) if names.count(n) > 1 else n
              for p, n in zip(paths, names)]
    return [f"{n} ({i + 1})" if longer.count(n) > 1 else n for i, n in enumerate(longer)]


def _match(args):
    from .match import assign, read_objects

    if args.output:
        from .plot import check_output
        check_output(args.output)
    analysis = _analysis_of(args, args.net)
    prof = _spatial_profile(analysis, args.net)
    image = analysis.shapes.blobs[analysis.image]
    objects = read_objects(args.objects, (image[2], image[3]))
    assignment = assign(prof, objects, args.scale_model, _names(args.maps))
    if objects.larger:
        print(f"{PROG}: warning: {objects.larger} of {len(objects.sizes)} boxes are wider or taller than the "
              f"input ({image[2]}x{image[3]}){'' if objects.scaled else ' (sizes as given: the file has no image sizes)'}",
              file=sys.stderr)
    out = sys.stderr if args.format == "json" else sys.stdout
    if args.format == "json":
        bands = [{"from": lo, "to": hi, "objects": count, "map": point.label, "covered": covered,
                  "scale": point.scale(args.scale_model), "jump": point.jump}
                 for lo, hi, count, point, covered in assignment]
        print(json.dumps({"net": prof.name, "objects": len(objects.sizes), "scaled": objects.scaled,
                          "larger_than_input": objects.larger, "scale_model": args.scale_model, "bands": bands}))
    else:
        where = "input pixels, boxes scaled as their images are fitted to the input" if objects.scaled else \
            "pixels as given (the images' sizes are not in the file)"
        print(f"{len(objects.sizes)} objects, sizes sqrt(w*h) in {where}; {args.scale_model} spatial scale")
        for lo, hi, count, point, covered in assignment:
            scale = point.scale(args.scale_model)
            what = f"{point.label}: scale {scale['width']:.0f}, overlap {scale['overlap']:.2f}, stride {point.jump}"
            note = "" if covered else "  (no map covers them: the largest scale is shown)"
            print(f"  {lo:>6.0f}-{hi:<6.0f} px  {count:>7} objects  ->  {what}{note}")
    if args.output:
        from .plot import match_figure
        match_figure(prof, objects, assignment, args.output, args.scale_model)
        print(f"wrote {args.output}", file=out)


def _erf(args):
    from .effective_field import describe, effective_field

    array = args.output and args.output.lower().endswith(".npy")
    if args.output and not array:
        from .plot import check_output
        check_output(args.output)
    analysis = _analysis_of(args, args.net)
    erf, centre, box = effective_field(analysis, args.blob)
    d = describe(erf, centre, box)
    if args.format == "json":
        import json

        def square(b):
            return {"y": list(b[0]), "x": list(b[1])}
        print(json.dumps({"blob": args.blob, "image": list(erf.shape), "centre": list(centre),
                          "radius": {"50": d["r50"], "90": d["r90"]},
                          "box": {"50": square(d["box50"]), "90": square(d["box90"])},
                          "theoretical": square(d["theoretical_box"])}))
    else:
        print(f"{args.blob}: effective receptive field of the centre feature, centred at ({centre[0]:g}, "
              f"{centre[1]:g}): 50% of its mass within {d['r50']:.1f} px, 90% within {d['r90']:.1f} px; "
              f"theoretical field {d['theoretical'][0]}x{d['theoretical'][1]}")
    if array:
        import numpy as np
        from .output import replacing
        with replacing(args.output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, erf)
    elif args.output:
        from .plot import erf_figure
        erf_figure(erf, centre, box, (d["r50"], d["r90"]), args.output,
                   f"{analysis.netfile.name}: effective receptive field of {args.blob}", log=args.log)
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr if args.format == "json" else sys.stdout)


def _lane(args):
    from .lane import model, write

    h = w = None
    if args.size is not None:
        h, sep, w = args.size.partition("x")
        if not (sep and h.isdigit() and w.isdigit()):
            raise InputError(f"--size must be HxW, e.g. 288x800 (got {args.size!r})")
        h, w = int(h), int(w)
    files, summary = model(args.dataset, h, w, args.batch, args.data_root, args.train_list, args.val_list,
                           args.channels, _variants(args), args.backbone)
    write(args.output, files)
    print(f"wrote {', '.join(files)} into {args.output}")
    print(summary)


def _draw(args):
    from .draw import draw
    count = draw(_analysis_of(args, args.net), args.output)
    print(f"wrote {args.output}: {count} nodes")


def _export(args):
    from .onnx_export import check, export, write
    from .output import shape_text
    from .reader import read_net

    exported = export(read_net(args.net), args.phase, args.input_shape, dict(args.input), args.stage,
                      args.weights, _names(args.outputs) if args.outputs else None, args.opset)
    _strict(args, exported.warnings, args.net)
    for w in exported.warnings:
        print(f"{PROG}: warning: {w['message']}", file=sys.stderr)
    if args.check:
        got, finite = check(exported)
        print(f"checked in onnxruntime: {', '.join(f'{k} {shape_text(v)}' for k, v in got.items())}, as scnn-tools says"
              + ("" if finite else "; some outputs are not finite (the weights?)"))
    write(exported, args.output)
    print(f"wrote {args.output}: {exported.nodes} ONNX nodes (opset {args.opset}), inputs "
          f"{', '.join(exported.inputs)}, outputs {', '.join(exported.outputs)}")


def _backbone(args):
    from .backbone import backbone

    size = args.size or (224 if args.style == "caffe" else 361)
    emit(backbone(args.depth, size, args.head, args.classes, args.style), args.output)
    _wrote(args, f"ResNet-{args.depth} ({args.style}) at {size}x{size}")


def _stack(args):
    from .stack import stack

    emit(stack(args.spec, args.size, args.name), args.output)
    _wrote(args, f"the stack {args.spec}")


def _splice(args):
    from .splicing import splice

    text, summary, warnings = splice(args.host, args.at, args.kernel_width, args.prefix, args.reduce_to, args.phase,
                                     args.input_shape, dict(args.input), args.stage,
                                     kernel_flag=_spelled(args, "--kernel-width", "--kernel_width"),
                                     variants=_variants(args))
    emit(text, args.output, args.host)
    print(summary, file=sys.stderr if not args.output or args.output == "-" else sys.stdout)
    for w in warnings:
        print(f"{PROG}: warning: {w}", file=sys.stderr)


def _spelled(args, *spellings):
    """The spelling of a flag the user typed (the first one where none was)."""
    for word in args.typed:
        for flag in spellings:
            if word == flag or word.startswith(flag + "="):
                return flag
    return spellings[0]


def _generate(args):
    from .scnn import Spec, generate

    spec = Spec(args.height, args.width, args.channel, args.kernel_width, args.bottom, args.prefix,
                {"kernel_width": _spelled(args, "--kernel-width", "--kernel_width")}, **_variants(args))
    emit(generate(spec), args.output)
    where = "standard output" if args.output == "-" else args.output
    print(f"wrote {where}: {spec.summary()}", file=sys.stderr if args.output == "-" else sys.stdout)
    for w in spec.warnings():
        print(f"{PROG}: warning: {w}", file=sys.stderr)


def _info(args):
    from .info import describe, render_text

    report = describe(args.net, args.phase, args.stage)
    _strict(args, report["warnings"], args.net)
    if args.format == "json":
        text = json.dumps(report, indent=2) + "\n"
    else:
        text = render_text(report)
    emit(text, args.output, args.net)
    _wrote(args, f"its description as {args.format}")


def _wrote(args, what):
    """Say what a command wrote into a file (nothing when it printed to standard output)."""
    if args.output and args.output != "-":
        print(f"wrote {args.output}: {what}")


if __name__ == "__main__":
    sys.exit(main())
