"""The classic benchmark datasets, read through torchvision from their real on-disk formats.

torchvision's classes read the files and verify the checksums it knows (CIFAR and SVHN on every
load, MNIST-family on download); we keep that and take the decoded arrays straight into uint8
tensors, never building PIL images. Downloads go through `download.py`.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.sources.base import DatasetSource
from cnnstudio.core.data.sources.locations import resolve_data_dir
from cnnstudio.core.data.sources.splits import stratified_split
from cnnstudio.core.errors import DatasetError
from cnnstudio.core.params import Param

if TYPE_CHECKING:
    import torch

CIFAR100_CLASSES = (
    "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus "
    "butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch "
    "crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo "
    "keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse "
    "mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy "
    "porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper "
    "snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television "
    "tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm"
).split()
CIFAR10_CLASSES = "airplane automobile bird cat deer dog frog horse ship truck".split()
# As torchvision's FashionMNIST.classes and KMNIST.classes (checked by a test), so that listing
# the datasets needs no torchvision.
FASHION_MNIST_CLASSES = (
    "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot".split(",")
)
KMNIST_CLASSES = "o ki su tsu na ha ma ya re wo".split()
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

VAL_FRACTION = Param(
    "val_fraction",
    "float",
    None,
    "Validation share carved from the training split; null validates on the official test split.",
    minimum=0.01,
    maximum=0.5,
    optional=True,
)


@dataclass(frozen=True)
class _Layout:
    """How one benchmark set is stored and where a person would put its files by hand."""

    kind: str  # "mnist", "cifar" or "svhn"
    class_name: str  # its reader in torchvision.datasets
    folder: str  # under the data directory
    shape: tuple[int, int, int]
    classes: tuple[str, ...]
    by_hand: str  # where to put files fetched by hand; {dir} is the data directory

    def dataset_class(self) -> type:
        """torchvision's reader, imported only now: `import torchvision` takes seconds."""
        from torchvision import datasets

        return getattr(datasets, self.class_name)


