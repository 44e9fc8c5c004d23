import io

import pytest
import torch

from cnnstudio.core.device import available_devices, resolve_device
from cnnstudio.core.engine import Trainer
from cnnstudio.core.errors import CnnstudioError, DeviceError
from cnnstudio.core.weights import load_weights, save_weights
from tests.conftest import small_spec


def test_cpu_is_always_listed_and_resolved():
    assert available_devices()[0].name == "cpu"
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_a_gpu_that_is_not_there_says_what_to_use():
    with pytest.raises(DeviceError, match=r'no CUDA GPU is usable .* use "cpu" or "auto"'):
        resolve_device("cuda:1")


def test_weights_file_round_trips_the_model_and_preprocessing(tmp_path, small_data):
    trainer = Trainer(small_spec(training={"epochs": 1}), small_data)
    trainer.fit()
    path = tmp_path / "model.pt"
    save_weights(
        path,
        trainer.model,
        trainer.spec,
        trainer.data.class_names,
        trainer.data.input_shape,
        list(trainer.normalizer.mean),
        list(trainer.normalizer.std),
    )
    saved = load_weights(path)
    assert saved.spec == trainer.spec and saved.class_names == small_data.class_names
    assert saved.mean == list(trainer.normalizer.mean)
    x = torch.randn(4, 3, 32, 32)
    trainer.model.eval()
    assert torch.equal(saved.model(x), trainer.model(x))


class _Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_a_weights_file_that_would_run_code_is_refused_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    buffer = io.BytesIO()
    torch.save({"format": "cnnstudio.weights", "payload": _Exploit()}, buffer)
    (tmp_path / "evil.pt").write_bytes(buffer.getvalue())
    with pytest.raises(CnnstudioError, match=r"not a cnnstudio weights file, or damaged"):
        load_weights(tmp_path / "evil.pt")
    assert not (tmp_path / "PWNED").exists()


def test_damaged_and_foreign_weights_files_get_a_clear_error(tmp_path):
    (tmp_path / "cut.pt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CnnstudioError, match=r"cut.pt: not a cnnstudio weights file"):
        load_weights(tmp_path / "cut.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CnnstudioError, match=r"other.pt: not a cnnstudio weights file"):
        load_weights(tmp_path / "other.pt")
