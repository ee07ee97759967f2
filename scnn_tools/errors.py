"""Errors and warnings shared by every command.

An `InputError` is the user's to fix (exit code 2); anything else that
escapes is an internal fault (exit code 1).
"""


class InputError(Exception):
    """Bad input: a file, a net or an argument that cannot be used as given."""

    def __init__(self, message, path=None, line=None, col=None, layer=None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        self.layer = layer

    def __str__(self):
        where = []
        if self.path:
            where.append(str(self.path))
            if self.line is not None:
                where.append(str(self.line))
                if self.col is not None:
                    where.append(str(self.col))
        prefix = ":".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


def warning(code, message, layer=None, line=None):
    """A warning as every report gives it (the JSON's `warnings`): a code to match on, the message, and the
    layer and line it is about where there is one."""
    return {"code": code, "message": message, "layer": layer, "line": line}
