"""The `scnn-tools` command: each command parses for the library function `import scnn_tools` uses too,
and prints what it returns (flags.py holds the flags commands share). Modules are imported inside the
commands so that `--help` answers at once. Exit codes: 0 ok, 2 bad input or arguments (one line on
stderr), 1 an internal fault. Library messages name options (`kernel_width`); printed, they name the flags typed.
"""

import argparse
import gc
import json
import os
import sys

from . import __version__
from .errors import InputError, flagged, option
from .flags import analysis_of, batch_arg, flag, names, net_options, strict, variant_options, variants
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
        said = "--output" if "--output" in args.typed else "-o"
        print(f"{PROG}: error: {said} {output}: that is a directory; give the name of a file to write",
              file=sys.stderr)
        return 2
    try:
        return args.run(args) or 0
    except InputError as exc:
        print(f"{PROG}: error: {exc.flagged(lambda name: flag(args, name))}", file=sys.stderr)
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


def _warn(args, warnings):
    for w in warnings:
        print(f"{PROG}: warning: {flagged(w, lambda name: flag(args, name))}", file=sys.stderr)


def _parser():
    parser = argparse.ArgumentParser(prog=PROG, description="Analyze Caffe network definitions, and generate and "
                                                            "splice Spatial CNN (SCNN) blocks.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an internal error")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (_add_info, _add_analyze, _add_query, _add_generate, _add_splice, _add_lane, _add_lane_detect,
                _add_lane_eval, _add_tusimple_labels, _add_export, _add_draw, _add_backbone, _add_stack, _add_profile,
                _add_match, _add_erf):
        add(sub)
    return parser


def _wrote(args, what):
    """Say what a command wrote into a file (nothing when it printed to standard output)."""
    if args.output and args.output != "-":
        print(f"wrote {args.output}: {what}")


def _add_info(sub):
    p = sub.add_parser("info", help="inputs, layer counts by type, warnings",
                       description="Read a net and say what it is: its format (and the upgrades applied), "
                                   "its inputs and their shapes, its layer counts by type, and every warning.")
    net_options(p, shapes=False)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=_info)


def _info(args):
    from .views.info import describe, render_text

    report = describe(args.net, args.phase, args.stage)
    strict(args, report["warnings"], args.net)
    emit(json.dumps(report, indent=2) + "\n" if args.format == "json" else render_text(report), args.output, args.net)
    _wrote(args, f"its description as {args.format}")


