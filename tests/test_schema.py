"""proto/caffe.proto and the generated module: in step, BVLC-compatible, and decoding real binaries."""

import statistics
import subprocess
import sys

import pytest

from scnn_tools import caffe_pb2

from conftest import REFERENCE, ROOT

WEIGHTS = REFERENCE / "weights"


@pytest.mark.parametrize("schema", ["caffe", "onnx_model"])
def test_generated_module_is_in_step_with_the_proto(tmp_path, schema):
    pytest.importorskip("grpc_tools", reason=f"grpcio-tools (a test extra) regenerates {schema}_pb2.py")
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'proto'}",
                    f"--python_out={tmp_path}", str(ROOT / "proto" / f"{schema}.proto")], check=True)
    fresh = (tmp_path / f"{schema}_pb2.py").read_text()
    committed = (ROOT / "scnn_tools" / f"{schema}_pb2.py").read_text()
    assert fresh == committed, (f"scnn_tools/{schema}_pb2.py is out of step with proto/{schema}.proto: regenerate it "
                                f"with python -m grpc_tools.protoc -Iproto --python_out=scnn_tools proto/{schema}.proto")


def test_the_onnx_schema_follows_onnx():
    """proto/onnx_model.proto's messages have onnx's own field names and numbers (files depend on them), and a
    model the onnx package writes reads back the same."""
    onnx = pytest.importorskip("onnx")
    from scnn_tools import onnx_model_pb2
    for name in ("ModelProto", "OperatorSetIdProto", "GraphProto", "NodeProto", "AttributeProto", "ValueInfoProto",
                 "TensorProto", "SparseTensorProto", "TensorShapeProto", "TypeProto", "StringStringEntryProto"):
        ours, theirs = getattr(onnx_model_pb2, name).DESCRIPTOR, getattr(onnx, name).DESCRIPTOR
        for field in ours.fields:
            other = theirs.fields_by_name[field.name]
            assert (field.number, field.type, field.is_repeated) == (other.number, other.type, other.is_repeated), \
                (name, field.name)
    assert dict(onnx_model_pb2.TensorProto.DataType.items()).items() <= dict(onnx.TensorProto.DataType.items()).items()
    assert dict(onnx_model_pb2.AttributeProto.AttributeType.items()).items() <= \
        dict(onnx.AttributeProto.AttributeType.items()).items()


@pytest.mark.parametrize("message, field, number", [
    # Numbers of BVLC Caffe's src/caffe/proto/caffe.proto: binary files depend on them.
    ("NetParameter", "name", 1), ("NetParameter", "layers", 2), ("NetParameter", "input", 3),
    ("NetParameter", "input_dim", 4), ("NetParameter", "input_shape", 8), ("NetParameter", "layer", 100),
    ("LayerParameter", "bottom", 3), ("LayerParameter", "top", 4), ("LayerParameter", "blobs", 7),
    ("LayerParameter", "convolution_param", 106), ("LayerParameter", "pooling_param", 121),
    ("LayerParameter", "input_param", 143), ("LayerParameter", "crop_param", 144),
    ("LayerParameter", "batch_norm_param", 139), ("LayerParameter", "scale_param", 142),
    ("BlobProto", "data", 5), ("BlobProto", "shape", 7), ("BlobShape", "dim", 1),
    ("ConvolutionParameter", "dilation", 18), ("ConvolutionParameter", "kernel_h", 11),
    ("V1LayerParameter", "type", 5), ("V1LayerParameter", "layer", 1), ("V1LayerParameter", "blobs_lr", 7),
    ("V0LayerParameter", "kernelsize", 8), ("V0LayerParameter", "blobs", 50),
    # Forks whose numbers are free in BVLC keep them.
    ("LayerParameter", "bn_param", 152), ("LayerParameter", "prior_box_param", 203),
    ("LayerParameter", "roi_pooling_param", 8266711),
    ("SolverParameter", "net", 24), ("SolverParameter", "base_lr", 5), ("SolverParameter", "iter_size", 36),
    ("SolverParameter", "type", 40), ("SolverParameter", "weights", 42), ("SolverParameter", "test_iter", 3),
])
def test_field_numbers_follow_caffe(message, field, number):
    assert getattr(caffe_pb2, message).DESCRIPTOR.fields_by_name[field].number == number


