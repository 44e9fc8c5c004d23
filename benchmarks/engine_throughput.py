"""Training throughput on CIFAR-shaped data (3x32x32, batch 32, Adam, the tutorial CNN).

Three ways, side by side in one process, interleaved and rotated over rounds (median reported):
  tutorial  the classic pipeline: a dataset of PIL images, ToTensor and Normalize per sample,
            DataLoader(batch_size=32, shuffle=True)
  bare      a hand-written loop over a uint8 tensor: shuffle, index, normalise, step
  engine    cnnstudio's Trainer.fit, with its per-batch events (training phase only)

Targets (CPU): engine >= 8x tutorial and >= 0.95x bare.
Run: python benchmarks/engine_throughput.py [--device cuda] [--batch-size N]
On CUDA the tutorial copies each batch to the GPU, the bare loop keeps the uint8 data there, and
the engine adds its defaults there (mixed precision, channels-last).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torchvision.transforms as transforms
from PIL import Image
from torch import nn

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.model.build import build_model
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.engine import Trainer

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


def new_model(device: str) -> nn.Module:
    torch.manual_seed(0)
    return build_model(PRESETS["tutorial"].layers, (3, 32, 32), 10).to(device)


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def tutorial_pipeline(images: torch.Tensor, labels: torch.Tensor, device: str, batch: int) -> float:
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    loader = torch.utils.data.DataLoader(
        PILImages(images, labels, transform), batch_size=batch, shuffle=True
    )
    model = new_model(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    for batch_images, batch_labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(batch_images.to(device)), batch_labels.to(device))
        loss.backward()
        optimizer.step()
    synchronize(device)
    return len(labels) / (time.perf_counter() - start)


def bare_loop(images: torch.Tensor, labels: torch.Tensor, device: str, batch: int) -> float:
    model = new_model(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    images, labels = images.to(device), labels.to(device)
    model.train()
    synchronize(device)
    start = time.perf_counter()
    order = torch.randperm(len(labels), device=device)
    for first in range(0, len(labels), batch):
        rows = order[first : first + batch]
        batch_images = (images[rows].float() / 255 - mean) / std
        optimizer.zero_grad()
        loss = criterion(model(batch_images), labels[rows])
        loss.backward()
        optimizer.step()
    synchronize(device)
    return len(labels) / (time.perf_counter() - start)


class LastThroughput(Callback):
    def on_batch_end(self, event) -> None:
        self.images_per_second = event.images_per_second


def engine(images: torch.Tensor, labels: torch.Tensor, device: str, batch: int) -> float:
    spec = RunSpec.from_dict(
        {"training": {"epochs": 1, "batch_size": batch}, "device": device, "seed": 0}
    )
    data = ImageData(images, labels, images[:64], labels[:64], [str(i) for i in range(10)])
    probe = LastThroughput()
    Trainer(spec, data).fit([probe])
    return probe.images_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    run = {"device": args.device, "batch": args.batch_size}

    data = get_source("shapes").load({"train_size": args.images, "val_size": 10, "seed": 0})
    images, labels = data.train_images, data.train_labels
    ways = {"tutorial": tutorial_pipeline, "bare": bare_loop, "engine": engine}
    for way in ways.values():  # warm-up: lazy imports, allocator, thread pool, CUDA context
        way(images[:512], labels[:512], **run)
    results: dict[str, list[float]] = {name: [] for name in ways}
    names = list(ways)
    for round_index in range(args.rounds):
        # Interleaved and rotated: drift, and the slot after the DataLoader baseline (measured
        # slower), fall on every way in turn.
        for name in names[round_index:] + names[:round_index]:
            results[name].append(ways[name](images, labels, **run))
    median = {name: statistics.median(values) for name, values in results.items()}

    where = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(
        f"torch {torch.__version__} on {where}, {torch.get_num_threads()} CPU threads, "
        f"{args.images} images, batch {args.batch_size}, median of {args.rounds} rounds"
    )
    for name, value in median.items():
        rounds = ", ".join(f"{v:,.0f}" for v in results[name])
        print(f"  {name:<9}{value:>9,.0f} images/s   ({rounds})")
    print(f"engine / tutorial = {median['engine'] / median['tutorial']:.2f}x")
    print(f"engine / bare     = {median['engine'] / median['bare']:.3f}x")


if __name__ == "__main__":
    main()
