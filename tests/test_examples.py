"""examples/ is made by the tools themselves: running examples/README.md's commands again gives the same files."""

import re
import shlex

import pytest

from scnn_tools.cli import main

from conftest import REFERENCE, ROOT

EXAMPLES = ROOT / "examples"


def commands():
    block = re.search(r"```sh\n(.*?)```", (EXAMPLES / "README.md").read_text(), re.S).group(1)
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("scnn-tools ")]


INPUTS = {"README.md", "objects_synthetic.csv"}  # written by hand, not by the tools


def test_the_examples_do_not_drift(tmp_path, monkeypatch, capsys):
    import shutil
    monkeypatch.chdir(tmp_path)
    for name in INPUTS - {"README.md"}:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    for argv in commands():
        assert main(argv) == 0, argv
    def files(root):
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - INPUTS
    made, committed = files(tmp_path), files(EXAMPLES)
    assert made == committed
    for name in sorted(made):
        if name.endswith(".png"):
            # Pictures: the same pixels, within what another matplotlib's anti-aliasing may change.
            import matplotlib.image as mpimg
            ours, theirs = mpimg.imread(tmp_path / name), mpimg.imread(EXAMPLES / name)
            assert ours.shape == theirs.shape, f"examples/{name} changed size"
            assert abs(ours - theirs).mean() < 0.01, f"examples/{name} drifted"
        else:
            assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), f"examples/{name} drifted"


@pytest.mark.skipif(not (REFERENCE / "scnn").is_dir(), reason="../shared/reference/scnn is missing")
def test_the_examples_are_the_original_networks():
    from scnn_tools.netfile.reader import read_net
    for ours, theirs in (("resnet101.prototxt", "resnet101.prototxt"),
                         ("resnet101_SCNN.prototxt", "resnet101_SCNN.prototxt")):
        assert read_net(EXAMPLES / ours).net == read_net(REFERENCE / "scnn" / theirs).net, ours
