"""Geometry of `draw`: text measured in the font the picture names, boxes sized to their text, igraph's
layered (Sugiyama) layout turned into pixel positions, and edges routed through the gaps igraph leaves.

igraph assigns the layers, orders each layer to reduce crossings and inserts a dummy vertex wherever an
edge spans several layers. Here each node gets the width its text needs, each dummy a narrow slot of its
own in its layer's order, and positions are chosen, layer by layer with the order kept, as close to the
mean of their neighbours' as the widths allow. A long edge runs through its dummies' slots, vertically
across every band of boxes it passes: it never crosses a box, and the canvas holds every point of it.
"""

import functools

FONT = "DejaVu Sans"     # the font the SVG names first (matplotlib ships it, so it can always be measured)
TITLE, BODY = (11, "bold"), (10, "normal")  # font size (px) and weight of a node's title and other lines
PAD_X, PAD_Y, PITCH = 9, 6, 1.3             # padding inside a box; line pitch in font sizes
MAX_TEXT = 250                              # a title wider than this is wrapped
SLOT, GAP, ROW_GAP, MARGIN = 14, 22, 40, 20  # a long edge's slot, gap between boxes, between rows, canvas margin
LANE, TALL = 6, 3000                        # edges apart in a channel; a taller picture is set in columns


@functools.lru_cache(maxsize=2)
def _font(weight):
    from matplotlib import ft2font
    from matplotlib.font_manager import FontProperties, findfont
    font = ft2font.FT2Font(findfont(FontProperties(family=FONT, weight=weight), fallback_to_default=False))
    font.set_size(100, 72)  # advances at 100 px: scaled linearly below (no hinting)
    return font


