"""Every field read from a checkpoint is checked, as a spec is: an altered file is refused in
plain words by prediction and export, never half-used."""

import pytest
import torch

from cnnstudio.cli import run
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.checkpoint import checkpoint_bytes, read_checkpoint, save_checkpoint
from cnnstudio.core.training.engine import Trainer
from tests.conftest import small_spec
from tests.datafiles import write_image


@pytest.fixture(scope="module")
def checkpoint_payload(tmp_path_factory):
    from cnnstudio.core.data.sources.registry import get_source

    data = get_source("shapes").load({"train_size": 200, "val_size": 50, "seed": 0})
    trainer = Trainer(small_spec(training={"epochs": 1}), data)
    trainer.fit()
    path = tmp_path_factory.mktemp("checkpoint") / "best.pt"
    save_checkpoint(path, trainer)
    return torch.load(path, weights_only=True)


def altered(payload, tmp_path, **changes):
    path = tmp_path / "best.pt"
    torch.save({**payload, **changes}, path)
    return path


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"mean": "abc"}, "mean: expected 3 finite number(s) per channel, got 'abc'"),
        ({"std": [0.2, 0.0, 0.2]}, "std: expected 3 finite number(s)"),
        ({"native_shape": [3, 10**9, 10**9]}, "native_shape: expected [channels, height, width]"),
        ({"input_shape": [3, 32]}, "input_shape: expected [channels, height, width]"),
        ({"class_names": []}, "class_names: expected a list of class names"),
        ({"sample_labels": torch.full((4,), 99)}, "sample_labels: expected one class number"),
        ({"spec": {"seed": "x"}}, "seed"),
        ({"extra": 1}, "unknown field 'extra'"),
    ],
)
def test_an_altered_checkpoint_is_refused_naming_the_field(
    checkpoint_payload, tmp_path, capsys, changes, words
):
    path = altered(checkpoint_payload, tmp_path, **changes)
    with pytest.raises(CnnstudioError, match=r"best\.pt: damaged or altered checkpoint: ") as error:
        read_checkpoint(path)
    assert words in str(error.value)
    image = write_image(tmp_path / "photo.png", size=(40, 40))
    assert run(["predict", str(path), str(image)]) == 2
    assert run(["export", str(path), "--format", "script", "--out", str(tmp_path / "t.py")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(words in line for line in err)
    assert not (tmp_path / "t.py").exists()


def test_an_altered_training_state_is_refused(checkpoint_payload, tmp_path):
    training = {**checkpoint_payload["training"], "epochs_completed": -1}
    with pytest.raises(CnnstudioError, match=r"training\.epochs_completed: expected a whole"):
        read_checkpoint(altered(checkpoint_payload, tmp_path, training=training))
    training = {**checkpoint_payload["training"], "scores": []}
    with pytest.raises(CnnstudioError, match=r"training\.scores: expected epochs 1 to 1"):
        read_checkpoint(altered(checkpoint_payload, tmp_path, training=training))


def test_a_checkpoint_keeps_scores_not_every_epochs_predictions(checkpoint_payload):
    training = checkpoint_payload["training"]
    assert "history" not in training
    assert training["scores"] == [
        {
            "epoch": 1,
            "val_loss": pytest.approx(2.3, abs=0.2),
            "val_accuracy": pytest.approx(0.1, abs=0.2),
        }
    ]


def test_a_checkpoint_does_not_grow_with_every_epochs_validation_record(small_data):
    sizes = []
    for epochs in (1, 4):
        trainer = Trainer(small_spec(training={"epochs": epochs}), small_data)
        trainer.fit()
        sizes.append(len(checkpoint_bytes(trainer)))
    # Three more epochs add three scores (~100 bytes each), not 50 predictions, 50 confidences
    # and a 10x10 matrix each (~1.5 kB an epoch before).
    assert sizes[1] - sizes[0] < 1000
