"""Errors and warnings shared by every command.

An `InputError` is the user's to fix (exit code 2); anything else that
escapes is an internal fault (exit code 1).

A message that names an option (`kernel_width`, `input_shape`) marks it with
`option()`. It then reads with the option's Python name, as a script passes
it, and the command line shows the flag its user typed instead (`flagged`):
the library never needs to know how a flag is spelled.
"""

import re

_MARK = re.compile("\x1f([a-z_]+)\x1e([^\x1e\x1f]*)\x1e([^\x1e\x1f]*)\x1f")


def option(name, flag_value="", value=""):
    """`name` inside a message: `name` (or `name=value`) to a script; on the command line the
    option's flag followed by `flag_value` (`--input rois=N,C,H,W`)."""
    return f"\x1f{name}\x1e{flag_value}\x1e{value}\x1f"


def input_option(name):
    """Input `name`'s shape named in a message: `inputs={'name': [N, C, H, W]}`, or `--input name=N,C,H,W`."""
    return option("inputs", f"{name}=N,C,H,W", "{'%s': [N, C, H, W]}" % name)


class Said(str):
    """A message that reads with the options' Python names; `.raw` keeps the marks for `flagged`."""

    def __new__(cls, raw):
        raw = getattr(raw, "raw", raw)
        self = super().__new__(cls, _MARK.sub(lambda m: m[1] + (f"={m[3]}" if m[3] else ""), raw))
        self.raw = raw
        return self


def flagged(text, flag):
    """`text` with each option it names shown as `flag(name)` gives its flag, followed by the flag's value."""
    return _MARK.sub(lambda m: flag(m[1]) + (f" {m[2]}" if m[2] else ""), getattr(text, "raw", text))


def options(text):
    """The options a message names, in order."""
    return [m[1] for m in _MARK.finditer(getattr(text, "raw", text))]


class InputError(Exception):
    """Bad input: a file, a net or an argument that cannot be used as given.

    `option`: the Python name of the option at fault (the first one the message names), or None.
    """

    def __init__(self, message, path=None, line=None, col=None, layer=None):
        self.message = Said(message)
        super().__init__(str(self.message))
        self.path = path
        self.line = line
        self.col = col
        self.layer = layer
        self.option = next(iter(options(self.message)), None)

    def __str__(self):
        return self._where(self.message)

    def flagged(self, flag):
        """The message as the command line says it: each option as `flag(name)` gives its flag."""
        return self._where(flagged(self.message, flag))

    def _where(self, message):
        where = []
        if self.path:
            where.append(str(self.path))
            if self.line is not None:
                where.append(str(self.line))
                if self.col is not None:
                    where.append(str(self.col))
        prefix = ":".join(where)
        return f"{prefix}: {message}" if prefix else message


def warning(code, message, layer=None, line=None):
    """A warning as every report gives it (the JSON's `warnings`): a code to match on, the message, and the
    layer and line it is about where there is one."""
    return {"code": code, "message": message, "layer": layer, "line": line}
