"""`scnn-tools draw`: the folded layer graph, laid out by igraph, as SVG, PNG, PDF and a page checked in Chromium."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, corpus_file, needs_shared, run_cli
from scnn_tools.engine.analysis import Analysis
from scnn_tools.views.draw import graph_of
from scnn_tools.netfile.reader import read_net, read_text

HOST = ROOT / "examples/resnet101_SCNN.prototxt"
SVG = "{http://www.w3.org/2000/svg}"


def test_every_layer_is_in_exactly_one_node_and_the_block_is_one():
    analysis = Analysis(read_net(HOST))
    nodes, edges = graph_of(analysis)
    drawn = [name for n in nodes for name in n.layers]
    assert sorted(drawn) == sorted(node.name for node in analysis.graph.nodes)  # each layer once
    blocks = [n for n in nodes if n.block is not None]
    assert len(blocks) == 1 and blocks[0].title == "SCNN block 46x46x128 (HxWxC)"
    assert len(blocks[0].layers) == sum(1 for node in analysis.graph.nodes if "SCNN" in node.name or
                                        node.name in ("Slice1", "Slice2", "Concat1", "Concat2"))
    conv = next(n for n in nodes if n.layers[0] == "conv1_1_3x3_s2")
    assert conv.title == "conv1_1_3x3_s2: Convolution + BN + ReLU"  # the in-place chain, folded
    assert conv.lines == ["1x64x181x181 rf 3x3 jump 2"]
    assert all(0 <= a < len(nodes) and 0 <= b < len(nodes) and a != b for a, b in edges)


# The geometry of a drawn SVG, read back from the file: each node's box and its texts, each edge's points.
def _drawing(path):
    root = ET.fromstring(path.read_text())
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    family = root.get("font-family").split(",")[0].strip()
    nodes = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        r = g.find(f"{SVG}rect")
        box = tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
        texts = [(t.text, float(t.get("x")), float(t.get("y")), float(t.get("font-size")), t.get("font-weight"),
                  t.get("text-anchor")) for t in g.iter(f"{SVG}text")]
        nodes.append((box, texts))
    paths = []
    for p in root.find(f"{SVG}g[@id='edges']").iter(f"{SVG}path"):
        assert re.fullmatch(r"M[-\d.]+,[-\d.]+( L[-\d.]+,[-\d.]+)+", p.get("d")), p.get("d")  # absolute M/L only
        paths.append([tuple(map(float, xy.split(","))) for xy in re.findall(r"[-\d.]+,[-\d.]+", p.get("d"))])
    return width, height, family, nodes, paths


def _text_box(text, x, y, size, weight, anchor, family):
    """Where a text's ink lies, measured here by matplotlib's own text layout (TextToPath, kerning included)
    in the font the SVG names: (x0, y0, x1, y1)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    w, h, d = TextToPath().get_text_width_height_descent(
        text, FontProperties(family=family, weight=weight, size=size), ismath=False)
    x0 = {"middle": x - w / 2, "start": x, "end": x - w}[anchor]
    return x0, y - (h - d), x0 + w, y + d


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _crosses(p, q, box):
    """Whether segment p-q enters the inside of box (x, y, w, h) (Liang-Barsky clipping; touching its edge is
    not entering)."""
    x0, y0, x1, y1 = box[0] + 0.5, box[1] + 0.5, box[0] + box[2] - 0.5, box[1] + box[3] - 0.5
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for den, num in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if den == 0:
            if num < 0:
                return False
            continue
        if den < 0:
            t0 = max(t0, num / den)
        else:
            t1 = min(t1, num / den)
    return t0 < t1


