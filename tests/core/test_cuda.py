"""CUDA paths: device-resident data, mixed precision, channels-last and out-of-memory handling.
They are skipped without a GPU and run on a GPU machine (see the closing notes for the figures)."""

import pytest
import torch

from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.errors import DeviceError
from cnnstudio.core.insight.recorder import InsideRecorder
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.device import resolve_device
from cnnstudio.core.training.engine import Trainer
from cnnstudio.core.training.events import FitFailed, FitStarted
from tests.conftest import small_spec
from tests.core.test_engine import Recorder

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_cuda_run_keeps_data_on_the_gpu_in_mixed_precision_and_channels_last(small_data):
    trainer = Trainer(small_spec(device="cuda"), small_data)
    assert trainer.train_loader.images.is_cuda and trainer.val_loader.images.is_cuda
    assert trainer.amp_dtype in (torch.bfloat16, torch.float16)
    assert trainer.model[0].weight.is_contiguous(memory_format=torch.channels_last)
    recorder = Recorder()
    result = trainer.fit([recorder])
    assert result.status == "completed"
    start = recorder.of(FitStarted)[0]
    assert start.device.startswith("cuda") and start.mixed_precision


def test_default_run_on_cuda_learns_the_builtin_dataset():
    spec = RunSpec.from_dict({"device": "cuda"})
    result = Trainer(spec, get_source("shapes").load(spec.dataset["options"])).fit()
    assert result.status == "completed" and result.best_val_accuracy >= 0.90


def test_a_gpu_index_that_does_not_exist_is_named():
    count = torch.cuda.device_count()
    with pytest.raises(DeviceError, match=rf"this machine has {count} CUDA GPU"):
        resolve_device(f"cuda:{count}")


def test_cuda_out_of_memory_ends_the_run_and_the_process_trains_again(small_data):
    wide = [
        {"type": "conv2d", "out_channels": 4096, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "global_avg_pool"},
        {"type": "linear"},
    ]
    spec = small_spec(device="cuda", layers=wide, training={"batch_size": 200})
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(2 * 2**30 / total)  # a 2 GiB GPU, for this test
    try:
        recorder = Recorder()
        result = Trainer(spec, small_data).fit([recorder])
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    assert result.status == "failed"
    failure = recorder.of(FitFailed)[0]
    assert failure.kind == "out_of_memory"
    assert "batch size 200" in failure.message and "try 100" in failure.message
    assert Trainer(small_spec(device="cuda"), small_data).fit().status == "completed"


def test_augmentation_runs_on_the_gpu_with_its_own_generator(small_data):
    setting = {"crop_padding": 4, "hflip": True, "rotation": 10.0, "cutout": 8}
    trainer = Trainer(small_spec(device="cuda", augment=setting), small_data)
    augmenter = trainer.train_loader.finish.augmenter
    assert augmenter is not None and augmenter.generator.device.type == "cuda"
    images, _ = next(iter(trainer.train_loader))
    assert images.is_cuda and images.is_contiguous(memory_format=torch.channels_last)
    assert trainer.fit().status == "completed"


def test_a_cuda_run_resumes_from_its_checkpoint_with_its_random_states(tmp_path, small_data):
    from cnnstudio.core.runs.checkpoint import load_model, read_checkpoint
    from cnnstudio.core.runs.run_folder import RunFolderWriter
    from tests.core.test_checkpoint import StopAfterEpoch, resumable_spec

    spec = RunSpec.from_dict({**resumable_spec().to_dict(), "device": "cuda"})
    first = Trainer(spec, small_data)
    first.fit([RunFolderWriter(tmp_path, first), StopAfterEpoch(first, 1)])
    checkpoint = read_checkpoint(tmp_path / "last.pt")
    assert torch.equal(checkpoint.training.rng["cuda"], first.training_state().rng["cuda"])
    resumed = Trainer(spec, small_data)
    resumed.restore(checkpoint.state_dict, checkpoint.training)
    assert torch.equal(resumed.augment_generator.get_state(), first.augment_generator.get_state())
    assert resumed.fit([RunFolderWriter(tmp_path, resumed)]).status == "completed"
    assert [e.epoch for e in resumed.history] == [2]
    assert [s.epoch for s in resumed.training_state().scores] == [1, 2]
    assert load_model(tmp_path / "best.pt").sample_images.device.type == "cpu"


def test_a_cuda_run_looks_inside_its_network_at_each_epoch(small_data):
    """The recorder works on the GPU's channels-last, mixed-precision model, in float32."""
    trainer = Trainer(small_spec(device="cuda"), small_data)
    snapshots = []
    trainer.fit([InsideRecorder(trainer, None, snapshots.append)])
    assert [s.epoch for s in snapshots] == [1, 2]
    last = snapshots[-1]
    assert last.cams is not None and float(last.cams.max()) == pytest.approx(1, abs=1e-3)
    assert abs(last.probabilities.sum(1) - 1).max() < 1e-4