@functools.lru_cache(maxsize=4096)
def _advance(ch, weight):
    from matplotlib import ft2font
    glyph = _font(weight).load_char(ord(ch), flags=ft2font.LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / 100


def text_width(text, size, weight):
    """The advance width of `text` in px: the sum of its glyphs' advances, no kerning (which only narrows)."""
    return size * sum(_advance(ch, weight) for ch in text)


def ascent_descent(weight):
    """The font's ascender and descender (both positive), in font sizes."""
    font = _font(weight)
    return font.ascender / font.units_per_EM, -font.descender / font.units_per_EM


def wrap(text, size, weight, limit=MAX_TEXT):
    """`text` as lines no wider than `limit` where it can be broken: after ': ' first (a name, then its
    types), then before ' + ' or ', ' pieces, then at other spaces. A piece wider than the limit stays whole."""
    if text_width(text, size, weight) <= limit:
        return [text]
    head, sep, rest = text.partition(": ")
    if sep:
        return wrap(head + ":", size, weight, limit) + wrap(rest, size, weight, limit)
    lines, line = [], ""
    for word in _words(text):
        if line and text_width(line + word, size, weight) > limit:
            lines.append(line)
            word = word.lstrip()
            line = ""
        line += word
    return lines + [line]


def _words(text):
    """Pieces that keep their leading space, '+' kept with what follows it: 'a b + c' -> ['a', ' b', ' + c']."""
    words = []
    for piece in text.split(" "):
        if words and words[-1] in ("+", " +"):
            words[-1] += " " + piece
        else:
            words.append(piece if not words else " " + piece)
    return words


class Box:
    """A node's text lines [(text, size, weight)] with where they go: baselines measured from the box's top."""

    def __init__(self, title, lines):
        self.lines = [(t, *TITLE) for t in wrap(title, *TITLE)] + \
            [(t, *BODY) for text in lines for t in wrap(text, *BODY)]
        self.width = max(text_width(t, s, w) for t, s, w in self.lines) + 2 * PAD_X
        self.baselines, y = [], PAD_Y
        for k, (_, size, weight) in enumerate(self.lines):
            y += ascent_descent(weight)[0] * size if k == 0 else PITCH * size
            self.baselines.append(y)
        self.height = y + ascent_descent(self.lines[-1][2])[1] * self.lines[-1][1] + PAD_Y


def place(boxes, edges):
    """Pixel geometry: the centre of each box [(x, y)], each edge's polyline [(x, y), ...] from the bottom of
    its source to the top of its target, and the canvas (width, height) that holds them all."""
    rows, xs, width, chains = _order(boxes, edges)
    row_of = {item: r for r, row in enumerate(rows) for item in row}
    heights = [max((boxes[i[1]].height for i in row if i[0] == "n"), default=0) for row in rows]
    links = [0] * len(rows)  # how many edges pass from row r - 1 to row r
    for chain in chains:
        for v in chain[1:]:
            links[row_of[v]] += 1
    bands = _bands(heights, links, max(hi - lo for lo, hi in (_extent(row, xs, width) for row in rows)))
    band_of = [c for c, (first, end) in enumerate(bands) for _ in range(first, end)]
    lane = {}  # (edge, column) -> its lane in the gutter after the column and the channels it takes
    for e, chain in enumerate(chains):
        for u, v in zip(chain, chain[1:]):
            c = band_of[row_of[u]]
            if band_of[row_of[v]] != c:
                lane[e, c] = sum(1 for key in lane if key[1] == c)
    channel = LANE * (max(lane.values()) + 2) if lane else 0
    # Each column: its rows from the top (below the channel edges take into it), boxes hanging from
    # each row's top, right of the column before it and of that column's lanes.
    tops, bottoms, shift, gutter, left = [0.0] * len(rows), [0.0] * len(rows), [], [], 0.0
    for c, (first, end) in enumerate(bands):
        y = channel
        for r in range(first, end):
            tops[r], bottoms[r] = y, y + heights[r]
            y += heights[r] + ROW_GAP
        lo, hi = _extent([i for r in range(first, end) for i in rows[r]], xs, width)
        shift.append(left - lo)
        gutter.append(left + hi - lo + GAP)
        left += hi - lo + 2 * GAP + LANE * sum(1 for key in lane if key[1] == c)
    X = {item: xs[item] + shift[band_of[r]] for r, row in enumerate(rows) for item in row}
    lines = []
    for e, chain in enumerate(chains):
        a, ra = chain[0], row_of[chain[0]]
        pts = [(X[a], tops[ra] + boxes[a[1]].height), (X[a], bottoms[ra])]
        for u, v in zip(chain, chain[1:]):
            c, r = band_of[row_of[u]], row_of[v]
            if band_of[r] != c:  # down to the channel below this column, along it to the gutter, up to
                x, below, above = gutter[c] + LANE * lane[e, c], bottoms[bands[c][1] - 1], channel
                below, above = below + LANE * (lane[e, c] + 1), above - LANE * (lane[e, c] + 1)
                pts += [(X[u], below), (x, below), (x, above), (X[v], above)]  # the channel over the next one
            pts += [(X[v], tops[r])] + ([(X[v], bottoms[r])] if v[0] == "d" else [])
        lines.append(pts)
    _ports(lines, boxes, edges)
    centres = [(X[("n", i)], tops[row_of[("n", i)]] + b.height / 2) for i, b in enumerate(boxes)]
    return _fit_canvas(centres, [_plain(line) for line in lines], boxes)


def _order(boxes, edges):
    """igraph's layers, each in its order: rows of items ('n', node) or ('d', edge, k) for the k-th bend of an
    edge; each item's x and width; each edge's chain of items from its source through its bends to its target."""
    import igraph
    g = igraph.Graph(n=len(boxes), edges=edges, directed=True)
    placed = g.layout_sugiyama(hgap=1, vgap=1, maxiter=400)
    layers = {}
    for i, (x, y) in enumerate(placed.coords):
        layers.setdefault(int(round(y)), []).append((x, ("n", i)))
    for e, route in enumerate(placed.edge_routing):
        for k, (x, y) in enumerate(route):
            layers.setdefault(int(round(y)), []).append((x, ("d", e, k)))
    rows = [[item for _, item in sorted(layers[r], key=lambda t: t[0])] for r in sorted(layers)]
    chains = [[("n", a)] + [("d", e, k) for k in range(len(placed.edge_routing[e]))] + [("n", b)]
              for e, (a, b) in enumerate(edges)]
    width = {item: boxes[item[1]].width if item[0] == "n" else 0 for row in rows for item in row}
    xs = {item: x * 120.0 for r in layers.values() for x, item in r}
    neighbours = {}
    for chain in chains:
        for u, v in zip(chain, chain[1:]):
            neighbours.setdefault(u, []).append(v)
            neighbours.setdefault(v, []).append(u)
    for sweep in range(24):
        for row in rows if sweep % 2 == 0 else rows[::-1]:
            wanted = [_pull(item, neighbours.get(item, ()), xs) for item in row]
            for item, x in zip(row, _fit_row(wanted, [width[i] for i in row])):
                xs[item] = x
    _straighten(rows, xs, width, chains)
    return rows, xs, width, chains


def _straighten(rows, xs, width, chains):
    """Set a long edge's bends on as few vertical lines as fit between their neighbours in the rows it passes
    (the sweeps leave them wiggling by a few px, which reads as meaning something)."""
    place = {item: (r, k) for r, row in enumerate(rows) for k, item in enumerate(row)}

    def room(item):
        r, k = place[item]
        row = rows[r]
        lo = xs[row[k - 1]] + width[row[k - 1]] / 2 + SLOT if k > 0 else float("-inf")
        hi = xs[row[k + 1]] - width[row[k + 1]] / 2 - SLOT if k + 1 < len(row) else float("inf")
        return lo, hi
    for chain in chains:
        bends, i = chain[1:-1], 0
        while i < len(bends):  # the longest run of bends from i that one line fits, then the next
            lo, hi, j = float("-inf"), float("inf"), i
            while j < len(bends):
                a, b = room(bends[j])
                if max(lo, a) > min(hi, b):
                    break
                lo, hi, j = max(lo, a), min(hi, b), j + 1
            run = bends[i:j]  # (empty only where rounding leaves a bend no room: it stays)
            if run:
                wanted = sorted(xs[b] for b in run)[len(run) // 2]
                for b in run:
                    xs[b] = min(max(wanted, lo), hi)
            i = max(j, i + 1)


def _extent(items, xs, width):
    return min(xs[i] - width[i] / 2 for i in items), max(xs[i] + width[i] / 2 for i in items)


def _bands(heights, links, width):
    """Rows split into columns where the picture is taller than TALL px: as many as bring it nearest a
    page's shape (1.4 high for 1 wide) but enough for each to be less tall than TALL, each about as tall,
    split where the fewest edges pass."""
    total = sum(h + ROW_GAP for h in heights)
    if total <= TALL or len(heights) < 8:
        return [(0, len(heights))]
    import math
    k = min(range(1, len(heights) // 4 + 1),
            key=lambda k: abs(math.log(total / k / (k * width + (k - 1) * 2 * GAP) / 1.4)))
    k = min(max(k, math.ceil(1.2 * total / TALL)), len(heights) // 4)  # (a column may be 15% over its share)
    starts, y = [], [0.0]
    for h in heights:
        y.append(y[-1] + h + ROW_GAP)
    for j in range(1, k):
        ideal, slack = j * total / k, 0.15 * total / k
        near = [r for r in range((starts[-1] if starts else 0) + 2, len(heights) - 1) if abs(y[r] - ideal) <= slack]
        if near:
            starts.append(min(near, key=lambda r: (links[r], abs(y[r] - ideal))))
    bounds = [0] + starts + [len(heights)]
    return list(zip(bounds, bounds[1:]))


def _pull(item, near, xs):
    """Where an item's neighbours pull it: their mean, a long edge's own bends weighing most, so that it
    runs straight (a wiggling line is harder to follow than a slanted box)."""
    if not near:
        return xs[item]
    weights = [8.0 if item[0] == o[0] == "d" else 2.0 if "d" in (item[0], o[0]) else 1.0 for o in near]
    return sum(w * xs[o] for w, o in zip(weights, near)) / sum(weights)


def _fit_row(wanted, widths):
    """Positions in the given order, as near `wanted` as possible (least squares) with each pair of
    neighbours their half widths and a gap apart: pool-adjacent-violators on the offsets."""
    offsets, at = [], 0.0
    for k, w in enumerate(widths):
        if k:
            at += widths[k - 1] / 2 + w / 2 + (GAP if widths[k - 1] and w else SLOT)
        offsets.append(at)
    blocks = []  # [sum, count] of runs that sit at one level
    for x, off in zip(wanted, offsets):
        blocks.append([x - off, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    levels = [s / c for s, c in blocks for _ in range(c)]
    return [level + off for level, off in zip(levels, offsets)]


def _plain(pts):
    """Drop points that repeat or lie on a vertical run between their neighbours."""
    out = []
    for p in pts:
        if out and abs(out[-1][0] - p[0]) < 1e-9 and abs(out[-1][1] - p[1]) < 1e-9:
            continue
        if len(out) >= 2 and out[-2][0] == out[-1][0] == p[0]:
            out[-1] = p
            continue
        out.append(p)
    return out


def _ports(lines, boxes, edges):
    """Several edges at one side of a box leave or arrive side by side, in the order of where they go,
    not all at its centre. A source's edge keeps its second point, straight below the box in its row."""
    for end in (0, -1):
        groups = {}
        for e, (a, b) in enumerate(edges):
            groups.setdefault(a if end == 0 else b, []).append(e)
        for node, group in groups.items():
            if len(group) < 2:
                continue
            group.sort(key=lambda e: lines[e][2][0] if end == 0 else lines[e][-2][0])
            step = min(12.0, boxes[node].width / (len(group) + 1))
            for k, e in enumerate(group):
                dx = (k - (len(group) - 1) / 2) * step
                for i in ((0, 1) if end == 0 else (-1,)):
                    lines[e][i] = (lines[e][i][0] + dx, lines[e][i][1])


def _fit_canvas(centres, lines, boxes):
    """Shift everything so that the boxes and every point of every edge lie a margin inside the canvas."""
    xs = [x - b.width / 2 for (x, _), b in zip(centres, boxes)] + [p[0] for line in lines for p in line]
    xe = [x + b.width / 2 for (x, _), b in zip(centres, boxes)] + [p[0] for line in lines for p in line]
    ys = [y - b.height / 2 for (_, y), b in zip(centres, boxes)] + [p[1] for line in lines for p in line]
    ye = [y + b.height / 2 for (_, y), b in zip(centres, boxes)] + [p[1] for line in lines for p in line]
    dx, dy = MARGIN - min(xs), MARGIN - min(ys)
    centres = [(x + dx, y + dy) for x, y in centres]
    lines = [[(x + dx, y + dy) for x, y in line] for line in lines]
    return centres, lines, max(xe) + dx + MARGIN, max(ye) + dy + MARGIN
