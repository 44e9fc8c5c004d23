"""cnnstudio: train convolutional neural networks on image datasets and watch them learn."""

__version__ = "0.1.0"