class TorchvisionSource(DatasetSource):
    options = (VAL_FRACTION,)

    def __init__(self, name: str, title: str, description: str, layout: _Layout) -> None:
        self.name, self.title, self.description, self.layout = name, title, description, layout

    def native_shape(self, options: Mapping[str, Any]) -> tuple[int, int, int]:
        return self.layout.shape

    def class_names(self, options: Mapping[str, Any]) -> list[str]:
        return list(self.layout.classes)

    def root(self, data_dir: Path | None) -> Path:
        """The folder handed to torchvision as its `root`."""
        base = resolve_data_dir(data_dir)
        return base / self.layout.folder if self.layout.kind == "svhn" else base

    def is_available(self, data_dir: Path | None = None) -> bool:
        root = self.root(data_dir)
        if self.layout.kind == "mnist":
            raw = root / self.layout.folder / "raw"
            return all((raw / f).exists() or (raw / f"{f}.gz").exists() for f in MNIST_FILES)
        if self.layout.kind == "cifar":
            return (root / self.layout.folder).is_dir()
        return all((root / f"{split}_32x32.mat").exists() for split in ("train", "test"))

    def hand_instructions(self, data_dir: Path | None) -> str:
        return self.layout.by_hand.format(dir=resolve_data_dir(data_dir))

    def load(self, options: Mapping[str, Any], data_dir: Path | None = None) -> ImageData:
        if not self.is_available(data_dir):
            raise DatasetError(
                f"{self.title} is not in {resolve_data_dir(data_dir)}. Download it with "
                f"`cnnstudio download {self.name}`, or {self.hand_instructions(data_dir)}"
            )
        root = self.root(data_dir)
        if self.layout.kind == "mnist":
            _unpack_mnist_gz(root / self.layout.folder / "raw")
        try:
            train = self._read(root, train=True)
            test = self._read(root, train=False)
        except RuntimeError as error:  # torchvision: missing files or a failed checksum
            raise DatasetError(
                f"{self.title} in {root} is incomplete or damaged ({error}). Delete it and run "
                f"`cnnstudio download {self.name}`, or {self.hand_instructions(data_dir)}"
            ) from None
        if options["val_fraction"] is None:
            return ImageData(*train, *test, list(self.layout.classes))
        images, labels = train
        train_rows, val_rows = stratified_split(labels, options["val_fraction"], seed=0)
        return ImageData(
            images[train_rows],
            labels[train_rows],
            images[val_rows],
            labels[val_rows],
            list(self.layout.classes),
        )

    def _read(self, root: Path, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        cls = self.layout.dataset_class()
        if self.layout.kind == "svhn":
            dataset = cls(str(root), split="train" if train else "test", download=False)
            return torch.from_numpy(np.ascontiguousarray(dataset.data)), torch.as_tensor(
                dataset.labels, dtype=torch.int64
            )
        dataset = cls(str(root), train=train, download=False)
        if self.layout.kind == "mnist":
            return dataset.data.unsqueeze(1).contiguous(), dataset.targets.to(torch.int64)
        images = torch.from_numpy(dataset.data).permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
        return images, torch.as_tensor(dataset.targets, dtype=torch.int64)


def _unpack_mnist_gz(raw: Path) -> None:
    """Files placed by hand may still be gzipped; torchvision reads only unpacked ones."""
    for name in MNIST_FILES:
        packed, unpacked = raw / f"{name}.gz", raw / name
        if unpacked.exists() or not packed.exists():
            continue
        partial = raw / f".{name}.partial"
        try:
            with gzip.open(packed, "rb") as source, open(partial, "wb") as target:
                shutil.copyfileobj(source, target)
        except (OSError, EOFError) as error:
            partial.unlink(missing_ok=True)
            raise DatasetError(f"{packed} cannot be unpacked ({error}); fetch it again.") from None
        partial.replace(unpacked)


def _mnist_like(name: str, title: str, description: str, folder: str, classes) -> TorchvisionSource:
    by_hand = (
        f"place the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; packed or unpacked) in "
        f"{{dir}}/{folder}/raw/"
    )
    return TorchvisionSource(
        name,
        title,
        description,
        _Layout("mnist", folder, folder, (1, 28, 28), tuple(classes), by_hand),
    )


def _cifar(
    name: str, title: str, description: str, class_name: str, folder: str, classes
) -> TorchvisionSource:
    archive = f"cifar-{class_name[len('CIFAR') :]}-python.tar.gz"  # torchvision's file name
    by_hand = (
        f"download {archive} from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it in "
        f"{{dir}} (giving {{dir}}/{folder}/)"
    )
    return TorchvisionSource(
        name,
        title,
        description,
        _Layout("cifar", class_name, folder, (3, 32, 32), tuple(classes), by_hand),
    )


SOURCES = (
    _mnist_like(
        "mnist",
        "MNIST",
        "Handwritten digits 0-9: 60,000 training and 10,000 test images, 28x28 grayscale.",
        "MNIST",
        [str(d) for d in range(10)],
    ),
    _mnist_like(
        "fashion-mnist",
        "Fashion-MNIST",
        "Zalando clothing photos in 10 classes, 28x28 grayscale; a harder drop-in for MNIST.",
        "FashionMNIST",
        FASHION_MNIST_CLASSES,
    ),
    _mnist_like(
        "kmnist",
        "Kuzushiji-MNIST",
        "Ten cursive Japanese hiragana characters, 28x28 grayscale.",
        "KMNIST",
        KMNIST_CLASSES,
    ),
    _cifar(
        "cifar10",
        "CIFAR-10",
        "Small colour photos in 10 classes (planes, cars, animals...): "
        "50,000 training and 10,000 test images, 32x32.",
        "CIFAR10",
        "cifar-10-batches-py",
        CIFAR10_CLASSES,
    ),
    _cifar(
        "cifar100",
        "CIFAR-100",
        "Small colour photos in 100 classes, 500 training images each, 32x32.",
        "CIFAR100",
        "cifar-100-python",
        CIFAR100_CLASSES,
    ),
    TorchvisionSource(
        "svhn",
        "SVHN",
        "House numbers from Google Street View: cropped colour digits, 32x32.",
        _Layout(
            "svhn",
            "SVHN",
            "SVHN",
            (3, 32, 32),
            tuple(str(d) for d in range(10)),
            "download train_32x32.mat and test_32x32.mat from "
            "http://ufldl.stanford.edu/housenumbers/ and place them in {dir}/SVHN/",
        ),
    ),
)
