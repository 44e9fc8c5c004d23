"""Precision, recall, F1 and support per class, with macro averages and accuracy."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget

from cnnstudio.core.training.events import EpochEnded
from cnnstudio.core.training.metrics import ClassMetrics
from cnnstudio.gui.glossary_links import explain_headers

COLUMNS = ("class", "precision", "recall", "F1", "support")


class ClassTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table instead of cycling its cells
        self.horizontalHeader().setStretchLastSection(True)
        explain_headers(self, {name: name for name in COLUMNS[1:]})  # each but "class"

    def show_epoch(self, event: EpochEnded, class_names: list[str]) -> None:
        self.show_metrics(event.per_class, class_names)

    def show_metrics(self, m: ClassMetrics, class_names: list[str]) -> None:
        """Per-class metrics (of a live epoch, or computed from a past run's matrix)."""
        rows = [
            (name, m.precision[i], m.recall[i], m.f1[i], int(m.support[i]))
            for i, name in enumerate(class_names)
        ]
        rows.append(
            ("macro average", m.macro_precision, m.macro_recall, m.macro_f1, int(m.support.sum()))
        )
        rows.append(("accuracy", "", "", m.accuracy, int(m.support.sum())))
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = f"{value:.3f}" if isinstance(value, float) else str(value)
                self.setItem(r, c, QTableWidgetItem(text))
        self.resizeColumnsToContents()
