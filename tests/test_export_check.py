"""`export --check`: the model run in every installed runtime, held to our shapes, to onnxruntime and,
given Caffe's outputs, to Caffe; each failure an exit-2 message naming the runtime. Real runs only."""

import os
import subprocess
import sys

import numpy as np
import pytest

import realcaffe
from conftest import REFERENCE, ROOT, corpus_file, run_cli
from scnn_tools.builders import runtimes
from scnn_tools.builders.agreement import check
from scnn_tools.builders.onnx_export import Exported
from scnn_tools.errors import InputError

LENET = "BVLC__caffe/examples/mnist/lenet.prototxt"


def _needs(*wanted):
    missing = [r for r in wanted if r not in runtimes.installed()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed here (the test extras in setup.cfg install it)")


def _model(op, in_shape, constants=(), **attrs):
    """A one-node model of opset 17, as export writes them: input x, then the constants (numpy), output y."""
    from onnx import TensorProto, helper, numpy_helper
    names = [f"c{k}" for k in range(len(constants))]
    node = helper.make_node(op, ["x"] + names, ["y"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(c, n) for c, n in zip(constants, names)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def test_a_runtime_that_gives_another_shape_is_named():
    """OpenVINO reads ReduceL1's axes attribute as absent before opset 18 (openvinotoolkit/openvino#38238):
    the whole blob summed, a scalar where the model says [2]."""
    _needs("openvino")
    data = _model("ReduceL1", [2, 3, 4, 5], axes=[1, 2, 3], keepdims=0)
    with pytest.raises(InputError) as info:
        check(Exported(data, {"x": [2, 3, 4, 5]}, {"asum": [2]}, [], 1, ["y"]))
    assert f"check: openvino {runtimes.version('openvino')} gives 'asum' the shape [], scnn-tools [2]" in str(info.value)


def test_a_runtime_that_cannot_run_the_model_is_named():
    """OpenVINO has no MaxUnpool: what it says is passed on, naming it."""
    _needs("openvino")
    indices = np.arange(4, dtype=np.int64).reshape(1, 1, 2, 2) * 4
    data = _model("MaxUnpool", [1, 1, 2, 2], [indices], kernel_shape=[2, 2], strides=[2, 2])
    with pytest.raises(InputError) as info:
        check(Exported(data, {"x": [1, 1, 2, 2]}, {"up": [1, 1, 4, 4]}, [], 1, ["y"]))
    assert f"check: openvino {runtimes.version('openvino')} cannot run the model: " in str(info.value)


def test_every_installed_runtime_is_reported_and_agrees(tmp_path):
    code, out, err = run_cli("export", corpus_file(LENET), "-o", tmp_path / "lenet.onnx", "--check")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("checked in ")]
    assert [line.split()[2] for line in lines] == list(runtimes.installed())
    assert lines[0] == f"checked in onnxruntime {runtimes.version('onnxruntime')}: prob 64x10, as scnn-tools says"
    for line in lines[1:]:
        assert ": prob 64x10, as scnn-tools says; at most " in line and line.endswith(" from onnxruntime")
        assert float(line.split("at most ")[1].split()[0]) < 1e-5
    if len(runtimes.installed()) < len(runtimes.RUNTIMES):
        pytest.skip(f"checked in {', '.join(runtimes.installed())} only: the others are not installed here")


@realcaffe.needs("bvlc")
def test_check_compares_with_the_outputs_caffe_computed(tmp_path):
    """Caffe's own forward pass (random weights it saved, one random image): its input fed, its prob
    compared, in every runtime; an output moved beyond rounding is exit 2, and nothing is written."""
    text = corpus_file(LENET).read_text()
    caffe = realcaffe.forward(text, ["prob", "ip1"])
    assert "error" not in caffe, caffe.get("error")
    arrays = dict(caffe["input_arrays"], prob=caffe["blobs"]["prob"], ip1=caffe["blobs"]["ip1"])
    np.savez(tmp_path / "caffe.npz", **arrays)
    args = ["export", corpus_file(LENET), "--input-shape", "1,1,28,28", "--weights", caffe["weights"],
            "-o", tmp_path / "lenet.onnx", "--check", "--compare", tmp_path / "caffe.npz"]
    code, out, err = run_cli(*args)
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("checked in ")]
    assert len(lines) == len(runtimes.installed())
    for line in lines:
        assert float(line.split("; at most ")[-1].split()[0]) < 1e-5 and line.endswith(" from Caffe"), line

    arrays["prob"] = arrays["prob"] * np.float32(1.01)
    np.savez(tmp_path / "caffe.npz", **arrays)
    args[args.index(tmp_path / "lenet.onnx")] = tmp_path / "moved.onnx"
    code, _, err = run_cli(*args)
    assert code == 2 and "Traceback" not in err, err
    assert "error: --check: onnxruntime " in err and "'prob' differs from Caffe's by " in err
    assert not (tmp_path / "moved.onnx").exists()  # a check that fails writes nothing


def test_compare_refusals(tmp_path):
    from scnn_tools.builders.onnx_export import export
    from scnn_tools.netfile.reader import read_net
    code, _, err = run_cli("export", corpus_file(LENET), "-o", tmp_path / "x.onnx", "--check", "--compare", "x.npz")
    assert code == 2 and "--compare needs --check and --weights" in err and "Traceback" not in err, err
    exported = export(read_net(corpus_file(LENET)))
    x = np.zeros((64, 1, 28, 28), np.float32)
    for arrays, words in (({"data": x}, "has none of the model's outputs (prob) to compare"),
                          ({"prob": np.zeros((64, 10))}, "has no array 'data', the model's input to feed"),
                          ({"data": x, "prob": np.zeros((1, 10))}, "'prob' is [1, 10], the model's [64, 10]"),
                          (None, "cannot read")):
        if arrays is not None:
            np.savez(tmp_path / "caffe.npz", **arrays)
        with pytest.raises(InputError, match="compare: ") as info:
            check(exported, compare=tmp_path / ("caffe.npz" if arrays is not None else "nope.npz"))
        assert words in str(info.value)


def test_positions_are_held_to_the_share_that_moved(tmp_path):
    """ArgMax's top and a pooling mask hold positions: a position moves where two values tie to rounding,
    so they are held to the share of elements that moved (at most 0.1%), not to a difference in value."""
    from scnn_tools.builders.onnx_export import export
    from scnn_tools.netfile.reader import read_text
    text = ('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 40 dim: 40 } } }\n'
            'layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" top: "mask" '
            'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
            'layer { name: "argmax" type: "ArgMax" bottom: "pool" top: "argmax" argmax_param { axis: 1 } }\n')
    exported = export(read_text(text), outputs=["pool", "mask", "argmax"])
    assert exported.indices == {"mask", "argmax"}
    x = np.random.default_rng(2).standard_normal((1, 3, 40, 40)).astype(np.float32)
    got = runtimes.run(exported.data, {"data": x}, "onnxruntime", exported.output_names)
    np.savez(tmp_path / "caffe.npz", data=x, **got)
    assert all(run.caffe == 0 for run in check(exported, compare=tmp_path / "caffe.npz"))
    argmax = got["argmax"].copy()
    argmax.flat[0] = (argmax.flat[0] + 1) % 3  # 1 of 400 positions: 0.25%
    np.savez(tmp_path / "caffe.npz", data=x, pool=got["pool"], mask=got["mask"], argmax=argmax)
    with pytest.raises(InputError, match="'argmax' holds other positions than Caffe's at "):
        check(exported, compare=tmp_path / "caffe.npz")


# --check on a written model: each runtime given the file reads its weights from it once (builders/memory.py).

def _lenet_file(tmp_path):
    """LeNet at batch 2 with its xavier fillers' weights (no weight is 0), written to a file."""
    from scnn_tools.builders.onnx_export import export
    from scnn_tools.netfile.reader import read_net
    exported = export(read_net(corpus_file(LENET)), image_shape=[2, 1, 28, 28])
    path = tmp_path / "lenet.onnx"
    path.write_bytes(exported.data)
    return exported, str(path)


def test_the_skeleton_reads_each_large_weight_from_the_model_file(tmp_path):
    """Every initializer of more than 4 KB is external data naming its own bytes in the file written; the
    rest stay in the skeleton. Read back by onnx, the skeleton's weights are the model's, bit for bit."""
    import onnx
    from onnx import external_data_helper, numpy_helper
    from scnn_tools.builders.memory import skeleton_file
    exported, path = _lenet_file(tmp_path)
    model = onnx.load_model_from_string(exported.data)
    with skeleton_file(path) as name:
        assert os.path.dirname(name) == str(tmp_path)
        skeleton = onnx.load(name, load_external_data=False)
        assert len(open(name, "rb").read()) < 8192  # (of 1.7 MB: the weights under 4 KB, conv1's, and the graph)
    assert not os.path.exists(name)  # (the skeleton lives as long as the run)
    external = {t.name: {e.key: e.value for e in t.external_data} for t in skeleton.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL}
    assert {t.name for t in model.graph.initializer if len(t.raw_data) > 4096} == set(external) != set()
    assert {e["location"] for e in external.values()} == {"lenet.onnx"}
    data = open(path, "rb").read()
    for t in model.graph.initializer:
        if t.name in external:
            offset, length = int(external[t.name]["offset"]), int(external[t.name]["length"])
            assert data[offset:offset + length] == t.raw_data
    external_data_helper.load_external_data_for_model(skeleton, str(tmp_path))
    for ours, theirs in zip(model.graph.initializer, skeleton.graph.initializer):
        assert ours.name == theirs.name and np.array_equal(numpy_helper.to_array(ours), numpy_helper.to_array(theirs))
    assert skeleton.graph.node == model.graph.node and skeleton.graph.input == model.graph.input


@pytest.mark.parametrize("runtime", runtimes.RUNTIMES)
def test_a_model_file_runs_as_its_bytes_do(tmp_path, runtime):
    _needs(runtime)
    exported, path = _lenet_file(tmp_path)
    feeds = {"data": np.random.default_rng(3).standard_normal((2, 1, 28, 28)).astype(np.float32)}
    names = exported.output_names
    from_bytes = runtimes.run(exported.data, feeds, runtime, names)
    from_file = runtimes.run(path, feeds, runtime, names)
    for name in names:
        assert np.abs(from_bytes[name]).max() > 0.01  # (weights and outputs that are not all 0)
        assert realcaffe.disagreement(from_file[name], from_bytes[name]) < 1e-6


# (VmHWM, not ru_maxrss: Linux carries the latter over exec from the process forked, here pytest's.)
_PEAK = """
import numpy as np
import onnxruntime
from scnn_tools.builders import runtimes
def status(key):
    return int(open("/proc/self/status").read().split(key + ":")[1].split()[0])
before = status("VmRSS")
runtimes.run({model!r}, {{"x": np.ones((1, 1024, 4, 4), np.float32)}}, "onnxruntime", ["y"])
print(status("VmHWM") - before)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads this process's memory from /proc")
def test_onnxruntime_holds_a_model_files_weights_once(tmp_path):
    """A convolution of 64 MiB of weights, run from its file: onnxruntime maps them from the file and its
    peak grows by them once (78 MiB; 136 MiB when it read the file's protobuf itself, a copy of each weight)."""
    _needs("onnxruntime")
    weights = np.random.default_rng(4).standard_normal((1024, 1024, 4, 4)).astype(np.float32)
    (tmp_path / "conv.onnx").write_bytes(_model("Conv", [1, 1024, 4, 4], [weights]))
    script = _PEAK.format(model=str(tmp_path / "conv.onnx"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    grown = int(done.stdout.split()[-1]) * 1024
    assert grown < 1.5 * weights.nbytes, f"{grown / 2 ** 20:.0f} MiB for {weights.nbytes / 2 ** 20:.0f} MiB of weights"


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="Linux's /proc/self/maps")
def test_dropped_pages_of_a_mapped_file_leave_memory_and_read_back_the_same(tmp_path):
    """What OpenVINO's CPU plugin keeps mapped after it repacked the weights: drop_pages takes it out of
    this process's memory; read again, the bytes come back from the file unchanged."""
    import mmap
    from scnn_tools.builders.memory import drop_pages
    data = np.random.default_rng(5).integers(0, 256, 32 << 20, dtype=np.uint8).tobytes()
    (tmp_path / "w.bin").write_bytes(data)

    def resident():
        return int(open("/proc/self/status").read().split("RssFile:")[1].split()[0]) * 1024

    with open(tmp_path / "w.bin", "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = np.frombuffer(mapped, np.uint8)
        assert int(view[::4096].sum()) >= 0  # every page read: resident
        touched = resident()
        drop_pages(str(tmp_path / "w.bin"))
        assert touched - resident() > 30 << 20
        assert view.tobytes() == data
        del view