def _chain_net(count=120):
    """A plain chain of convolutions and ReLUs (not in place: nothing folds) far taller than a page, and one
    skip from its start to its end, which must find its way across the columns."""
    layers = ['input: "data" input_shape { dim: 1 dim: 3 dim: 32 dim: 32 }']
    prev = "data"
    for i in range(count):
        layers += [f'layer {{ name: "conv{i}" type: "Convolution" bottom: "{prev}" top: "conv{i}" '
                   'convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }',
                   f'layer {{ name: "relu{i}" type: "ReLU" bottom: "conv{i}" top: "relu{i}" }}']
        prev = f"relu{i}"
    layers.append(f'layer {{ name: "skip" type: "Concat" bottom: "conv0" bottom: "{prev}" top: "skip" }}')
    return "\n".join(layers) + "\n"


CHAIN = Path("generated/chain.prototxt")
NETS = [HOST, ROOT / "examples/resnet50.prototxt", CHAIN] + [CORPUS / rel for rel in (
    "TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt",   # pooling masks from the encoder to the decoder
    "shangzw12__ssd/models/VGGNet/VOC0712/SSD_300x300/deploy.prototxt",               # many heads
    "rbgirshick__py-faster-rcnn/models/pascal_voc/VGG16/faster_rcnn_end2end/test.prototxt",  # conv5_3 -> roi_pool5
    "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt",                    # long skips to the crops
    "BVLC__caffe/models/bvlc_googlenet/deploy.prototxt")]


@pytest.fixture(scope="module", params=NETS, ids=lambda p: p.parent.name + "/" + p.name)
def drawn(request, tmp_path_factory):
    """A net of NETS drawn by the command, read back: (width, height, font family, nodes, paths)."""
    net, out = request.param, tmp_path_factory.mktemp("draw") / "net.svg"
    if net == CHAIN:
        net = out.with_name("chain.prototxt")
        net.write_text(_chain_net())
    if not net.is_file():
        pytest.skip(f"{net} is missing (../shared)")
    code, stdout, err = run_cli("draw", net, "-o", out)
    assert code == 0, err
    found = _drawing(out)
    assert len(found[3]) == int(re.search(r"(\d+) nodes", stdout).group(1))
    return found


def test_every_text_is_inside_its_box(drawn):
    width, height, family, nodes, _ = drawn
    assert family == "DejaVu Sans"
    for (x, y, w, h), texts in nodes:
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
        for text in texts:
            t = _text_box(*text, family)
            assert x + 2 <= t[0] and t[2] <= x + w - 2 and y + 2 <= t[1] and t[3] <= y + h - 2, (text, (x, y, w, h), t)


def test_no_two_texts_or_boxes_overlap(drawn):
    _, _, family, nodes, _ = drawn
    labels = [_text_box(*text, family) for _, texts in nodes for text in texts]
    for i, a in enumerate(labels):  # in a node or across nodes
        assert not any(_overlap(a, b) for b in labels[i + 1:]), a
    boxes = [(x, y, x + w, y + h) for (x, y, w, h), _ in nodes]
    for i, a in enumerate(boxes):
        assert not any(_overlap(a, b) for b in boxes[i + 1:]), a


def test_every_edge_is_inside_the_canvas_and_crosses_no_box(drawn):
    width, height, _, nodes, paths = drawn
    boxes = [box for box, _ in nodes]
    for points in paths:
        assert all(0 <= x <= width and 0 <= y <= height for x, y in points), points
    for points in paths:
        # an edge leaves its source's bottom, arrives at its target's top and crosses no other box
        ends = [k for k, (x, y, w, h) in enumerate(boxes)
                if any(x <= px <= x + w and abs(py - edge) < 0.2 for px, py in (points[0], points[-1])
                       for edge in (y, y + h))]
        assert len(ends) == 2, points
        for k, box in enumerate(boxes):
            if k not in ends:
                assert not any(_crosses(p, q, box) for p, q in zip(points, points[1:])), (points, box)


