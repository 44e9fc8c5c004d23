"""The labels of lines drawn across the curves (settings changed, the coach's notes) stay
inside their plot and off each other, as a person sees them at 1024x768: the Curves tab's
plots are about 560 pixels wide."""

from cnnstudio.core.insight.coach_notes import CoachNote
from cnnstudio.core.runs.history import read_run
from cnnstudio.core.runs.session import RunSession
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.gui.views.curves import CurvesView
from cnnstudio.gui.views.run_compare import RunComparison
from tests.conftest import small_spec


def note(rule, epoch):
    return CoachNote(rule, "info", "title", "meaning", "advice", epoch=epoch, step=0)


def label_rects(lines):
    return [line.label.sceneBoundingRect() for line in lines if line.isVisible()]


def inside_and_apart(plot, lines):
    """Every label of `lines` is inside `plot`'s view and none covers another."""
    rects = label_rects(lines)
    view = plot.vb.sceneBoundingRect()
    inside = all(view.contains(rect) for rect in rects)
    apart = not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    return rects and inside and apart


def test_labels_of_nearby_changes_and_notes_stay_apart_and_inside_the_plot(qtbot, isolated):
    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(560, 500)
    view.show()
    qtbot.waitExposed(view)
    rows = [
        {
            "epoch": epoch,
            "train_loss": 2.3 - 0.2 * epoch,
            "train_accuracy": 0.1 * epoch,
            "val_loss": 2.3 - 0.2 * epoch,
            "val_accuracy": 0.1 * epoch,
            "lr": 0.001,
        }
        for epoch in range(1, 5)
    ]
    view.show_history(rows)
    # As a run of 4 epochs: the coach saw guessing in epoch 1, the rate changed soon after,
    # the epochs later; at the end the coach says it was still improving (at the right edge).
    view.coach_marks.show([note("stuck_at_chance", 1), note("train_longer", 4)], None)
    view.add_marker(1.23, "lr 0.001 -> 0.0003")
    view.add_marker(2.33, "epochs 10 -> 4")
    view.refresh()
    loss = view.plots["loss"]
    coach = [lines[0] for lines in view.coach_marks.lines]  # labelled on the loss plot
    lines = [line for plot, line in view.marker_lines if plot is loss] + coach
    qtbot.waitUntil(lambda: inside_and_apart(loss, lines))


class Change(Callback):
    """Asks for the rate at step 2 and more epochs at step 12, as typing them in the window."""

    def __init__(self, control):
        self.control = control

    def on_batch_end(self, event):
        if event.step == 2:
            self.control.request_change("optimizer.lr", 0.0003)
        if event.step == 12:
            self.control.request_change("training.epochs", 3)


def test_the_runs_tabs_preview_keeps_a_late_changes_label_inside(
    qtbot, isolated, small_data, tmp_path
):
    """A change in the right half of the Runs tab's small preview: its label was cut at the
    top ("epochs 10 -> 4" half out of the plot)."""
    control = TrainingControl()
    with RunSession.new(small_spec(), tmp_path / "run") as session:
        session.train(small_data, control, [Change(control)])
    comparison = RunComparison()
    qtbot.addWidget(comparison)
    comparison.resize(560, 190)  # its size under the Runs table at 1024x768
    comparison.show()
    qtbot.waitExposed(comparison)
    comparison.show_runs([read_run(session.folder)])
    loss = comparison.plots["loss"]
    lines = [line for line in comparison.markers if line.getViewBox() is loss.vb]
    assert [line.label.format for line in lines] == ["lr 0.001 -> 0.0003", "epochs 2 -> 3"]
    qtbot.waitUntil(lambda: inside_and_apart(loss, lines))