def _add_analyze(sub):
    p = sub.add_parser(
        "analyze", help="shapes, receptive fields, spatial scale and cost of every blob",
        description="Every blob's shape as Caffe computes it, its receptive field (size, jump, start, padding; "
                    "uniform, aligned, global), the spatial scale and overlap of its centre feature (the image "
                    "pixels that can change it), and each layer's learnable parameters and multiply-adds; totals "
                    "and memory say what is known: per item of a count known only when the net runs (regions), "
                    "'at most' a bound (SSD's keep_top_k), or 'at least' what is known, naming what is not.")
    net_options(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format (default: table)")
    p.add_argument("--scale-model", choices=("exact", "blog"), default="exact",
                   help="exact: the image pixels that can change the centre feature, holes counted as holes "
                        "and padding not at all (default); blog: the original spatial-scale code's S and P")
    p.add_argument("--batch", type=batch_arg, metavar="N",
                   help="the batch size the memory figures are for (default: the file's)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=_analyze)


def _analyze(args):
    from .engine.analysis import analyze
    from .views.report import render

    result = analyze(args.net, args.phase, args.input_shape, dict(args.input), args.stage, args.scale_model,
                     args.batch)
    strict(args, result["warnings"], args.net)
    emit(render(result, args.format), args.output, args.net)
    _wrote(args, f"{len(result['layers'])} layers as {args.format}")


def _add_query(sub):
    p = sub.add_parser("query", help="the input box of one feature",
                       description="The input region of feature (Y, X) of BLOB: unclipped on the unbounded "
                                   "input plane, clipped to the image, and its centre.")
    p.add_argument("net", metavar="NET", help="prototxt or binary NetParameter file, or - for stdin")
    p.add_argument("blob", metavar="BLOB", help="the blob (its last version, after in-place layers)")
    p.add_argument("y", metavar="Y", type=int, help="row of the feature, from 0")
    p.add_argument("x", metavar="X", type=int, help="column of the feature, from 0")
    net_options(p, positional=False)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(run=_query)


def _query(args):
    from .engine.analysis import query, sentence

    result = query(analysis_of(args, args.net), args.blob, args.y, args.x)
    print(json.dumps(result) if args.format == "json" else sentence(result))


def _add_generate(sub):
    p = sub.add_parser(
        "generate", help="write the SCNN message-passing block for a feature map",
        description="Write the Spatial CNN block (Pan et al., 2018) for an H x W x C feature map: the original "
                    "generator's layers, names and shared weights (so trained weights load), checked before it "
                    "is written. The flags and defaults are the original's.")
    p.add_argument("--height", type=int, default=90, help="rows of the feature map (default: 90)")
    p.add_argument("--width", type=int, default=90, help="columns of the feature map (default: 90)")
    p.add_argument("--kernel-width", "--kernel_width", dest="kernel_width", type=int, default=9,
                   help="width of the message-passing kernels, odd (default: 9; --kernel_width as the original)")
    p.add_argument("--channel", type=int, default=128, help="channels of the feature map (default: 128)")
    p.add_argument("--bottom", default="conv5_4", help="the blob the block reads (default: conv5_4)")
    p.add_argument("--prefix", default="", help="put before every name and shared weight, so that several "
                                                "blocks can live in one net (default: none)")
    p.add_argument("-o", "--output", default="SCNN.prototxt", help="file to write, - for standard output "
                                                                   "(default: SCNN.prototxt)")
    variant_options(p)
    p.set_defaults(run=_generate, flags={"channels": "--channel"})


def _generate(args):
    from .builders.scnn import Spec, generate

    spec = Spec(args.height, args.width, args.channel, args.kernel_width, args.bottom, args.prefix, **variants(args))
    emit(generate(spec), args.output)
    where = "standard output" if args.output == "-" else args.output
    print(f"wrote {where}: {spec.summary()}", file=sys.stderr if args.output == "-" else sys.stdout)
    _warn(args, spec.warnings())


def _add_splice(sub):
    p = sub.add_parser(
        "splice", help="insert an SCNN block into a host net at a blob",
        description="Insert the SCNN block after the last layer that writes BLOB, sized by the host's own "
                    "shapes, and make every later reader of BLOB read the block's output. The rest of the file "
                    "stays byte for byte as it was, but for the names of the layers --reduce-to gives other "
                    "parameter shapes (--rename-suffix).")
    p.add_argument("host", metavar="HOST", help="the host prototxt (V2), or - for stdin")
    p.add_argument("--at", required=True, metavar="BLOB", help="the feature map to pass messages over")
    p.add_argument("--reduce-to", type=int, metavar="C",
                   help="first reduce the map to C channels with a 1x1 convolution, normalised and activated "
                        "as the host does after BLOB")
    p.add_argument("--kernel-width", "--kernel_width", dest="kernel_width", type=int, default=9,
                   help="width of the message kernels, odd (default: 9)")
    p.add_argument("--prefix", default="", help="put before every name the block adds (default: none)")
    p.add_argument("--rename-suffix", metavar="S",
                   help="put after the name of every host layer whose parameters change shape (with --reduce-to), "
                        "so that the host's pretrained weights load into all the others; the renamed ones start "
                        "from their fillers (default: _scnn)")
    variant_options(p)
    net_options(p, positional=False, strict=False)
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=_splice)


def _splice(args):
    from .builders.splicing import splice

    text, summary, warnings = splice(args.host, args.at, args.kernel_width, args.prefix, args.reduce_to, args.phase,
                                     args.input_shape, dict(args.input), args.stage, variants=variants(args),
                                     rename_suffix=args.rename_suffix)
    emit(text, args.output, args.host)
    print(summary, file=sys.stderr if not args.output or args.output == "-" else sys.stdout)
    _warn(args, warnings)


def _add_lane(sub):
    p = sub.add_parser(
        "lane", help="write an SCNN lane-detection model for CULane or TuSimple: train, deploy and solver files",
        description="Write the SCNN lane-detection model (Pan et al., 2018) as BVLC Caffe trains it: "
                    "train_val.prototxt with a Python data layer for CULane-format lists, deploy.prototxt, "
                    "solver.prototxt, the loss's class weights and a README, into DIR; all read back and "
                    "analyzed first. --dataset culane: 288x800, 4 lanes, list/train_gt.txt and list/val_gt.txt "
                    "under data/CULane; tusimple: 368x640, 6 lanes, list6/list6_train.txt and "
                    "list6/list6_val.txt under data/TuSimple.")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="the directory to write into")
    p.add_argument("--dataset", choices=("culane", "tusimple"), default="culane",
                   help="the preset: lanes, input size, lists (default: culane)")
    p.add_argument("--backbone", choices=("vgg16", "resnet50", "resnet101"), default="vgg16",
                   help="VGG16 as DeepLab-LargeFOV, or Kaiming He's Caffe ResNet dilated to stride 8 "
                        "(default: vgg16)")
    p.add_argument("--size", metavar="HxW", help="the input (default: the dataset's)")
    p.add_argument("--batch", type=int, default=2, help="images per step; iter_size makes the solver's 12 "
                                                        "(default: 2)")
    p.add_argument("--data-root", help="the dataset's directory (default: data/CULane or data/TuSimple)")
    p.add_argument("--train-list", help="under the root, or an absolute path (default: the dataset's)")
    p.add_argument("--val-list", help="under the root, or an absolute path (default: the dataset's)")
    p.add_argument("--channels", type=int, default=128, help="of fc7 and the SCNN block (default: 128)")
    variant_options(p)
    p.set_defaults(run=_lane, output_is_directory=True)


