"""`scnn-tools draw`: the folded layer graph, laid out by igraph, as SVG, PNG, PDF and a page checked in Chromium."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import CORPUS, ROOT, needs_shared, run_cli
from scnn_tools.engine.analysis import Analysis
from scnn_tools.views.draw import BOX_W, graph_of
from scnn_tools.netfile.reader import read_net

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


def test_svg_shows_every_node_without_overlaps(tmp_path):
    out = tmp_path / "net.svg"
    code, stdout, err = run_cli("draw", HOST, "-o", out)
    assert code == 0, err
    count = int(re.search(r"(\d+) nodes", stdout).group(1))
    root = ET.fromstring(out.read_text())
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(groups) == count
    boxes = {}
    for g in groups:
        rect = g.find(f"{SVG}rect")
        boxes.setdefault(float(rect.get("y")), []).append(float(rect.get("x")))
    for xs in boxes.values():  # nodes of one layer row never overlap
        xs.sort()
        assert all(b - a >= BOX_W for a, b in zip(xs, xs[1:]))
    assert "SCNN block 46x46x128" in out.read_text()


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


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (tests/run.sh installs Debian's where it may: "
                                             "root with apt-get)")
def test_the_page_works_in_a_real_browser(tmp_path):
    page = tmp_path / "net.html"
    code, _, err = run_cli("draw", HOST, "-o", page)
    assert code == 0, err
    text = page.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text  # no network
    nodes, _ = graph_of(Analysis(read_net(HOST)))
    block = next(n.index for n in nodes if n.block is not None)
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--dump-dom", f"file://{page}#show={block}&expand"],
                          capture_output=True, text=True, timeout=120)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no error, no message at all
    dom = proc.stdout
    assert f'data-ready="{len(nodes)}"' in dom  # the script ran to its end
    assert dom.count('class="node') == len(nodes)
    assert "SCNN block 46x46x128" in dom and 'class="node selected"' in dom
    members = dom[dom.index('<ol id="members">'):]
    members = members[:members.index("</ol>")]
    assert members.count("<li>") == len(nodes[block].layers)  # the block, expanded: every one of its layers
    assert "SCNN_D_1" in dom


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
