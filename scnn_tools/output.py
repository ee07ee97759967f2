"""Writing results: whole or not at all (a temporary file renamed into place, so a failure leaves the
old file or none), never over the file read; sizes and counts as people write them."""

import contextlib
import os
import sys

from .errors import InputError


@contextlib.contextmanager
def replacing(output, *inputs):
    """A temporary path beside `output`; renamed to `output` only if the block finishes."""
    for source in inputs:
        if source != "-" and os.path.exists(source) and os.path.exists(output) and os.path.samefile(source, output):
            raise InputError("refusing to write over the input file", output)
    import stat
    import tempfile

    if os.path.exists(output) and not stat.S_ISREG(os.stat(output).st_mode) and not os.path.isdir(output):
        # (a device or a pipe, /dev/null or a shell's >(...): renaming over it would put a file in its place,
        # and it holds nothing a failure could leave half-written)
        yield str(output)
        return
    if os.path.isdir(output):
        raise InputError("that is a directory; give the name of a file to write", output)
    directory = os.path.dirname(os.path.abspath(str(output)))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".scnn-tools-", suffix=os.path.splitext(str(output))[1], dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror}", output) from None
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not what a user expects of a result
        os.replace(tmp, str(output))
    except BaseException:
        os.unlink(tmp)
        raise


def emit(text, output, *inputs):
    """Print `text`, or write it to `output`."""
    if not output or output == "-":
        sys.stdout.write(text)
        return
    with replacing(output, *inputs) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def shape_text(shape):
    """A blob's shape as the table prints it: 1x3x224x224, ? for what is unknown."""
    if shape is None:
        return "?"
    if not shape:
        return "scalar"
    return "x".join("?" if d is None else str(d) for d in shape)


def size(n_bytes):
    """Bytes as a person reads them: 412 B, 3.5 KiB, 12.2 MiB, 5.7 GiB."""
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes} B"


def field_text(sizes, glob, square=False):
    """A receptive field's size per axis [h, w] as every command prints it: `global` on an axis where a
    feature sees the whole of it (its box there, padding included, says nothing more); one number where
    both axes read alike, unless `square` asks for both (195x195)."""
    shown = ["global" if g else ("-" if v is None else str(v)) for v, g in zip(sizes, glob)]
    if shown[0] == shown[1] and (shown[0] == "global" or not square):
        return shown[0]
    return " x ".join(shown) if "global" in shown else "x".join(shown)


def number(v):
    """A measure as a person reads it: 8, 6.742, 0.125."""
    return str(int(v)) if v == int(v) else f"{v:.4g}"


def count(n, what):
    """'1 layer', '2 layers'."""
    return f"{n:,} {what}" + ("" if n == 1 else "s")