def _lane(args):
    from .api import lane

    files, summary = lane(args.output, args.dataset, args.backbone, args.size, args.batch, args.data_root,
                          args.train_list, args.val_list, args.channels, **variants(args))
    print(f"wrote {', '.join(files)} into {args.output}")
    print(summary)


def _add_lane_detect(sub):
    p = sub.add_parser(
        "lane-detect", help="run a trained lane model on images: lanes in CULane's or TuSimple's format, pictures",
        description="Run a trained SCNN lane model (a deploy net with outputs lane_prob and exist_prob, as `lane` "
                    "writes it) on images, folders and image lists, each image prepared as the training data layer "
                    "prepares it; decode each lane whose existence exceeds 0.5 as the SCNN authors do, and write "
                    "CULane .lines.txt files under OUT (beside each image's relative path) or TuSimple's "
                    "OUT/predictions.json. Runs in onnxruntime through the ONNX export (no Caffe needed), or in "
                    "Caffe with --runtime caffe.")
    p.add_argument("model", metavar="MODEL", help="deploy.prototxt, or the folder `lane` wrote")
    p.add_argument("images", metavar="IMAGES", nargs="+",
                   help="image files, folders of images, or lists (one image path a line, as CULane's lists)")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="the folder to write into")
    p.add_argument("--weights", metavar="FILE.caffemodel", help="the trained weights (default: the fillers', "
                                                                "which find nothing)")
    p.add_argument("--dataset", choices=("culane", "tusimple"), default="culane",
                   help="how to decode and what to write (default: culane)")
    p.add_argument("--root", metavar="DIR", help="what list entries are relative to (default: the list's folder)")
    p.add_argument("--batch", type=int, default=1, metavar="N", help="images per forward pass (default: 1)")
    p.add_argument("--runtime", choices=("onnxruntime", "caffe"), default="onnxruntime",
                   help="onnxruntime through the export, or Caffe's Python (default: onnxruntime)")
    p.add_argument("--pictures", action="store_true", help="also draw each image with its lanes (NAME.lanes.png)")
    p.add_argument("--probmaps", action="store_true", help="also draw the lanes' probability maps (NAME.prob.png)")
    p.set_defaults(run=_lane_detect, output_is_directory=True)


