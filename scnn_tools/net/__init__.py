"""The net as a graph (graph), what each layer type is (layers/, found by type name through
layers/registry.py), and the index maps and interval sets the layer rules describe positions with."""
