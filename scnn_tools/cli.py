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

PROG = "scnn-tools"


def main(argv=None):
    # One short run that allocates much and frees little at the end: the cycle
    # collector would only spend time (a quarter of it, on a large net).
    gc.disable()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
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
    gen.add_argument("--kernel_width", type=int, default=9,
                     help="width of the message-passing kernels, odd (default: 9)")
    gen.add_argument("--channel", type=int, default=128, help="channels of the feature map (default: 128)")
    gen.add_argument("--bottom", default="conv5_4", help="the blob the block reads (default: conv5_4)")
    gen.add_argument("--prefix", default="", help="put before every name and shared weight, so that several "
                                                  "blocks can live in one net (default: none)")
    gen.add_argument("--output", default="SCNN.prototxt", help="file to write, - for standard output "
                                                               "(default: SCNN.prototxt)")
    gen.set_defaults(run=_generate)

    bb = sub.add_parser(
        "backbone", help="write a host net: a PSPNet-style dilated ResNet with an SCNN-ready head",
        description="Write a PSPNet-style dilated ResNet (output stride 8) with the head of the original SCNN "
                    "host: conv5_4 (3x3, 512), conv5_5 (1x1 to --head channels, where an SCNN block goes), conv6 "
                    "(1x1 to --classes) and Interp back to the input size.")
    bb.add_argument("--depth", type=int, default=101, help="50, 101 or 152 (default: 101)")
    bb.add_argument("--size", type=int, default=361, help="input height and width, 8n + 1 (default: 361)")
    bb.add_argument("--head", type=int, default=128, help="channels of conv5_5 (default: 128)")
    bb.add_argument("--classes", type=int, default=19, help="outputs of conv6 (default: 19)")
    bb.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    bb.set_defaults(run=_backbone)

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
    sp.add_argument("--kernel_width", type=int, default=9, help="width of the message kernels, odd (default: 9)")
    sp.add_argument("--prefix", default="", help="put before every name the block adds (default: none)")
    _net_options(sp, positional=False)
    sp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    sp.set_defaults(run=_splice)
    return parser


def _net_options(parser, shapes=True, positional=True):
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
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (unknown fields, enum values and layer types) as errors")


def _shape_arg(text):
    from .shapes import parse_shape
    try:
        return parse_shape(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _named_arg(text):
    name, sep, shape = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=N,C,H,W, got {text!r}")
    return name, _shape_arg(shape)


def _strict(args, warnings):
    if args.strict and warnings:
        first = warnings[0]
        raise InputError(f"{len(warnings)} warning(s) with --strict; the first: {first['message']}",
                         args.net, first.get("line"))


def _analyze(args):
    from .analysis import analyze
    from .report import render

    result = analyze(args.net, args.phase, args.input_shape, dict(args.input), args.stage, args.scale_model)
    _strict(args, result["warnings"])
    emit(render(result, args.format), args.output, args.net)


def _query(args):
    from .analysis import query

    result = query(args.net, args.blob, args.y, args.x, args.phase, args.input_shape, dict(args.input), args.stage)
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


def _backbone(args):
    from .backbone import backbone

    emit(backbone(args.depth, args.size, args.head, args.classes), args.output)


def _splice(args):
    from .splice import splice

    text, summary = splice(args.host, args.at, args.kernel_width, args.prefix, args.reduce_to, args.phase,
                           args.input_shape, dict(args.input), args.stage)
    emit(text, args.output, args.host)
    print(summary, file=sys.stderr if not args.output or args.output == "-" else sys.stdout)


def _generate(args):
    from .scnn import Spec, generate

    spec = Spec(args.height, args.width, args.channel, args.kernel_width, args.bottom, args.prefix)
    emit(generate(spec), args.output)
    where = "standard output" if args.output == "-" else args.output
    print(f"wrote {where}: {spec.summary()}", file=sys.stderr if args.output == "-" else sys.stdout)


def _info(args):
    from .info import describe, render_text

    report = describe(args.net, args.phase, args.stage)
    _strict(args, report["warnings"])
    if args.format == "json":
        text = json.dumps(report, indent=2) + "\n"
    else:
        text = render_text(report)
    emit(text, args.output, args.net)


def emit(text, output, *inputs):
    """Print `text`, or write it whole to `output` (never over an input file)."""
    if not output or output == "-":
        sys.stdout.write(text)
        return
    for source in inputs:
        if source != "-" and os.path.exists(source) and os.path.exists(output) \
                and os.path.samefile(source, output):
            raise InputError("refusing to write over the input file", output)
    import tempfile

    directory = os.path.dirname(os.path.abspath(output))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".scnn-tools-", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror}", output) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not what a user expects of a report
        os.replace(tmp, output)
    except BaseException:
        os.unlink(tmp)
        raise


if __name__ == "__main__":
    sys.exit(main())
