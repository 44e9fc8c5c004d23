"""Training throughput on CIFAR-shaped data (3x32x32, batch 32, Adam, the tutorial CNN), CPU.

Three ways, side by side in one process, interleaved over several rounds (median reported):
  tutorial  the classic pipeline: a dataset of PIL images, ToTensor and Normalize per sample,
            DataLoader(batch_size=32, shuffle=True)
  bare      a hand-written loop over a uint8 tensor: shuffle, index, normalise, step
  engine    cnnstudio's Trainer.fit, with its per-batch events (training phase only)

Targets: engine >= 8x tutorial and >= 0.95x bare. Run: python benchmarks/engine_throughput.py
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torchvision.transforms as transforms
from PIL import Image
from torch import nn

from cnnstudio.core.callbacks import Callback
from cnnstudio.core.datasets import get_source
from cnnstudio.core.datasets.registry import ImageData
from cnnstudio.core.engine import Trainer
from cnnstudio.core.model import build_model
from cnnstudio.core.presets import PRESETS
from cnnstudio.core.spec import RunSpec

BATCH = 32
MEAN, STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)


class PILImages(torch.utils.data.Dataset):
    """What torchvision.datasets.CIFAR10 does per item: a PIL image, then the transform."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform) -> None:
        self.images = images.permute(0, 2, 3, 1).numpy()  # HWC uint8, as CIFAR10 stores them
        self.labels = labels.tolist()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        return self.transform(Image.fromarray(self.images[index])), self.labels[index]


def new_model() -> nn.Module:
    torch.manual_seed(0)
    return build_model(PRESETS["tutorial"].layers, (3, 32, 32), 10)


def tutorial_pipeline(images: torch.Tensor, labels: torch.Tensor) -> float:
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    loader = torch.utils.data.DataLoader(
        PILImages(images, labels, transform), batch_size=BATCH, shuffle=True
    )
    model = new_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    for batch_images, batch_labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(batch_images), batch_labels)
        loss.backward()
        optimizer.step()
    return len(labels) / (time.perf_counter() - start)


def bare_loop(images: torch.Tensor, labels: torch.Tensor) -> float:
    model = new_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    model.train()
    start = time.perf_counter()
    order = torch.randperm(len(labels))
    for first in range(0, len(labels), BATCH):
        rows = order[first : first + BATCH]
        batch = (images[rows].float() / 255 - mean) / std
        optimizer.zero_grad()
        loss = criterion(model(batch), labels[rows])
        loss.backward()
        optimizer.step()
    return len(labels) / (time.perf_counter() - start)


class LastThroughput(Callback):
    def on_batch_end(self, event) -> None:
        self.images_per_second = event.images_per_second


def engine(images: torch.Tensor, labels: torch.Tensor) -> float:
    spec = RunSpec.from_dict(
        {"training": {"epochs": 1, "batch_size": BATCH}, "device": "cpu", "seed": 0}
    )
    data = ImageData(images, labels, images[:64], labels[:64], [str(i) for i in range(10)])
    probe = LastThroughput()
    Trainer(spec, data).fit([probe])
    return probe.images_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    data = get_source("shapes").load({"train_size": args.images, "val_size": 10, "seed": 0})
    images, labels = data.train_images, data.train_labels
    ways = {"tutorial": tutorial_pipeline, "bare": bare_loop, "engine": engine}
    for way in ways.values():  # warm-up: lazy imports, allocator, thread pool
        way(images[:512], labels[:512])
    results: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            results[name].append(way(images, labels))
    median = {name: statistics.median(values) for name, values in results.items()}

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.images} images, "
        f"batch {BATCH}, median of {args.rounds} rounds"
    )
    for name, value in median.items():
        rounds = ", ".join(f"{v:,.0f}" for v in results[name])
        print(f"  {name:<9}{value:>9,.0f} images/s   ({rounds})")
    print(f"engine / tutorial = {median['engine'] / median['tutorial']:.2f}x  (target >= 8)")
    print(f"engine / bare     = {median['engine'] / median['bare']:.3f}x  (target >= 0.95)")


if __name__ == "__main__":
    main()
