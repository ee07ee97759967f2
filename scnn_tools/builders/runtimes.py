"""The runtimes an exported model is run in: onnxruntime, OpenCV's dnn and OpenVINO's CPU plugin.

They are where people go now that none of them reads Caffe (OpenCV 5 removed readNetFromCaffe, OpenVINO
its Caffe front end in 2025.0). onnxruntime is a dependency of `export`; OpenCV (opencv-python-headless)
and OpenVINO (openvino) are used where installed, and the test suite installs them.
"""

import importlib.util
import os

RUNTIMES = ("onnxruntime", "opencv", "openvino")
_MODULES = {"onnxruntime": "onnxruntime", "opencv": "cv2", "openvino": "openvino"}


def installed():
    """The runtimes this Python can import, in RUNTIMES' order."""
    return tuple(r for r in RUNTIMES if importlib.util.find_spec(_MODULES[r]) is not None)


def version(runtime):
    module = importlib.import_module(_MODULES[runtime])
    return getattr(module, "__version__", "?").split("-")[0]


def run(model, feeds, runtime, outputs):
    """The model (serialized ONNX, or the path of a .onnx file, which each runtime then reads itself:
    onnxruntime and OpenVINO through a memory.skeleton_file of it, so that they hold its weights once) run
    once on `feeds` ({input: float32 array}) in `runtime`: {output name: array} for each name in `outputs`."""
    from .memory import release
    release()  # (what the run before left freed, so that peaks do not stack)
    return _RUN[runtime](model, feeds, list(outputs))


def _mapped(run):
    """`run` given, for a model file, a skeleton of it that reads its weights from the file."""
    def mapped(data, feeds, outputs):
        if isinstance(data, (bytes, bytearray)):
            return run(data, feeds, outputs)
        from .memory import skeleton_file
        with skeleton_file(os.fspath(data)) as skeleton:
            return run(skeleton, feeds, outputs, weights=os.fspath(data))
    return mapped


@_mapped
def _onnxruntime(data, feeds, outputs, weights=None):
    import onnxruntime
    options = onnxruntime.SessionOptions()
    # Not ORT_ENABLE_ALL, the default: its layout pass copies every convolution's weights into blocked form,
    # which on FCN-8s took 1.2 GB more (2.8 GB in all) to save as much time in the run as it cost to make.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    # One run needs no arena to reuse, and without one FCN-8s's --check, which runs OpenCV and OpenVINO
    # next, peaked 190 MB lower (1.80 -> 1.61 GB).
    options.enable_cpu_mem_arena = False
    session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    return dict(zip(outputs, session.run(outputs, {k: v for k, v in feeds.items() if k in wanted})))


def _opencv(data, feeds, outputs):
    import cv2
    import numpy as np
    net = cv2.dnn.readNetFromONNX(data if isinstance(data, str) else np.frombuffer(data, np.uint8))
    for name, value in feeds.items():
        net.setInput(value, name)
    return dict(zip(outputs, net.forward(outputs)))


@_mapped
def _openvino(data, feeds, outputs, weights=None):
    import openvino
    core = openvino.Core()
    # Where the processor computes in bfloat16 (AMX, AVX-512 BF16), the CPU plugin's default precision is
    # bf16: a check against Caffe's float32 would then judge bf16's rounding (0.3% on CIFAR-10's conv1).
    compiled = core.compile_model(core.read_model(model=data), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    if weights is not None:
        # Its CPU plugin runs on the weights it repacked, yet keeps the mapping it read them from: FCN-8s's
        # 513 MB held through the run, which then peaked at 1,452 MiB (927 without them; compiling, 1,167).
        from .memory import drop_pages
        drop_pages(weights)
    wanted = {n for port in compiled.inputs for n in port.get_names()}
    result = compiled({k: v for k, v in feeds.items() if k in wanted})
    return {name: result[compiled.output(name)] for name in outputs}


_RUN = {"onnxruntime": _onnxruntime, "opencv": _opencv, "openvino": _openvino}
