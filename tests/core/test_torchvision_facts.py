"""Benchmark-set facts written out (listing datasets needs no torchvision) match torchvision."""

from torchvision import datasets

from cnnstudio.core.data.sources.registry import get_source


def test_readers_class_names_folders_and_archives_match_torchvision():
    for name in ("mnist", "fashion-mnist", "kmnist", "cifar10", "cifar100", "svhn"):
        layout = get_source(name).layout
        assert layout.dataset_class() is getattr(datasets, layout.class_name)
    for name, cls in (("fashion-mnist", datasets.FashionMNIST), ("kmnist", datasets.KMNIST)):
        assert get_source(name).layout.classes == tuple(cls.classes)
    for name, cls in (("cifar10", datasets.CIFAR10), ("cifar100", datasets.CIFAR100)):
        source = get_source(name)
        assert source.layout.folder == cls.base_folder
        assert cls.filename in source.hand_instructions(None)
