"""scnn-tools: Caffe network definitions read, analyzed, and extended with SCNN blocks."""

__version__ = "0.1.0"
