"""The protobuf wire format, walked by hand where a message is too large to parse whole for the little wanted
of it (an ONNX model's weights: netfile/onnxfile.py reads around them, builders/memory.py points at them)."""


def varint(data, i):
    """(the varint at data[i], where it ends)."""
    value = shift = 0
    while True:
        try:
            byte = data[i]
        except IndexError:
            raise ValueError(f"a varint runs past the end, at byte {i}") from None
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError(f"a varint of more than 64 bits, at byte {i}")


def fields(data, start, end):
    """(field number, wire type, start of its key, start of its value, end) of each field of the message in
    data[start:end]; ValueError where they do not walk to `end`."""
    pos = start
    while pos < end:
        key_at = pos
        # (a key, and a length below 128, is one byte, read without a call: a model's walk meets thousands)
        key, pos = data[pos], pos + 1
        if key > 0x7F:
            key, pos = varint(data, key_at)
        wire = key & 7
        if wire == 0:
            _, after = varint(data, pos)
        elif wire == 2:
            if pos < end and data[pos] < 0x80:
                length, pos = data[pos], pos + 1
            else:
                length, pos = varint(data, pos)
            after = pos + length
        elif wire in (1, 5):
            after = pos + (8 if wire == 1 else 4)
        else:  # (groups: not in onnx.proto)
            raise ValueError(f"protobuf wire type {wire} at byte {key_at}")
        if after > end:
            raise ValueError(f"field {key >> 3} at byte {key_at} runs past the end of its message")
        yield key >> 3, wire, key_at, pos, after
        pos = after


def key(number, length):
    """The key and length that start a length-delimited protobuf field."""
    out = bytearray()
    for value in (number << 3 | 2, length):
        while value > 0x7F:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)
