"""Protobuf text format → message, driven by the message descriptors.

Why not google.protobuf.text_format: real prototxt files come from forks, so a
field or enum value our schema does not know must be skipped with a warning
that names it and its line, and the rest of the file still read; errors must
name line and column; template placeholders (`${NUM_LABELS}`) deserve their
own message; and every layer's line is wanted for later messages. The grammar
is the one protobuf's text parser accepts: `name: value`, `name { ... }`,
`name: { ... }`, `name < ... >`, `name: [v, v]`, optional `,`/`;` separators,
adjacent string literals concatenated, `#` comments.
"""

import bisect
import codecs
import re

from google.protobuf.descriptor import FieldDescriptor as FD

from scnn_tools.errors import InputError, warning

# The alternatives start with disjoint characters, so their order is the order of frequency (a fifth off
# the tokenizer on big files): blanks and comments, names, punctuation, numbers, strings.
_TOKEN = re.compile(
    r"""
     (?P<w>[ \t\r\n\f\v]+|\#[^\n]*)
    |(?P<i>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<p>[{}<>\[\]:;,])
    |(?P<n>[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fF]?)
          |[-+](?:inf(?:inity)?|nan)\b)
    |(?P<s>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<t>\$\{[^}\n]*\}?)
    |(?P<x>.)
    """,
    re.X | re.S,
)
_PLACEHOLDER = re.compile(r"\$\{[^}\n]*\}?")
_SPACE = re.compile(r"(?:[ \t\r\n\f\v]+|#[^\n]*)*")

# A top-level `name { ... }` block that holds no comment, placeholder, escape outside a string or `<` block,
# nested at most four deep: the shape of nearly every layer in real files, and of every layer of a generated
# SCNN block. Blocks that differ only inside their string literals parse alike, so each such shape is parsed
# once and the rest are copies with their own strings (`_Recipe`). Runs of plain characters are matched
# whole and never split again on a failed match (the lookahead), so a block that does not fit fails in
# linear time.
_LITERAL = r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
_PLAIN = r"""[^{}<>"'#$\\]+(?![^{}<>"'#$\\])"""


def _nested(depth):
    inner = rf"(?:{_PLAIN}|{_LITERAL})*"
    for _ in range(depth):
        inner = rf"(?:{_PLAIN}|{_LITERAL}|\{{{inner}\}})*"
    return inner


_SIMPLE_BLOCK = re.compile(rf"([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n\f\v]*\{{{_nested(3)}\}}", re.S)
_LITERALS = re.compile(f"({_LITERAL})", re.S)

_INT_TYPES = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}
_FLOAT_TYPES = (FD.TYPE_FLOAT, FD.TYPE_DOUBLE)
_MESSAGE_TYPES = (FD.TYPE_MESSAGE, FD.TYPE_GROUP)
_CLOSE = {"{": "}", "<": ">"}
_TRUE = {"true", "True", "t", "1"}
_FALSE = {"false", "False", "f", "0"}


class _Fields:
    """Per message type: field name → (descriptor, is_repeated, is_message)."""

    _cache = {}

    @classmethod
    def of(cls, descriptor):
        table = cls._cache.get(descriptor.full_name)
        if table is None:
            table = {
                f.name: (f, f.is_repeated, f.type in _MESSAGE_TYPES)
                for f in descriptor.fields
            }
            cls._cache[descriptor.full_name] = table
        return table


class Parsed:
    """What `parse` returns besides the message itself."""

    def __init__(self, warnings, lines, spans):
        self.warnings = warnings
        # For each field of the top-level message (e.g. `layer`, `layers`):
        # the line of each element, in order, and its (start, end) offsets in
        # the text, from its field name to just after its value.
        self.lines = lines
        self.spans = spans


def parse(text, message, path=None):
    """Parse `text` into `message` (cleared first). Raises InputError."""
    return _Parser(text, path).run(message)