def test_titles_are_whole(tmp_path):
    # A title too wide for one line is wrapped, never cut: its lines, joined, are the node's title.
    out = tmp_path / "net.svg"
    code, _, err = run_cli("draw", HOST, "-o", out)
    assert code == 0, err
    _, _, _, nodes, _ = _drawing(out)
    titles = [" ".join(t[0] for t in texts if t[4] == "bold") for _, texts in nodes]
    assert "conv1_1_3x3_s2: Convolution + BN + ReLU" in titles  # as the README promises
    assert "conv5_4: Convolution + BN + ReLU + Dropout" in titles
    assert not any("\u2026" in t and " \u2026 " not in t for t in titles)  # no ellipsis but a run's 'first … last'


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_pictures(tmp_path, ext, magic):
    out = tmp_path / f"net.{ext}"
    code, _, err = run_cli("draw", ROOT / "examples/resnet50.prototxt", "-o", out)
    assert code == 0, err
    assert out.read_bytes().startswith(magic)


@needs_shared
def test_phases_are_drawn_as_selected(tmp_path):
    net = CORPUS / "BVLC__caffe/examples/mnist/lenet_train_test.prototxt"
    for phase in ("TRAIN", "TEST"):
        out = tmp_path / f"{phase}.svg"
        code, _, err = run_cli("draw", net, "--phase", phase, "--input-shape", "64,1,28,28", "-o", out)
        assert code == 0, err
        assert f"LeNet ({phase})" in out.read_text()


def test_bad_output_names_the_formats(tmp_path):
    code, _, err = run_cli("draw", HOST, "-o", tmp_path / "net.jpg")
    assert code == 2 and "must end in .svg, .html, .png or .pdf" in err


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _page_nodes(text):
    """The NODES the page's script holds."""
    import json
    return json.loads(re.search(r"const NODES = (.*);\n", text).group(1).replace("<\\/", "</"))


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (tests/run.sh installs Debian's "
                                                             "where it may: root with apt-get)")
WINDOW = (1200, 800)   # the browser's window; the view is its left part, beside the 340 px panel


def _chromium(page, fragment, *how):
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}", *how,
                           f"file://{page}#{fragment}"], capture_output=True, text=True, timeout=120)


@needs_chromium
def test_the_page_works_in_a_real_browser(tmp_path):
    page = tmp_path / "net.html"
    code, stdout, err = run_cli("draw", HOST, "-o", page)
    assert code == 0, err
    text = page.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text  # no network
    nodes = _page_nodes(text)
    assert len(nodes) == int(re.search(r"(\d+) nodes", stdout).group(1))
    assert sorted(name for n in nodes for name in n["layers"]) == sorted(
        node.name for node in Analysis(read_net(HOST)).graph.nodes)  # every layer once, folded or not
    block = next(i for i, n in enumerate(nodes) if n["title"].startswith("SCNN block"))
    proc = _chromium(page, f"show={block}&expand", "--dump-dom")
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no error, no message at all
    dom = proc.stdout
    assert f'data-ready="{len(nodes)}"' in dom  # the script ran to its end
    assert dom.count('class="node') == len(nodes)
    assert "SCNN block 46x46x128" in dom and 'class="node selected"' in dom
    members = dom[dom.index('<ol id="members">'):]
    members = members[:members.index("</ol>")]
    assert members.count("<li>") == len(nodes[block]["layers"]) == 544  # the block, expanded: every one of its layers
    assert "SCNN_D_1" in dom