def _lane_detect(args):
    from .api import lane_detect
    from .lanes.detect import progress_bar

    if not args.weights:
        _warn(args, ["no --weights: the layers' fillers give the net random weights, so what it finds means nothing"])
    s = lane_detect(args.model, args.images, args.output, args.weights, args.dataset, args.batch, args.root,
                    args.runtime, args.pictures, args.probmaps, progress_bar())
    _warn(args, s["warnings"])
    n = s["images"]
    print(f"{n} image{'s' * (n != 1)}, {s['lanes']} lanes found, written into {s['output']} "
          f"({'CULane .lines.txt' if args.dataset == 'culane' else 'TuSimple predictions.json'}); "
          f"{n / s['seconds']:.2f} images/s in {s['runtime']} (the net {s['forward_seconds'] / n:.2f} s an image, "
          f"decoding {s['decode_seconds'] / n * 1000:.1f} ms)")


def _add_lane_eval(sub):
    p = sub.add_parser(
        "lane-eval", help="score detected lanes as CULane's or TuSimple's benchmark does",
        description="Score detected lanes with the benchmark's own rules. CULane (the SCNN repository's "
                    "evaluator, its Run.sh settings): PRED and GT are directories of .lines.txt files beside the "
                    "image paths of --list (test.txt), or of the nine category lists in --by-category "
                    "(list/test_split); each lane is drawn 30 pixels wide on the 1640x590 image, lanes are "
                    "matched one to one by IoU, a match above 0.5 is a true positive; precision, recall and F1, "
                    "per category (cross: false positives only) and in total. TuSimple (its lane.py): PRED and GT "
                    "are JSON-lines files; accuracy, FP and FN.")
    p.add_argument("predictions", metavar="PRED", help="the detections: a directory (culane) or a .json (tusimple)")
    p.add_argument("annotations", metavar="GT", help="the annotations: CULane's root, or TuSimple's test_label.json")
    p.add_argument("--dataset", choices=("culane", "tusimple"), default="culane", help="(default: culane)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--list", dest="image_list", metavar="FILE", help="culane: the images to score (test.txt)")
    which.add_argument("--by-category", dest="split_dir", metavar="DIR",
                       help="culane: the directory of test0_normal.txt .. test8_night.txt, scored one by one")
    p.add_argument("--iou", type=float, default=0.5, help="culane: the IoU a match must exceed (default: 0.5; "
                                                          "the paper also reports 0.3)")
    p.add_argument("--lane-width", type=int, default=30, help="culane: the lanes' drawn width (default: 30)")
    p.add_argument("--size", default="1640x590", metavar="WxH", help="culane: the image size (default: 1640x590)")
    p.add_argument("--jobs", type=int, help="culane: processes sharing the images (default: one per CPU)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="(default: table)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the result here (default: standard output)")
    p.set_defaults(run=_lane_eval, flags={"image_list": "--list", "split_dir": "--by-category"})


def _lane_eval(args):
    from .api import lane_eval
    from .lanes.scoretable import render, warnings
    width, sep, height = args.size.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise InputError(f"{option('size')} is WxH in pixels (1640x590), not {args.size!r}")
    result = lane_eval(args.predictions, args.annotations, args.dataset, args.image_list, args.split_dir,
                       args.iou, args.lane_width, (int(height), int(width)), args.jobs)
    _warn(args, warnings(result))
    emit(json.dumps(result, indent=1) + "\n" if args.format == "json" else render(result), args.output)
    _wrote(args, f"the {args.dataset} scores as {args.format}")


def _add_tusimple_labels(sub):
    p = sub.add_parser(
        "tusimple-labels", help="TuSimple's JSON annotations as label images and the list6 files lane trains from",
        description="Draw each annotated image's lanes into a label PNG (lanes 1 to 6 by their angle, 15 pixels "
                    "wide, as the SCNN PyTorch code's TuSimple converter) under ROOT/segGT6, and write "
                    "ROOT/list6/list6_train.txt and list6_val.txt ('image label e1 .. e6'), the lists `scnn-tools "
                    "lane --dataset tusimple` reads.")
    p.add_argument("root", metavar="ROOT", help="the TuSimple directory (clips/, label_data_*.json)")
    p.add_argument("--train", nargs="+", metavar="JSON",
                   help="annotations for list6_train.txt (default: label_data_0313.json label_data_0601.json)")
    p.add_argument("--val", nargs="+", metavar="JSON", help="annotations for list6_val.txt (default: "
                                                            "label_data_0531.json)")
    p.add_argument("--labels", default="segGT6", help="the label folder under ROOT (default: segGT6)")
    p.set_defaults(run=_tusimple_labels)


def _tusimple_labels(args):
    from .api import tusimple_labels
    for split, done in tusimple_labels(args.root, args.train, args.val, args.labels).items():
        print(f"wrote {done['list']}: {done['images']} images and their labels")


def _add_export(sub):
    p = sub.add_parser(
        "export", help="write the net as an ONNX model, weights included",
        description="Write the net as an ONNX model at the shapes Caffe would run it: the blobs' names as "
                    "value names, the inputs as graph inputs, the final tops (or --outputs) as outputs. Weights "
                    "come from --weights, matched by layer name as Caffe does; without it, from each layer's "
                    "fillers with a fixed seed. Written whole or not at all, after onnx's checker passes it.")
    net_options(p)
    p.add_argument("--weights", metavar="FILE.caffemodel", help="the trained weights (default: NET's own, if it is a "
                                                               ".caffemodel; else the fillers')")
    p.add_argument("--opset", type=int, default=17, help="the ONNX opset, 13 to 21 (default: 17)")
    p.add_argument("--outputs", metavar="BLOB[,BLOB...]", help="export up to these blobs (default: the net's "
                                                               "final tops)")
    p.add_argument("--check", action="store_true",
                   help="run the model once in each installed runtime (onnxruntime, OpenCV's dnn, OpenVINO's CPU "
                        "plugin) on the same random inputs: its output shapes must be scnn-tools', its outputs "
                        "within 1e-3 of onnxruntime's (of each output's largest value); else nothing is written")
    p.add_argument("--compare", metavar="CAFFE.npz",
                   help="with --check and --weights: Caffe's blobs by name (the model's inputs and some of its "
                        "outputs, as Caffe computed them with those weights): the inputs are fed and the outputs "
                        "must agree with Caffe's within 1e-3")
    p.add_argument("-o", "--output", metavar="NET.onnx", required=True, help="the file to write")
    p.set_defaults(run=_export)


def _export(args):
    from .builders.agreement import write_checked
    from .builders.onnx_export import export, write
    from .output import shape_text
    from .netfile.reader import read_net

    if args.compare and not (args.check and args.weights):
        raise InputError(f"{flag(args, 'compare')} needs --check and --weights: Caffe's outputs are its weights'")
    exported = export(read_net(args.net), args.phase, args.input_shape, dict(args.input), args.stage,
                      args.weights, names(args.outputs) if args.outputs else None, args.opset)
    strict(args, exported.warnings, args.net)
    _warn(args, [w["message"] for w in exported.warnings])
    if not args.check:
        write(exported, args.output)
    for run in write_checked(exported, args.output, compare=args.compare) if args.check else ():
        print(f"checked in {run.runtime} {run.version}: "
              f"{', '.join(f'{k} {shape_text(v)}' for k, v in run.shapes.items())}, as scnn-tools says"
              + ("" if run.difference is None else f"; at most {run.difference:.1e} from onnxruntime")
              + ("" if run.caffe is None else f"; at most {run.caffe:.1e} from Caffe")
              + ("" if run.finite else "; some outputs are not finite (the weights?)"))
    print(f"wrote {args.output}: {exported.nodes} ONNX nodes (opset {args.opset}), inputs "
          f"{', '.join(exported.inputs)}, outputs {', '.join(exported.outputs)}")


def _add_draw(sub):
    p = sub.add_parser(
        "draw", help="draw the layer graph: SVG, PNG, PDF, or an HTML page to explore",
        description="Draw the net's layer graph, laid out by igraph's layered (Sugiyama) layout: each node "
                    "shows type, output shape, receptive field and jump; in-place chains are folded into their "
                    "layer, each SCNN block into one node and, in a tall net, each run of alike blocks into one node. "
                    ".html gives one self-contained page: pan, zoom, click a node for what the analysis says of it; "
                    "NET.html#show=N opens at node N.")
    net_options(p)
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="net.svg, .html, .png or .pdf")
    p.set_defaults(run=_draw)