def test_v1_enum_values_follow_caffe():
    v1 = caffe_pb2.V1LayerParameter
    assert (v1.CONVOLUTION, v1.POOLING, v1.INNER_PRODUCT, v1.DECONVOLUTION, v1.SOFTMAX_LOSS) == (4, 17, 14, 39, 21)


def _blobs(net):
    return {layer.name: layer.blobs for layer in net.layer}


@pytest.mark.skipif(not WEIGHTS.is_dir(), reason="../shared/reference/weights is missing")
def test_lenet_caffemodel_written_by_caffe_decodes():
    net = caffe_pb2.NetParameter.FromString((WEIGHTS / "lenet_random.caffemodel").read_bytes())
    blobs = _blobs(net)
    shapes = {name: [list(b.shape.dim) for b in bs] for name, bs in blobs.items() if len(bs)}
    # As the weights README lists them.
    assert shapes == {"conv1": [[20, 1, 5, 5], [20]], "conv2": [[50, 20, 5, 5], [50]],
                      "ip1": [[500, 800], [500]], "ip2": [[10, 500], [10]]}
    values = list(blobs["ip1"][0].data)
    assert len(values) == 500 * 800
    # Filled with N(0, 0.01) noise.
    assert abs(statistics.fmean(values)) < 1e-3
    assert 0.009 < statistics.pstdev(values) < 0.011


@pytest.mark.skipif(not WEIGHTS.is_dir(), reason="../shared/reference/weights is missing")
def test_scnn_caffemodel_shares_weights_by_param_name():
    net = caffe_pb2.NetParameter.FromString((WEIGHTS / "scnn_5x7x16_random.caffemodel").read_bytes())
    convs = [layer for layer in net.layer if len(layer.blobs)]
    assert len(convs) == 20  # (5-1)*2 row messages + (7-1)*2 column messages
    shapes = {layer.name: list(layer.blobs[0].shape.dim) for layer in convs}
    assert shapes["SCNN_D_1"] == [16, 16, 1, 9] and shapes["SCNN_U_5"] == [16, 16, 1, 9]
    assert shapes["SCNN_R_1"] == [16, 16, 9, 1] and shapes["SCNN_L_7"] == [16, 16, 9, 1]
    blobs = _blobs(net)
    assert list(blobs["SCNN_D_1"][0].data) == list(blobs["SCNN_D_4"][0].data)
    assert list(blobs["SCNN_D_1"][0].data) != list(blobs["SCNN_U_2"][0].data)


SOLVER = """# as SCNN trains (poly, power 0.9), batch reached with iter_size
net: "train_val.prototxt"
test_iter: 100
test_interval: 1000
base_lr: 0.01
lr_policy: "poly"
power: 0.9
momentum: 0.9
weight_decay: 0.0001
max_iter: 60000
iter_size: 2
snapshot: 5000
snapshot_prefix: "snapshots/scnn"
solver_mode: GPU
type: "SGD"
"""


def test_solver_files_read_as_caffe_reads_them(tmp_path):
    import json

    import realcaffe
    from google.protobuf import json_format

    from scnn_tools.netfile.reader import read_solver_text
    ours = json_format.MessageToDict(read_solver_text(SOLVER).solver, preserving_proto_field_name=True)
    assert ours["net"] == "train_val.prototxt" and ours["iter_size"] == 2 and ours["lr_policy"] == "poly"
    if not realcaffe.available():
        pytest.skip("real Caffe (bvlc) is not built: its own schema cannot be asked")
    path = tmp_path / "solver.prototxt"
    path.write_text(SOLVER)
    script = ("import json, sys; from caffe.proto import caffe_pb2; from google.protobuf import text_format, "
              "json_format; s = text_format.Merge(open(sys.argv[1]).read(), caffe_pb2.SolverParameter()); "
              "print(json.dumps(json_format.MessageToDict(s, preserving_proto_field_name=True)))")
    out = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", script, str(path)], check=True,
                         capture_output=True, text=True).stdout
    assert json.loads(out) == ours


def test_info_describes_a_solver_and_analyze_points_at_its_net(tmp_path):
    from conftest import run_cli
    path = tmp_path / "solver.prototxt"
    path.write_text(SOLVER)
    code, out, err = run_cli("info", path)
    assert code == 0 and "nets:     train_val.prototxt" in out and "policy poly, power 0.9" in out, err
    assert "60,000 iterations, 2 steps per update (iter_size)" in out
    code, _, err = run_cli("analyze", path)
    assert code == 2 and "this is a solver file (its net: 'train_val.prototxt'), not a net" in err
