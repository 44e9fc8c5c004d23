"""The map of the validation set in the Inside tab: drawn on request with the shown run's newest
network, on a job thread (the torch work is in inside_work.embedding)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from cnnstudio.gui import inside_work
from cnnstudio.gui.inside_presenter import InsidePresenter
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.views.embedding import EmbeddingPoints, EmbeddingView


class EmbeddingPresenter(QObject):
    def __init__(
        self,
        view: EmbeddingView,
        inside: InsidePresenter,
        jobs: JobRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view, self.inside, self.jobs = view, inside, jobs
        self.drawn_for: Path | None = None  # the run whose map is shown
        view.draw_requested.connect(self._on_draw_requested)
        view.shown.connect(self._on_shown)

    def _on_shown(self) -> None:
        """A map of another run is out of date: clear it, and say whether one can be drawn."""
        if self.drawn_for != self.inside.run_dir:
            self.view.clear()
            self.drawn_for = None
        self.view.set_available(self._inputs() is not None)

    def _inputs(self) -> tuple[Path, Path] | None:
        run_dir = self.inside.run_dir
        if run_dir is None or self.inside.pool is None or not (run_dir / "last.pt").exists():
            return None
        return run_dir, run_dir / "last.pt"

    def _on_draw_requested(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            self.view.set_available(False)
            return
        run_dir, checkpoint = inputs
        images, labels = self.inside.pool  # type: ignore[misc]  # _inputs checked it
        epoch = self.inside.snapshots[-1].epoch if self.inside.snapshots else None
        self.view.set_busy()
        self.jobs.start(
            lambda: inside_work.embedding(checkpoint, images, labels, epoch),
            lambda points: self._on_drawn(run_dir, points),
            self._on_failed,
        )

    def _on_drawn(self, run_dir: Path, points: EmbeddingPoints) -> None:
        if run_dir != self.inside.run_dir:
            return  # another run is shown now
        self.drawn_for = run_dir
        self.view.show_points(points)

    def _on_failed(self, text: str) -> None:
        self.view.summary.setText(f"The map could not be drawn: {text}")
        self.view.set_available(self._inputs() is not None)