@needs_chromium
def test_a_link_to_a_node_pans_to_it_and_shows_labelled_values(tmp_path):
    page = tmp_path / "net.html"
    code, _, err = run_cli("draw", HOST, "-o", page)
    assert code == 0, err
    nodes = _page_nodes(page.read_text())
    _, _, _, boxes, _ = _drawing_of_page(page)
    last = len(nodes) - 1  # conv6_interp, at the bottom of a picture far taller than the window
    (x, y, w, h), _ = boxes[last]
    assert y > 3 * WINDOW[1]
    for fragment, shown in ((f"show={last}", True), ("", False)):
        dom = _chromium(page, fragment, "--dump-dom").stdout
        # Where the page's script put the picture: the view shows canvas point (u, v) at (tx + s u, ty + s v).
        tx, ty, s = map(float, re.search(r"translate\(([-\d.e]+)px, ?([-\d.e]+)px\) scale\(([-\d.e]+)\)", dom).groups())
        left, top, right, bottom = tx + s * x, ty + s * y, tx + s * (x + w), ty + s * (y + h)
        inside = 0 <= left and right <= WINDOW[0] - 340 and 0 <= top and bottom <= WINDOW[1]
        assert inside == shown, (fragment, left, top, right, bottom)
    # And as seen: the selected node's red outline is in the screenshot, inside the view.
    shot = tmp_path / "shot.png"
    _chromium(page, f"show={last}", f"--screenshot={shot}")
    from PIL import Image
    pixels = Image.open(shot).convert("RGB").load()
    red = [(u, v) for u in range(0, WINDOW[0] - 340, 2) for v in range(0, WINDOW[1], 2)
           if pixels[u, v] == (0xd6, 0x27, 0x28)]
    assert len(red) > 20
    # The panel: labelled values a person reads, no raw JSON.
    dom = _chromium(page, "show=1", "--dump-dom").stdout
    panel = dom[dom.index('<div id="row">'):]
    cells = re.findall(r"<td>([^<]*)</td><td>([^<]*)</td>", panel)
    facts = dict(cells)
    assert "{" not in panel[:panel.index("</table>")] and "[" not in facts.get("shape", "[")
    # conv1_1_3x3_s2 + BN + ReLU: 64 3x3 kernels over 3 channels, no bias: 1,728 weights; PSPNet's BN learns a
    # scale and a shift per channel: 128. Each of the 181x181x64 outputs takes 27 multiply-adds: 56,611,008.
    # Its output, 64x181x181 floats, takes 8,386,816 bytes; one 3x3 window at stride 2.
    assert facts["layers"] == "conv1_1_3x3_s2, conv1_1_3x3_s2/bn, conv1_1_3x3_s2/relu"
    assert facts["shape"] == "1x64x181x181 (N x C x H x W)" and facts["output memory"] == "8.0 MiB at float32"
    assert facts["receptive field"] == "3x3 px" and facts["jump"] == "2 px"
    assert facts["parameters"] == "1,856" and facts["multiply-adds"].startswith("56,611,008")


def _drawing_of_page(page):
    svg = page.read_text()
    svg = svg[svg.index("<svg"):svg.index("</svg>") + 6]
    path = page.with_suffix(".svg")
    path.write_text(svg)
    return _drawing(path)


@needs_shared
def test_a_net_whose_image_size_is_not_declared_is_drawn_with_unknown_shapes(tmp_path):
    # Caffe's draw_net needs no shapes: LeNet's TEST Data layer declares its batch (100) but not its image size,
    # which comes from the database, so the drawing shows what is known and '?' for the rest.
    net = CORPUS / "BVLC__caffe/examples/mnist/lenet_train_test.prototxt"
    out = tmp_path / "lenet.svg"
    code, _, err = run_cli("draw", net, "-o", out)
    assert code == 0, err
    texts = [t.text for t in ET.fromstring(out.read_text()).iter(f"{SVG}text")]
    # Receptive fields do not depend on the size here: conv1's 5x5 window; pool1 (2x2, stride 2) 6x6 every 2.
    assert "100x?x?x? rf 1x1 jump 1" in texts and "conv1: Convolution" in texts
    assert "100x20x?x? rf 5x5 jump 1" in texts and "100x20x?x? rf 6x6 jump 2" in texts