class _Parser:
    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.pos = 0
        self.warnings = []
        self._newlines = None
        self._last_line = (0, 1)
        self._context = None  # the top-level element being parsed, for warnings
        # The tokens of the top-level elements being parsed (see _tokenize), ended by None: the end of the
        # file, or of those elements, so that looking at the next token needs no bounds check.
        self.tokens = [None]
        # While a block is parsed to be copied (_Recipe): the (field, index) steps from the top-level message
        # to the message being filled, and each string value set, as _Recipe.slots.
        self._path = None
        self._slots = None

    # ---------------------------------------------------------------- tokens
    def _tokenize(self, at):
        """The tokens from offset `at` to the end of the first top-level element that closes a block (and
        the separator after it), or to the end of the text; and the offset where they end. What a top-level
        element is, is the parser's to say: a block's close is the one place where one surely ends."""
        tokens, depth, end = [], 0, len(self.text)
        append = tokens.append
        for m in _TOKEN.finditer(self.text, at):
            kind = m.lastgroup
            if kind == "w":
                continue
            if kind == "x":
                ch = m.group()
                what = "unterminated string" if ch in "\"'" else f"unexpected character {ch!r}"
                raise self._error(what, m.start())
            if kind == "t":
                raise self._template_error(m.start())
            value = m.group()
            append((kind, value, m.start()))
            if kind == "p" and value in "{<[":
                depth += 1
            elif kind == "p" and value in "}>]":
                depth -= 1
                if depth <= 0:
                    end = self._after(m.end())
                    if end > m.end():
                        append(("p", self.text[end - 1], end - 1))
                    break
        return tokens, end

    def _after(self, end):
        """Where the top-level element ending at `end` ends with the `,` or `;` that may follow it."""
        after = _SPACE.match(self.text, end).end()
        return after + 1 if self.text.startswith((",", ";"), after) else end

    def _line(self, offset):
        """The line of `offset`, counted on from the last one asked: the top-level elements come in order."""
        last, line = self._last_line
        if offset < last:
            return self.line_col(offset)[0]
        line += self.text.count("\n", last, offset)
        self._last_line = (offset, line)
        return line

    def line_col(self, offset):
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, offset)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def _error(self, message, offset=None):
        if offset is None:
            tok = self.tokens[self.pos]
            offset = tok[2] if tok is not None else len(self.text)
        line, col = self.line_col(offset)
        return InputError(message, self.path, line, col)

    def _template_error(self, offset):
        names = []
        for m in _PLACEHOLDER.finditer(self.text):
            if m.group() not in names and self._outside_strings(m.start()):
                names.append(m.group())
        return self._error(
            "template placeholder%s %s must be substituted before the file can be read "
            "(this file is a template for a script that fills them in)"
            % ("s" if len(names) > 1 else "", ", ".join(names)),
            offset,
        )

    def _outside_strings(self, offset):
        # A placeholder inside a quoted string is legal text; report only bare ones.
        line_start = self.text.rfind("\n", 0, offset) + 1
        before = self.text[line_start:offset].split("#", 1)[0]
        return before.count('"') % 2 == 0 and before.count("'") % 2 == 0

    def _describe(self, tok):
        if tok is None:
            return "end of file"
        return {"s": "string", "n": "number"}.get(tok[0], repr(tok[1]))

    def _peek(self):
        return self.tokens[self.pos]

    def _next(self, expected):
        tok = self._peek()
        if tok is None:
            raise self._error(f"unexpected end of file: expected {expected}")
        self.pos += 1
        return tok

    def _accept(self, punct):
        tok = self.tokens[self.pos]
        if tok is not None and tok[1] == punct and tok[0] == "p":
            self.pos += 1
            return True
        return False

    # ---------------------------------------------------------------- parse
    def run(self, message):
        message.Clear()
        lines, spans, recipes = {}, {}, {}
        fields = _Fields.of(message.DESCRIPTOR)
        text, end = self.text, len(self.text)
        at = _SPACE.match(text).end()
        while at < end:
            block = _SIMPLE_BLOCK.match(text, at)
            entry = fields.get(block.group(1)) if block else None
            if entry is not None and entry[1] and entry[2]:  # (a repeated message: each block is a new one)
                at = self._block(message, block, recipes, lines, spans)
            else:
                at = self._elements(message, at, lines, spans)
            at = _SPACE.match(text, at).end()
        return Parsed(self.warnings, lines, spans)

    def _elements(self, message, at, lines, spans):
        """Parse the top-level elements from `at` that _tokenize takes; where they end."""
        self.tokens, end = self._tokenize(at)
        self.tokens.append(None)
        self.pos = 0
        self._message(message, None, lines, spans)
        return end

    def _block(self, message, block, recipes, lines, spans):
        """One top-level block of _SIMPLE_BLOCK's shape: a copy of the first block of its shape with its own
        strings where that one parsed without a warning, else parsed; where it ends."""
        name, offset = block.group(1), block.start()
        parts = _LITERALS.split(block.group())
        shape = tuple(parts[::2])
        recipe = recipes.get(shape, False)
        if recipe:
            values = recipe.values(parts[1::2], "\\" in block.group())  # (outside strings is no backslash)
            if values is not None:
                container = getattr(message, name)
                container.append(recipe.template)
                recipe.fill(container[-1], values)
                self._context = (name, len(lines.setdefault(name, [])))
                lines[name].append(self._line(offset))
                spans.setdefault(name, []).append((offset, block.end()))
                return self._after(block.end())
        if recipe is not False:  # (a shape met before that cannot be copied, or strings that do not read)
            return self._elements(message, offset, lines, spans)
        warned, self._path, self._slots = len(self.warnings), [], []
        try:
            end = self._elements(message, offset, lines, spans)
        finally:
            slots, self._path, self._slots = self._slots, None, None
        copyable = len(self.warnings) == warned and sum(s[3] for s in slots) == len(parts) // 2
        recipes[shape] = _Recipe(getattr(message, name)[-1], slots) if copyable else None
        return end

    def _message(self, msg, close, lines=None, spans=None):
        """Fields until `close` (or end of file at top level)."""
        fields = _Fields.of(msg.DESCRIPTOR)
        type_name = msg.DESCRIPTOR.name
        tokens = self.tokens
        while True:
            tok = tokens[self.pos]
            if tok is None:
                if close is None:
                    return
                raise self._error(f"unexpected end of file: expected '{close}'")
            kind, value, offset = tok
            if kind == "p" and value == close:
                self.pos += 1
                return
            if kind != "i":
                if kind == "p" and value in "}>":
                    raise self._error(f"unexpected '{value}': no block is open here")
                raise self._error(f"expected a field name, found {self._describe(tok)}")
            self.pos += 1
            entry = fields.get(value)
            if lines is not None:
                self._context = (value, len(lines.setdefault(value, [])))
                lines[value].append(self._line(offset))
            if entry is None:
                self._skip_field(value, type_name, offset)
            else:
                self._field(msg, entry, offset)
            if spans is not None:
                last = self.tokens[self.pos - 1]
                spans.setdefault(value, []).append((offset, last[2] + len(last[1])))
            if not self._accept(","):
                self._accept(";")

    def _field(self, msg, entry, offset):
        field, repeated, is_message = entry
        name = field.name
        if is_message:
            self._accept(":")
            tok = self._next(f"'{{' to open {name}")
            if tok[0] != "p" or tok[1] not in _CLOSE:
                self.pos -= 1
                raise self._error(f"expected '{{' after {name}, found {self._describe(tok)}")
            if repeated:
                sub = getattr(msg, name).add()
            else:
                if msg.HasField(name):
                    self._warn("duplicate-field", f"{name} is given more than once, which Caffe refuses; the "
                               "blocks are merged here", offset)
                sub = getattr(msg, name)
                sub.SetInParent()
            if self._path is None:
                self._message(sub, _CLOSE[tok[1]])
            else:
                self._path.append((name, len(getattr(msg, name)) - 1 if repeated else None))
                self._message(sub, _CLOSE[tok[1]])
                self._path.pop()
            return
        if not self._accept(":"):
            raise self._error(f"expected ':' after {name}, found {self._describe(self._peek())}")
        if self._accept("["):
            if not repeated:
                self.pos -= 1
                raise self._error(f"{name} takes one value, not a list")
            if self._accept("]"):
                return
            while True:
                self._scalar(msg, field, True)
                if self._accept("]"):
                    return
                if not self._accept(","):
                    raise self._error(f"expected ',' or ']' in the list of {name}")
        self._scalar(msg, field, repeated)

    def _scalar(self, msg, field, repeated):
        tok = self._next(f"a value for {field.name}")
        kind, value, offset = tok
        ftype = field.type
        try:
            if ftype == FD.TYPE_STRING or ftype == FD.TYPE_BYTES:
                if kind != "s":
                    raise ValueError("expected a quoted string")
                parts = [value]
                while self._peek() is not None and self._peek()[0] == "s":
                    parts.append(self._next("")[1])
                result = "".join(_unquote(p) for p in parts)
                if ftype == FD.TYPE_BYTES:
                    result = result.encode("utf-8")
                if self._slots is not None:
                    index = len(getattr(msg, field.name)) if repeated else None
                    self._slots.append((tuple(self._path[1:]), field.name, index, len(parts),
                                        ftype == FD.TYPE_BYTES))
            elif ftype in _INT_TYPES:
                result = _integer(kind, value, _INT_TYPES[ftype])
            elif ftype in _FLOAT_TYPES:
                result = _float(kind, value)
            elif ftype == FD.TYPE_BOOL:
                if value in _TRUE:
                    result = True
                elif value in _FALSE:
                    result = False
                else:
                    raise ValueError("expected true or false")
            elif ftype == FD.TYPE_ENUM:
                enum = field.enum_type
                if kind == "i":
                    ev = enum.values_by_name.get(value)
                    if ev is None and field.full_name == "caffe.V1LayerParameter.type":
                        msg.type_name = value  # a fork's layer type: upgrade reads it as one
                        return
                    if ev is None:
                        self._warn(
                            "unknown-enum-value",
                            f"unknown value {value} for {field.containing_type.name}.{field.name} "
                            f"(known: {', '.join(v.name for v in enum.values)}); skipped",
                            offset,
                        )
                        return
                    result = ev.number
                elif kind == "n":
                    result = _integer(kind, value, (-(2**31), 2**31 - 1))
                    if result not in enum.values_by_number:
                        self._warn("unknown-enum-value",
                                   f"unknown value {value} for {field.containing_type.name}.{field.name}; skipped",
                                   offset)
                        return
                elif field.full_name == "caffe.V1LayerParameter.type":
                    # (a V2 type string in a V1 block: files mixing the two, which Caffe refuses too)
                    raise ValueError("a V1 'layers' block names its type in capitals without quotes (SOFTMAX, "
                                     "CONVOLUTION, ...); a quoted type belongs in a V2 'layer' block")
                else:
                    raise ValueError(f"expected one of {', '.join(v.name for v in enum.values)}")
            else:  # pragma: no cover - every scalar type is handled above
                raise ValueError(f"unsupported field type {ftype}")
        except ValueError as exc:
            self.pos -= 1
            raise self._error(f"bad value for {field.name}: {exc}, found {self._describe(tok)}", offset)
        if repeated:
            getattr(msg, field.name).append(result)
        else:
            if msg.HasField(field.name):
                self._warn("duplicate-field", f"{field.name} is given more than once, which Caffe refuses; the last "
                               "value is used here", offset)
            setattr(msg, field.name, result)

    def _skip_field(self, name, type_name, offset):
        self._warn("unknown-field", f"unknown field '{name}' in {type_name}; skipped", offset)
        had_colon = self._accept(":")
        tok = self._next(f"a value for {name}")
        if tok[0] == "p" and tok[1] in _CLOSE:
            self._skip_block(_CLOSE[tok[1]])
        elif tok[0] == "p" and tok[1] == "[" and had_colon:
            self._skip_block("]")
        elif tok[0] in "sni" and had_colon:
            while tok[0] == "s" and self._peek() is not None and self._peek()[0] == "s":
                self.pos += 1
        else:
            self.pos -= 1
            raise self._error(f"expected ':' or '{{' after {name}, found {self._describe(tok)}")

    def _skip_block(self, close):
        stack = [close]
        while stack:
            tok = self._next(f"'{stack[-1]}'")
            if tok[0] != "p":
                continue
            if tok[1] in _CLOSE:
                stack.append(_CLOSE[tok[1]])
            elif tok[1] == "[":
                stack.append("]")
            elif tok[1] == stack[-1]:
                stack.pop()
            elif tok[1] in "}>]":
                self.pos -= 1
                raise self._error(f"unexpected '{tok[1]}': expected '{stack[-1]}'")

    def _warn(self, code, message, offset):
        w = warning(code, message, line=self.line_col(offset)[0])
        w["_context"] = self._context
        self.warnings.append(w)


