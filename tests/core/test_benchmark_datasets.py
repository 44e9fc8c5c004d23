"""MNIST family, CIFAR and SVHN through their real on-disk formats and torchvision's readers."""

import http.server
import pickle
import threading
import urllib.request
from functools import partial

import numpy as np
import pytest
import torch
from torchvision import datasets as tv

from cnnstudio.core.data.sources.download import download_dataset
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.errors import DatasetError
from tests.datafiles import (
    md5,
    patch_cifar_checksums,
    patch_svhn_checksums,
    write_cifar,
    write_mnist,
    write_svhn,
)

NO_VAL_SPLIT = {"val_fraction": None}


@pytest.mark.parametrize(
    ("name", "folder"),
    [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST"), ("kmnist", "KMNIST")],
)
def test_mnist_family_reads_gzipped_idx_files_into_uint8_tensors(tmp_path, name, folder):
    written = write_mnist(tmp_path, folder)
    source = get_source(name)
    assert source.is_available(tmp_path)
    data = source.load(NO_VAL_SPLIT, tmp_path)
    assert data.train_images.shape == (60, 1, 28, 28) and data.val_images.shape == (20, 1, 28, 28)
    assert data.train_images.dtype == torch.uint8
    assert np.array_equal(data.train_images[:, 0].numpy(), written["train"][0])
    assert data.val_labels.tolist() == written["test"][1].tolist()
    assert len(data.class_names) == 10 and source.native_shape({}) == (1, 28, 28)


def test_mnist_reads_unpacked_idx_files_too(tmp_path):
    write_mnist(tmp_path, packed=False)
    assert get_source("mnist").load(NO_VAL_SPLIT, tmp_path).train_labels.shape == (60,)


def test_val_fraction_carves_a_stratified_validation_split_from_training(tmp_path):
    write_mnist(tmp_path)
    data = get_source("mnist").load({"val_fraction": 0.2}, tmp_path)
    assert len(data.train_labels) == 50 and len(data.val_labels) == 10  # one of six per class
    assert data.val_labels.bincount(minlength=10).min() >= 1


def test_cifar10_pickled_batches_keep_their_channel_layout(tmp_path, monkeypatch):
    patch_cifar_checksums(monkeypatch, tv.CIFAR10, write_cifar(tmp_path))
    data = get_source("cifar10").load(NO_VAL_SPLIT, tmp_path)
    assert data.train_images.shape == (100, 3, 32, 32) and data.val_images.shape == (20, 3, 32, 32)
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as handle:
        row = pickle.load(handle)["data"][0]  # the test's own file: R, G, B planes of 1024
    assert np.array_equal(data.train_images[0].flatten().numpy(), row)
    assert data.class_names[0] == "airplane"


def test_cifar100_uses_fine_labels_and_100_names(tmp_path, monkeypatch):
    patch_cifar_checksums(monkeypatch, tv.CIFAR100, write_cifar(tmp_path, classes=100))
    data = get_source("cifar100").load(NO_VAL_SPLIT, tmp_path)
    assert data.num_classes == 100 and int(data.train_labels.max()) == 19


def test_cifar_files_that_fail_torchvisions_checksum_are_refused(tmp_path):
    write_cifar(tmp_path)  # real checksums in torchvision's table: these files do not match
    with pytest.raises(DatasetError, match=r"CIFAR-10 in .* is incomplete or damaged"):
        get_source("cifar10").load(NO_VAL_SPLIT, tmp_path)


def test_svhn_mat_files_map_label_10_to_digit_0(tmp_path, monkeypatch):
    sums, written = write_svhn(tmp_path / "SVHN")
    patch_svhn_checksums(monkeypatch, sums)
    data = get_source("svhn").load(NO_VAL_SPLIT, tmp_path)
    assert data.train_images.shape == (30, 3, 32, 32)
    assert data.train_labels.tolist() == written["train"][1].tolist()
    assert torch.equal(data.val_images, torch.from_numpy(written["test"][0]))


def test_missing_dataset_says_how_to_download_or_place_it(tmp_path):
    with pytest.raises(DatasetError) as error:
        get_source("fashion-mnist").load(NO_VAL_SPLIT, tmp_path)
    message = str(error.value)
    assert "`cnnstudio download fashion-mnist`" in message
    assert f"{tmp_path}/FashionMNIST/raw/" in message


def use_proxies(monkeypatch, proxy):
    """Set (or clear) the proxy variables; urllib caches its opener, so drop that too."""
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        if proxy:
            monkeypatch.setenv(variable, proxy)
        else:
            monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(urllib.request, "_opener", None)


def offline(monkeypatch):
    use_proxies(monkeypatch, "http://127.0.0.1:9")  # a closed loopback port: refused at once


def test_offline_download_fails_clearly_and_leaves_no_trace(tmp_path, monkeypatch):
    offline(monkeypatch)
    fresh = tmp_path / "fresh"
    with pytest.raises(DatasetError) as error:
        download_dataset("mnist", fresh)
    message = str(error.value)
    assert message.startswith(f"Could not download MNIST into {fresh}: ")
    assert "Nothing was written" in message and f"{fresh}/MNIST/raw/" in message
    assert not fresh.exists()
    existing = tmp_path / "existing"
    (existing / "notes").mkdir(parents=True)
    before = sorted(p.relative_to(existing) for p in existing.rglob("*"))
    with pytest.raises(DatasetError, match=r"CIFAR-10"):
        download_dataset("cifar10", existing)
    assert sorted(p.relative_to(existing) for p in existing.rglob("*")) == before


def test_download_from_a_mirror_verifies_and_moves_files_into_place(tmp_path, monkeypatch):
    """A local HTTP mirror stands in for the internet; checksums are the served files'."""
    served = tmp_path / "mirror"
    write_mnist(served, folder="files")
    files = served / "files" / "raw"
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(tv.MNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
        resources = [
            (f"{name}.gz", md5(files / f"{name}.gz"))
            for name in (
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte",
            )
        ]
        monkeypatch.setattr(tv.MNIST, "resources", resources)
        use_proxies(monkeypatch, None)
        target = tmp_path / "data"
        assert download_dataset("mnist", target) == target
    finally:
        server.shutdown()
        thread.join()
    assert [p.name for p in target.iterdir()] == ["MNIST"]  # no staging folder left
    assert get_source("mnist").load(NO_VAL_SPLIT, target).train_labels.shape == (60,)


def test_shapes_needs_no_download():
    with pytest.raises(DatasetError, match="needs no download"):
        download_dataset("shapes")