def test_a_net_whose_shapes_fail_is_drawn_without_them(tmp_path):
    # Caffe's draw_net reads no shapes, so a file whose Concat cannot join its bottoms (a 3x3 pooling's 6x6 and the
    # 8x8 input) is still drawn: its layers and edges, no shape lines, and a warning with the shape error. A bad
    # flag or file name is still an error.
    net = tmp_path / "bad.prototxt"
    net.write_text('input: "data" input_dim: [1, 3, 8, 8]\n'
                   'layer { name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param { kernel_size: 3 } }\n'
                   'layer { name: "c" type: "Concat" bottom: "p" bottom: "data" top: "c" }\n')
    out = tmp_path / "bad.svg"
    code, stdout, err = run_cli("draw", net, "-o", out)
    assert code == 0 and "wrote" in stdout, err
    assert "warning: the shapes cannot be computed, so the drawing has none" in err and "layer 'c' (Concat)" in err
    _, _, _, nodes, edges = _drawing(out)
    texts = [text[0] for _, node_texts in nodes for text in node_texts]
    assert {"p: Pooling", "c: Concat"} <= set(texts) and not any("x8x8" in (t or "") for t in texts)
    assert len(nodes) == 3 and len(edges) == 3  # data->p, data->c, p->c
    code, _, err = run_cli("draw", net, "-o", tmp_path / "bad.jpg")
    assert code == 2 and "must end in" in err
    code, _, err = run_cli("draw", net, "--strict", "-o", tmp_path / "strict.svg")  # (--strict: the graph's warnings)
    assert code == 0, err
    net.write_text(net.read_text().replace("kernel_size: 3", "kernel_size: 3 fancy: 1"))
    code, _, err = run_cli("draw", net, "--strict", "-o", tmp_path / "refused.svg")
    assert code == 2 and "with --strict" in err and "fancy" in err and not (tmp_path / "refused.svg").exists()
    import scnn_tools
    assert scnn_tools.draw(net, tmp_path / "api.svg") == 3


def _dense_net(blocks=(6, 12, 24, 16), growth=8):
    """A DenseNet as shicai/DenseNet-Caffe writes DenseNet-121 (BatchNorm, Scale, ReLU, 1x1 and 3x3
    convolutions, a Concat per dense layer; 1x1 convolution and 2x2 pooling between blocks), small."""
    layers = ['input: "data" input_shape { dim: 1 dim: 3 dim: 64 dim: 64 }',
              'layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" '
              'convolution_param { num_output: 16 kernel_size: 3 pad: 1 } }']
    prev = "conv1"
    for b, count in enumerate(blocks, 2):
        for i in range(1, count + 1):
            n = f"{b}_{i}"
            layers += [f'layer {{ name: "bn{n}" type: "BatchNorm" bottom: "{prev}" top: "bn{n}" }}',
                       f'layer {{ name: "scale{n}" type: "Scale" bottom: "bn{n}" top: "bn{n}" scale_param {{ bias_term: true }} }}',
                       f'layer {{ name: "relu{n}" type: "ReLU" bottom: "bn{n}" top: "bn{n}" }}',
                       f'layer {{ name: "conv{n}/x1" type: "Convolution" bottom: "bn{n}" top: "conv{n}/x1" '
                       f'convolution_param {{ num_output: {4 * growth} kernel_size: 1 }} }}',
                       f'layer {{ name: "conv{n}/x2" type: "Convolution" bottom: "conv{n}/x1" top: "conv{n}/x2" '
                       f'convolution_param {{ num_output: {growth} kernel_size: 3 pad: 1 }} }}',
                       f'layer {{ name: "concat_{n}" type: "Concat" bottom: "{prev}" bottom: "conv{n}/x2" top: "concat_{n}" }}']
            prev = f"concat_{n}"
        if b < len(blocks) + 1:
            layers += [f'layer {{ name: "trans{b}" type: "Convolution" bottom: "{prev}" top: "trans{b}" '
                       'convolution_param { num_output: 16 kernel_size: 1 } }',
                       f'layer {{ name: "pool{b}" type: "Pooling" bottom: "trans{b}" top: "pool{b}" '
                       'pooling_param { pool: AVE kernel_size: 2 stride: 2 } }']
            prev = f"pool{b}"
    return "\n".join(layers) + "\n"


