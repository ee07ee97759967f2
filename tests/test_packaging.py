"""What `pip install .` installs: the package, its templates as package data, the console command."""

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_the_wheel_carries_templates_and_the_command(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "--quiet", "--disable-pip-version-check", "-w", str(tmp_path)], check=True,
                   capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("scnn_tools-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (ROOT / "templates").glob("*.j2"))
    assert templates and all(f"scnn_tools/templates/{t}" in names for t in templates)
    assert {"scnn_tools/caffe_pb2.py", "scnn_tools/cli.py", "scnn_tools/netfile/reader.py", "scnn_tools/net/graph.py",
            "scnn_tools/net/layers/conv.py", "scnn_tools/engine/fields.py", "scnn_tools/views/report.py",
            "scnn_tools/builders/scnn.py"} <= names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "scnn-tools = scnn_tools.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: protobuf" in metadata and "Requires-Dist: Jinja2" in metadata
    # The figure libraries are regular dependencies: whoever installs scnn-tools can draw.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any("numpy" in r and "extra" not in r for r in requires), requires
    assert any("matplotlib" in r and "extra" not in r for r in requires), requires
