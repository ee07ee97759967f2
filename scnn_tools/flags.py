"""The command line's vocabulary, shared by its commands: the flags that read a net and that vary an
SCNN block, the types of their values, and which flag stands for which option of the library.
"""

import argparse

from .errors import InputError

# Options whose flag is not their name with hyphens; a command may say more (its parser's `flags`).
FLAGS = {"inputs": "--input", "stages": "--stage", "marks": "--mark"}


def flag(args, name):
    """The flag of option `name` for this command, spelled as the user typed it (the original's
    --kernel_width as well as --kernel-width)."""
    own = "--" + name
    if any(word == own or word.startswith(own + "=") for word in args.typed):
        return own
    return {**FLAGS, **getattr(args, "flags", {})}.get(name, "--" + name.replace("_", "-"))


def net_options(parser, shapes=True, positional=True, strict=True):
    """The net and how to read it: phase, stages, the inputs' shapes, --strict."""
    if positional:
        parser.add_argument("net", metavar="NET", help="prototxt or binary NetParameter file, or - for stdin")
    parser.add_argument("--phase", choices=("TEST", "TRAIN"), default=None,
                        help="keep the layers of this phase (default: TEST, or TRAIN for a file whose data layers "
                             "are all in TRAIN)")
    parser.add_argument("--stage", action="append", default=[], metavar="STAGE",
                        help="a stage of the net state, for include/exclude rules with stages (repeatable)")
    if shapes:
        parser.add_argument("--input-shape", metavar="N,C,H,W", type=shape_arg,
                            help="the shape of the image input (overrides what the file declares)")
        parser.add_argument("--input", action="append", default=[], metavar="NAME=N,C,H,W", type=named_arg,
                            help="the shape of input NAME, or of a top of a Python layer or of a type scnn-tools does "
                                 "not know (repeatable)")
    if strict:
        parser.add_argument("--strict", action="store_true",
                            help="treat warnings (unknown fields, enum values and layer types) as errors")


def variant_options(parser):
    """The SCNN block's variants, for every command that writes one."""
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


def variants(args):
    """The block's variants as generate, splice and lane take them."""
    return dict(directions=args.directions, init=args.init, bias=args.bias, activation=args.activation)


def shape_arg(text):
    from .engine.shapes import parse_shape
    try:
        return parse_shape(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def batch_arg(text):
    from .engine.shapes import INT_MAX
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= INT_MAX:
        raise argparse.ArgumentTypeError(f"expected a batch size from 1 to {INT_MAX:,}, got {text!r}")
    return n


def named_arg(text):
    name, sep, shape = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=N,C,H,W, got {text!r}")
    return name, shape_arg(shape)


def names(text):
    """A comma-separated list of names (--mark, --maps, --labels, --outputs)."""
    return [n.strip() for n in text.split(",") if n.strip()]


def strict(args, warnings, source):
    """--strict: the first of the warnings as an error."""
    if args.strict and warnings:
        first = warnings[0]
        raise InputError(f"{len(warnings)} warning(s) with --strict; the first: {first['message']}",
                         source, first.get("line"))


def analysis_of(args, source, require_image=True):
    """The net analyzed as the flags say, refused under --strict if it has warnings."""
    from .engine.analysis import Analysis
    from .netfile.reader import read_net
    analysis = Analysis(read_net(source), args.phase, args.input_shape, dict(args.input), args.stage,
                        require_image=require_image)
    strict(args, analysis.warnings, source)
    return analysis