def test_a_tall_net_folds_its_repeated_blocks_into_a_page(tmp_path):
    net = tmp_path / "dense.prototxt"
    net.write_text(_dense_net())
    page = tmp_path / "dense.html"
    code, stdout, err = run_cli("draw", net, "-o", page)
    assert code == 0, err
    nodes = _page_nodes(page.read_text())
    # every one of the 356 layers (the input, conv1, 58 dense layers of 6, 3 transitions of 2) in exactly one node
    assert sorted(name for n in nodes for name in n["layers"]) == sorted(
        node.name for node in Analysis(read_net(net)).graph.nodes)
    folded = [n["title"] for n in nodes if "\u2026" in n["title"]]
    # each dense layer: a BatchNorm node (Scale and ReLU in place on it), two convolutions, the concat
    assert folded == [f"concat_{b}_1 \u2026 concat_{b}_{k}: {k} \u00d7 (BatchNorm, 2 Convolution, Concat)"
                      for b, k in ((2, 6), (3, 12), (4, 24), (5, 16))]
    assert all(n["block"] for n in nodes if "\u2026" in n["title"])  # their layers are listed on request
    # conv1, the 4 runs, 3 transitions of 2 nodes, the input: 12 nodes, one above the other
    assert len(nodes) == 12
    width, height, _, _, _ = _drawing_of_page(page)
    assert height < 1600 and width < 400  # unfolded: 240 nodes, 18,617 px tall


def test_a_short_net_is_not_folded():
    from scnn_tools.views.drawfold import TALL, fold_repeats
    nodes, edges = graph_of(Analysis(read_text(_dense_net(blocks=(3, 3)), "short.prototxt")))
    assert len(nodes) < TALL
    assert fold_repeats(nodes, edges, None) == (nodes, edges)


def test_a_tall_net_that_does_not_fold_is_set_in_columns(tmp_path):
    net, out = tmp_path / "chain.prototxt", tmp_path / "chain.svg"
    net.write_text(_chain_net())
    code, _, err = run_cli("draw", net, "-o", out)
    assert code == 0, err
    width, height, _, nodes, paths = _drawing(out)
    assert len(nodes) == 242  # the input, 120 convolutions, 120 ReLUs, the concat: nothing folded
    lefts = sorted({round(x) for (x, _, _, _), _ in nodes})
    columns = lefts[:1] + [b for a, b in zip(lefts, lefts[1:]) if b - a > 100]  # where a column's boxes start
    assert 3 <= len(columns) and height <= 3000 and height / width < 3  # in one column: 242 boxes, about 18,000 px
    # the skip from conv0 to the concat leaves the first column and reaches the last, inside the canvas
    skip = max(paths, key=lambda points: max(x for x, _ in points) - min(x for x, _ in points))
    assert skip[0][0] < columns[1] and skip[-1][0] > columns[-1]


def test_blocks_under_long_skips_fold(tmp_path):
    # ENet's encoder: every downsampling bottleneck's max pooling sends its indices to the decoder's
    # Upsample, an edge over the whole encoder. Bottlenecks 1.1-1.4 (TimoSaemann/ENet's enet_deploy_final)
    # are alike: 1x1 convolution, PReLU, 3x3 convolution, PReLU, 1x1 convolution, the Eltwise with the
    # block's input, and a PReLU of its own after it (not in place): 7 layers each.
    net = corpus_file("TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt")
    page = tmp_path / "enet.html"
    code, _, err = run_cli("draw", net, "-o", page)
    assert code == 0, err
    nodes = _page_nodes(page.read_text())
    run = next(n for n in nodes if n["title"].startswith("prelu1_1_4 \u2026"))
    assert run["title"] == ("prelu1_1_4 \u2026 prelu1_4_4: 4 \u00d7 (Convolution, PReLU, Convolution, PReLU, "
                            "Convolution, Eltwise, PReLU)")
    assert len(run["layers"]) == 28 and run["layers"][0] == "conv1_1_0" and run["layers"][-1] == "prelu1_4_4"
    assert any(n["layers"] == ["pool1_0_4"] for n in nodes)  # the block with the long skip stays as it is
