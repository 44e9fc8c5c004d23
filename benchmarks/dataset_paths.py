"""Real-format data on the engine's fast path, measured side by side in one process.

Writes an MNIST-format set (gzipped idx files) and a folder of PNG files to a temporary directory,
loads them as a user would, and trains the tutorial CNN for one epoch (batch 32, CPU) on:
  mnist      the MNIST-format files, decoded once into a uint8 tensor
  synthetic  a random uint8 tensor of the same shape (the fast path with no files at all)
  folder     the PNG folder, decoded once (in memory)
  streamed   the same folder read from disk every epoch (DataLoader workers)
  imagefolder torchvision's ImageFolder with ToTensor and Normalize per image (the tutorial way)
Also reports the folder's first load (decoding) and second load (from the cache).

Run: python benchmarks/dataset_paths.py [--images N]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torchvision.transforms as transforms
from PIL import Image
from torch import nn
from torchvision.datasets import ImageFolder

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.model.build import build_model
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.engine import Trainer

BATCH = 32


class LastThroughput(Callback):
    def on_batch_end(self, event) -> None:
        self.images_per_second = event.images_per_second


def engine_throughput(spec: RunSpec, data) -> float:
    probe = LastThroughput()
    Trainer(spec, data).fit([probe])
    return probe.images_per_second


def spec_for(dataset: dict) -> RunSpec:
    return RunSpec.from_dict(
        {"dataset": dataset, "training": {"epochs": 1, "batch_size": BATCH}, "device": "cpu"}
    )


def write_mnist(root: Path, count: int) -> None:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", count), ("t10k", max(100, count // 10))):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        header = struct.pack(">IIII", 0x803, n, 28, 28)
        (raw / f"{prefix}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(header + images.tobytes())
        )
        header = struct.pack(">II", 0x801, n)
        (raw / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(header + labels.tobytes())
        )


def write_folder(root: Path, count: int) -> None:
    rng = np.random.default_rng(1)
    for i in range(count):
        folder = root / f"class{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")


def imagefolder_throughput(root: Path) -> float:
    transform = transforms.Compose(
        [
            transforms.Resize(32),
            transforms.CenterCrop(32),
            transforms.ToTensor(),
            transforms.Normalize((0.5,) * 3, (0.5,) * 3),
        ]
    )
    loader = torch.utils.data.DataLoader(
        ImageFolder(str(root), transform), batch_size=BATCH, shuffle=True
    )
    torch.manual_seed(0)
    model = build_model(PRESETS["tutorial"].layers, (3, 32, 32), 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    start, seen = time.perf_counter(), 0
    for images, labels in loader:
        optimizer.zero_grad()
        criterion(model(images), labels).backward()
        optimizer.step()
        seen += len(labels)
    return seen / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_mnist(tmp / "data", args.images)
        write_folder(tmp / "pictures", args.images)
        folder_options = {"path": str(tmp / "pictures"), "image_size": 32, "channels": 3}

        mnist_spec = spec_for({"name": "mnist", "data_dir": str(tmp / "data")})
        start = time.perf_counter()
        mnist = get_source("mnist").load(mnist_spec.dataset["options"], tmp / "data")
        mnist_load = time.perf_counter() - start
        g = torch.Generator().manual_seed(0)
        fake = ImageData(
            torch.randint(0, 256, mnist.train_images.shape, dtype=torch.uint8, generator=g),
            mnist.train_labels,
            mnist.val_images,
            mnist.val_labels,
            mnist.class_names,
        )

        folder_spec = spec_for({"name": "folder", "options": folder_options})
        source = get_source("folder")
        start = time.perf_counter()
        folder = source.load(folder_spec.dataset["options"], tmp / "cache")
        first_load = time.perf_counter() - start
        start = time.perf_counter()
        source.load(folder_spec.dataset["options"], tmp / "cache")
        cached_load = time.perf_counter() - start
        streamed_spec = spec_for(
            {"name": "folder", "options": {**folder_options, "stream": "always"}}
        )
        streamed = source.load(streamed_spec.dataset["options"], tmp / "cache")

        engine_throughput(
            mnist_spec,
            ImageData(
                *(
                    t[:256]
                    for t in (
                        mnist.train_images,
                        mnist.train_labels,
                        mnist.val_images,
                        mnist.val_labels,
                    )
                ),
                mnist.class_names,
            ),
        )  # warm-up
        ways = {
            "mnist": lambda: engine_throughput(mnist_spec, mnist),
            "synthetic": lambda: engine_throughput(mnist_spec, fake),
            "folder": lambda: engine_throughput(folder_spec, folder),
            "streamed": lambda: engine_throughput(streamed_spec, streamed),
            "imagefolder": lambda: imagefolder_throughput(tmp / "pictures"),
        }
        runs: dict[str, list[float]] = {name: [] for name in ways}
        names = list(ways)
        for round_index in range(args.rounds):
            # Interleaved and rotated: drift, and the slot after the DataLoader baseline (measured
            # slower), fall on every way in turn.
            for name in names[round_index:] + names[:round_index]:
                runs[name].append(ways[name]())
        rates = {name: statistics.median(values) for name, values in runs.items()}
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.images} images, "
        f"median of {args.rounds} rounds"
    )
    print(
        f"MNIST-format load: {mnist_load:.2f}s; folder first load {first_load:.2f}s "
        f"(decoding), second load {cached_load:.2f}s (cache): {first_load / cached_load:.1f}x"
    )
    for name, rate in rates.items():
        print(f"  {name:<12}{rate:>8,.0f} images/s")
    print(f"mnist / synthetic     = {rates['mnist'] / rates['synthetic']:.3f}x (same fast path)")
    print(f"folder / imagefolder  = {rates['folder'] / rates['imagefolder']:.2f}x")
    print(f"streamed / folder     = {rates['streamed'] / rates['folder']:.2f}x")


if __name__ == "__main__":
    main()
