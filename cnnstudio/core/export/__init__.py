"""Exporting a trained network: TorchScript, ONNX and a plain PyTorch training script."""
