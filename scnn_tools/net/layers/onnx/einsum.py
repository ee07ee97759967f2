"""Einsum-12 (onnx/docs/Operators.md): `equation` "ab,bc->ac" in numpy's notation, one term of letters per input
("..." for as many broadcast axes in every input that has it, numpy's rule; a letter twice in one term takes its
diagonal; an empty term is a scalar's, as in "->", a scalar's copy); without "->" the output is the letters used
once, in alphabetical order, after the broadcast axes. Each output axis has its letter's size; a letter not in
the output is summed over.

Fields, as MatMul's (inner.py), to which the matmul-like equations ("bij,bjk->bik", "bhqd,bhkd->bhqk") come
down: an output axis reads the same position of each input axis of its letter (position 0 of a size-1 broadcast
one); a summed axis is read whole along the output axes of the other inputs' letters (its partner's free axes:
each value sums a whole row times a whole column), or its own free axes where the partner has none (a matrix
times a vector); with one input (a transpose, a diagonal, a sum) a summed axis takes its field with it, as
ReduceSum's dropped axes do. Where a summed axis has no such output axis, its field is unknown. Multiply-adds of
two inputs: one per value of every letter (each output value sums the product over the summed letters), per item
of the output's first axis; one input multiplies nothing; three or more are unknown (the cost depends on the
order the runtime contracts them). Inputs that are no data blobs are learnt, as MatMul's.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import INNER_PRODUCT, fmt_shape, known, product
from .node import ALREADY, node, register


def _parse(o, ranks):
    """([letters per input], output letters): each "..." spelt out as the letters "0", "1", ... of the broadcast
    axes."""
    equation = o.attr("equation", kind=str)
    if equation is None:
        o.fail("needs its equation")
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    terms = left.split(",")
    if len(terms) != len(ranks):
        o.fail(f"equation {equation!r} has {len(terms)} input term(s) for {len(ranks)} inputs")
    widths = {rank - len(t.replace("...", "")) for t, rank in zip(terms, ranks) if "..." in t}
    if len(widths) > 1:
        # (numpy would broadcast them; onnx's shape inference and onnxruntime refuse the model)
        o.fail(f"the ellipsis of equation {equation!r} stands for {' and '.join(map(str, sorted(widths)))} axes in "
               "different inputs, which ONNX refuses")
    wide = widths.pop() if widths else 0
    ellipsis = [str(i) for i in range(wide)]
    spelt = []
    for t, rank in zip(terms, ranks):
        plain = t.replace("...", "")
        if not (plain.isalpha() or plain == "") or t.count("...") > 1 or (t.count("...") == 0 and len(plain) != rank):
            o.fail(f"term {t!r} of equation {equation!r} does not name the {rank} axes of its input")
        head, _, tail = t.partition("...")
        spelt.append(list(head) + ellipsis + list(tail) if "..." in t else list(t))
    if arrow:
        if right.count("...") > 1 or not (right.replace("...", "").isalpha() or right in ("", "...")) or \
                len(set(right.replace("...", ""))) != len(right.replace("...", "")):
            o.fail(f"output term {right!r} of equation {equation!r} is not distinct letters")
        head, _, tail = right.partition("...")
        out = list(head) + (ellipsis if "..." in right else []) + list(tail)
    else:
        letters = [c for term in terms for c in term.replace("...", "")]
        out = ellipsis + sorted(c for c in set(letters) if letters.count(c) == 1)
    known_letters = {c for term in spelt for c in term}
    if any(c not in known_letters for c in out):
        o.fail(f"output term of equation {equation!r} names a letter no input has")
    return spelt, out


def _geometry(ctx):
    """(letters per input, output letters, {letter: size}, input shapes)."""
    o = node(ctx)
    o.need_inputs(1)
    shapes = [o.shape(i) for i in range(o.n)]
    if any(s is None for s in shapes):
        return None
    terms, out = _parse(o, [len(s) for s in shapes])
    sizes = {}
    for term, shape in zip(terms, shapes):
        for c, d in zip(term, shape):
            if d == 1 and c.isdigit():
                sizes.setdefault(c, 1)  # (a broadcast axis of 1 takes its partner's size)
                continue
            if c in sizes and sizes[c] not in (1, d) and d is not None and sizes[c] is not None:
                o.fail(f"letter {c!r} is {sizes[c]} and {d} long in inputs " + ", ".join(map(fmt_shape, shapes)))
            if sizes.get(c) in (None, 1):
                sizes[c] = d
    return terms, out, sizes, shapes


def _shape(ctx):
    g = _geometry(ctx)
    return [None if g is None else [g[2][c] for c in g[1]]]


def _deps(ctx):
    o = node(ctx)
    terms, out, sizes, shapes = _geometry(ctx)
    deps = {t: [] for t in range(len(out))}
    lost = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        b = o.bottom(i)
        if b is None:
            continue
        others = {c for j, t in enumerate(terms) if j != i for c in t}
        partners = [t for t, c in enumerate(out) if c not in term and c in others]
        free = [t for t, c in enumerate(out) if c in term and c not in others]
        for a, c in enumerate(term):
            if c in out:
                deps[out.index(c)].append((b, a, IDENTITY if shape[a] == sizes[c] else Whole(1)))
            elif len(terms) > 1:
                # (MatMul's: along the partner's free axes, or its own where the partner has none, a 1-D B)
                for t in partners or free:
                    deps[t].append((b, a, Whole(shape[a])))
                if not partners and not free:
                    lost.append(a)
    if lost:
        o.unknown(f"summed axes {', '.join(map(str, lost))} have no output axis to carry their field")
    return [deps]


def _macc(ctx, tops):
    g = _geometry(ctx)
    if g is None or not tops or len(g[0]) > 2:
        return None
    if len(g[0]) == 1:
        return 0
    every, first = product(g[2].values()), tops[0][0] if tops[0] else 1
    return None if not known(every, first) or not first else every // first


register("onnx.Einsum", INNER_PRODUCT, reads=("equation",), shape=_shape, deps=_deps,
         params=lambda ctx: node(ctx).weights(*range(node(ctx).n)), macc=_macc, no_onnx=ALREADY)
