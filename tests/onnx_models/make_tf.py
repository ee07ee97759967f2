"""Make the TensorFlow/Keras models under tests/onnx_models/ with tf2onnx, graphs only (see make.py).

Made with: Python 3.11.7, tensorflow-cpu 2.21.0, tf-keras 2.21.0, tf2onnx 1.17.0, onnx 1.23.2 (the run's
exact versions are in manifest.json, "generator_tf"). Neither is a dependency of scnn-tools:

    python3 -m venv /work/scratch-tf
    /work/scratch-tf/bin/pip install tensorflow-cpu tf-keras tf2onnx onnx
    /work/scratch-tf/bin/python tests/onnx_models/make_tf.py

Keras 2 (tf-keras) because tf2onnx converts its models; NHWC inputs, so tf2onnx puts a Transpose to
NCHW in front of the first convolution, as it does for every Keras model. keras_resnet50 is the original
ResNet-50 (stride in each stage's first 1x1, the 483-pixel layer4 of ../shared/reference/known_values.md),
beside torchvision's V1.5; keras_mobilenet_v2 has TensorFlow's SAME padding; keras_dilated_upsample is a
small net with what google-research/receptive_field refuses (a dilated convolution, an UpSampling2D).
"""

import os
import platform
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
import tf_keras as keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strip  # noqa: E402

L = keras.layers


def dilated_upsample():
    x = keras.Input((64, 64, 3), name="input")
    y = L.Conv2D(8, 3, strides=2, padding="same", name="c1")(x)
    y = L.Conv2D(8, 3, dilation_rate=2, padding="same", name="c2")(y)
    y = L.UpSampling2D(2, name="up")(y)
    y = L.Conv2D(4, 3, padding="same", name="c3")(y)
    return keras.Model(x, y)


MODELS = [
    # (file stem, builder, input size)
    ("keras_resnet50", lambda: keras.applications.ResNet50(weights=None, input_shape=(224, 224, 3)), 224),
    ("keras_mobilenet_v2", lambda: keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3)), 224),
    ("keras_dilated_upsample", dilated_upsample, 64),
]


def main():
    entries = []
    for stem, build, size in MODELS:
        keras.utils.set_random_seed(0)
        model = build()
        # Keras initialises biases and BatchNorm's shifts to zero, and tf2onnx drops an addition of
        # zeros: the graph would lose every bias a trained model has. Values in [0.5, 1.5) keep them
        # (and keep BatchNorm's variances positive); distinct values keep a converter from merging
        # equal tensors into one shared initializer.
        rng = np.random.default_rng(0)
        model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in model.get_weights()])
        spec = (tf.TensorSpec((1, size, size, 3), tf.float32, name="input"),)
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
        entry = strip.write(proto, stem)
        entry.update({"input": {"name": "input", "shape": [1, size, size, 3], "example_shape": [1, size, size, 3]},
                      "outputs": [o.name for o in proto.graph.output], "dynamic_hw": False,
                      "batchnorm_fused": None, "published": None,
                      "keras_params": int(model.count_params()),
                      "keras_trainable_params": int(sum(keras.backend.count_params(w) for w in model.trainable_weights))})
        entries.append(entry)
    strip.update_manifest("generator_tf", {
        "script": "tests/onnx_models/make_tf.py", "python": platform.python_version(),
        "tensorflow": tf.__version__, "tf_keras": keras.__version__, "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__, "converter": "tf2onnx.convert.from_keras(opset=17)",
        "weights": "keras default initialisation, seed 0; stripped as make.py's"}, entries)


if __name__ == "__main__":
    main()
