"""The `scnn-tools` command: argparse front end over reader → graph → report.

Modules are imported inside the subcommands so that `--help` and `--version`
answer at once; exit codes are those of DESIGN.md (0 ok, 2 bad input or
arguments, 1 internal fault).
"""

import argparse
import json
import os
import sys
import tempfile

from . import __version__
from .errors import InputError

PROG = "scnn-tools"


def main(argv=None):
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
    info.add_argument("net", metavar="NET", help="prototxt or binary NetParameter file, or - for stdin")
    info.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                      help="keep the layers of this phase (default: TEST)")
    info.add_argument("--stage", action="append", default=[], metavar="STAGE",
                      help="a stage of the net state, for include/exclude rules with stages (repeatable)")
    info.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    info.add_argument("--strict", action="store_true",
                      help="treat warnings (unknown fields, enum values and layer types) as errors")
    info.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    info.set_defaults(run=_info)

    gen = sub.add_parser("generate", help="write an SCNN message-passing block (not yet available)",
                         description="Write the SCNN block for a feature map of the given size. "
                                     "Not yet available in this version.")
    gen.add_argument("--height", type=int, default=90)
    gen.add_argument("--width", type=int, default=90)
    gen.add_argument("--kernel_width", type=int, default=9)
    gen.add_argument("--channel", type=int, default=128)
    gen.add_argument("--bottom", default="conv5_4")
    gen.add_argument("--output", default="SCNN.prototxt")
    gen.set_defaults(run=_not_yet("generate"))
    return parser


def _not_yet(command):
    def run(args):
        raise InputError(f"'{command}' is not yet available in {PROG} {__version__}")
    return run


def _info(args):
    from .info import describe, render_text

    report = describe(args.net, args.phase, args.stage)
    if args.strict and report["warnings"]:
        first = report["warnings"][0]
        raise InputError(f"{len(report['warnings'])} warning(s) with --strict; the first: {first['message']}",
                         args.net, first.get("line"))
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