def _draw(args):
    from .netfile.reader import read_net
    from .views.draw import draw_net
    count, failed = draw_net(read_net(args.net), args.output, args.phase, args.input_shape, dict(args.input),
                             args.stage, lambda warnings: strict(args, warnings, args.net))
    if failed:
        said = failed.flagged(lambda name: flag(args, name))
        _warn(args, [f"the shapes cannot be computed, so the drawing has none: {said}"])
    print(f"wrote {args.output}: {count} nodes")


def _add_backbone(sub):
    p = sub.add_parser(
        "backbone", help="write a ResNet: an SCNN host (PSPNet-style) or Caffe's classifier",
        description="Write a ResNet. --style pspnet (the default): a PSPNet-style dilated ResNet (output stride "
                    "8) with the head of the original SCNN host: conv5_4 (3x3, 512), conv5_5 (1x1 to --head "
                    "channels, where an SCNN block goes), conv6 (1x1 to --classes) and Interp back to the input "
                    "size. --style caffe: Kaiming He's released Caffe ResNet classifier.")
    p.add_argument("--style", choices=("pspnet", "caffe"), default="pspnet", help="(default: pspnet)")
    p.add_argument("--depth", type=int, default=101, help="50, 101 or 152 (default: 101)")
    p.add_argument("--size", type=int, help="input height and width (default: 361 for pspnet, which needs "
                                            "8n + 1; 224 for caffe)")
    p.add_argument("--head", type=int, help="channels of conv5_5, --style pspnet only (default: 128)")
    p.add_argument("--classes", type=int, help="outputs of conv6, or of fc1000 with --style caffe (default: 19; "
                                               "1000 with --style caffe)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=_backbone)


def _backbone(args):
    from .builders.backbone import backbone, default_size

    size = default_size(args.style) if args.size is None else args.size
    emit(backbone(args.depth, size, args.head, args.classes, args.style), args.output)
    _wrote(args, f"ResNet-{args.depth} ({args.style}) at {size}x{size}")


def _add_stack(sub):
    p = sub.add_parser(
        "stack", help="write a plain stack of convolutions and poolings, for scale studies",
        description="Write a chain of layers from SPEC: comma-separated items [N*]conv<k>[s<stride>][d<dilation>] "
                    "or [N*]pool<k>[s<stride>]; for example '4*conv3,pool2,4*conv3' or '5*conv3d2'.")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--size", type=int, default=512, help="input height and width (default: 512)")
    p.add_argument("--name", default="stack", help="the net's name (default: stack)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=_stack)


def _stack(args):
    from .builders.stack import stack

    emit(stack(args.spec, args.size, args.name), args.output)
    _wrote(args, f"the stack {args.spec}")


def _add_profile(sub):
    p = sub.add_parser(
        "profile", help="draw spatial scale and receptive field against depth",
        description="Draw each net's spatial-scale width and receptive-field size along its main path (log "
                    "scale), with the changes of stride marked, named layers annotated, and several nets "
                    "overlaid. PNG, SVG or PDF by the output's extension.")
    p.add_argument("nets", metavar="NET", nargs="+", help="one or more nets")
    p.add_argument("-o", "--output", metavar="FIGURE", required=True, help="profile.png, .svg or .pdf")
    p.add_argument("--mark", metavar="NAMES", default="", help="layers or blobs to annotate, comma-separated")
    p.add_argument("--labels", metavar="NAMES", help="the legend's name for each net, comma-separated "
                                                     "(default: each file's name)")
    p.add_argument("--title", help="the figure's title")
    p.add_argument("--scale-model", choices=("exact", "blog", "both"), default="exact",
                   help="which spatial-scale model to draw (default: exact)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default), or json: one line per net, its points as scnn_tools.profile gives them")
    net_options(p, positional=False)
    p.set_defaults(run=_profile)


def _profile(args):
    from .views.plot import check_output
    from .engine.profiles import figure, result, sentence, spatial_profile

    check_output(args.output)
    profiles = [spatial_profile(analysis_of(args, net)) for net in args.nets]
    figure(profiles, args.output, args.scale_model, names(args.mark), args.labels and names(args.labels),
           args.title)
    for prof in profiles:
        print(json.dumps(result(prof)) if args.format == "json" else sentence(prof))
    print(f"wrote {args.output}", file=sys.stderr if args.format == "json" else sys.stdout)


def _add_match(sub):
    p = sub.add_parser(
        "match", help="which feature map fits which object sizes",
        description="Read object boxes (a COCO-style JSON, or a CSV with width and height columns), and for each "
                    "octave of object size print the feature map whose spatial scale is the smallest that covers "
                    "it, as FPN assigns levels; with -o, draw the size histogram beside the profile.")
    p.add_argument("net", metavar="NET")
    p.add_argument("--objects", metavar="FILE", required=True,
                   help="COCO-style JSON, or CSV with a width,height / w,h / x,y,w,h / x1,y1,x2,y2 header; "
                        "- for standard input")
    p.add_argument("--format", choices=("text", "json"), default="text", help="(default: text)")
    p.add_argument("--maps", metavar="NAMES", default="",
                   help="the feature maps to choose from, comma-separated (default: the end of each stride)")
    p.add_argument("--scale-model", choices=("exact", "blog"), default="exact", help="(default: exact)")
    p.add_argument("-o", "--output", metavar="FIGURE", help="also draw the figure (.png, .svg or .pdf)")
    net_options(p, positional=False)
    p.set_defaults(run=_match)


def _match(args):
    from .engine.match import lines, match

    if args.output:
        from .views.plot import check_output
        check_output(args.output)
    analysis = analysis_of(args, args.net)
    result = match(analysis, args.objects, args.scale_model, names(args.maps), args.output)
    image = analysis.shapes.blobs[analysis.image]
    text, warning = lines(result, (image[2], image[3]))
    if warning:
        _warn(args, [warning])
    print(json.dumps(result) if args.format == "json" else "\n".join(text))
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr if args.format == "json" else sys.stdout)


def _add_erf(sub):
    p = sub.add_parser(
        "erf", help="the effective receptive field of a blob's centre feature",
        description="Compute the effective receptive field (Luo et al., 2016) of the centre feature of BLOB on "
                    "the net linearised with uniform weights, residual paths included; print the radii holding "
                    "50% and 90% of its mass, and with -o draw it as a heat map with the theoretical field.")
    p.add_argument("net", metavar="NET")
    p.add_argument("blob", metavar="BLOB")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default), or json: centre, radii and boxes holding 50%% and 90%% of the mass")
    p.add_argument("--log", action="store_true", help="draw the heat map on a log scale, to see its tail")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="draw the heat map (.png, .svg or .pdf), or save the normalised map as numpy's .npy")
    net_options(p, positional=False)
    p.set_defaults(run=_erf)


def _erf(args):
    from .engine.effective_field import check_output, report, sentence, write

    if args.output:
        check_output(args.output)
    analysis = analysis_of(args, args.net)
    result = report(analysis, args.blob)
    print(json.dumps({k: v for k, v in result.items() if k != "field"}) if args.format == "json" else sentence(result))
    if args.output:
        write(result, args.output, f"{analysis.netfile.name}: effective receptive field of {args.blob}", args.log)
        print(f"wrote {args.output}", file=sys.stderr if args.format == "json" else sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