class _Recipe:
    """A parsed top-level block, to be copied for the blocks that differ from it only in their strings.

    `slots` are the string values the parse set, in the order of the literals in the text: (the (field,
    index) steps to the message holding it, the field, its index where repeated, how many adjacent
    literals make it, whether it is bytes)."""

    def __init__(self, parsed, slots):
        self.template = type(parsed)()
        self.template.CopyFrom(parsed)
        self.slots = slots
        # (one literal a value and no bytes, as in nearly every block: each value is its literal unquoted)
        self.plain = all(count == 1 and not is_bytes for _, _, _, count, is_bytes in slots)

    def values(self, literals, escaped):
        """The slots' values from another block's literals (`escaped`: whether any holds a backslash); None
        where one does not read (a bad escape), for the parser to say where."""
        if self.plain and not escaped:
            return [p[1:-1] for p in literals]
        out, i = [], 0
        try:
            for _, _, _, count, is_bytes in self.slots:
                value = "".join(_unquote(p) for p in literals[i:i + count])
                out.append(value.encode("utf-8") if is_bytes else value)
                i += count
        except ValueError:
            return None
        return out

    def fill(self, message, values):
        for (steps, name, index, _, _), value in zip(self.slots, values):
            target = message
            for step, at in steps:
                target = getattr(target, step)
                if at is not None:
                    target = target[at]
            if index is None:
                setattr(target, name, value)
            else:
                getattr(target, name)[index] = value


def _unquote(token):
    body = token[1:-1]
    if "\\" not in body:
        return body
    return codecs.escape_decode(body.encode("utf-8"))[0].decode("utf-8", "replace")


def _integer(kind, value, bounds):
    if kind != "n":
        raise ValueError("expected an integer")
    text = value.lstrip("+")
    neg = text.startswith("-")
    digits = text[1:] if neg else text
    if digits[:2] in ("0x", "0X"):
        number = int(digits, 16)
    elif len(digits) > 1 and digits[0] == "0" and digits.isdigit():
        number = int(digits, 8)
    elif digits.isdigit():
        number = int(digits)
    else:
        raise ValueError("expected an integer")
    number = -number if neg else number
    lo, hi = bounds
    if not lo <= number <= hi:
        raise ValueError(f"{number} is out of range [{lo}, {hi}]")
    return number


def _float(kind, value):
    if kind not in ("i", "n"):
        raise ValueError("expected a number")
    low = value.lower().lstrip("+")
    if low.lstrip("-") in ("inf", "infinity", "nan"):
        return float(low)
    if kind == "i":
        raise ValueError("expected a number")
    if "x" in low:
        return float(int(low, 16))
    return float(low.rstrip("f"))
