"""A run's results outside the app: curve plots (PNG or SVG), metrics CSV, a one-page HTML report.

Plots use matplotlib's Agg canvas directly (no pyplot, no GUI backend), so the CLI stays Qt-free.
matplotlib is imported only when a plot is drawn: it costs a quarter second at every start of the
window and the CLI otherwise.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.files import write_atomic
from cnnstudio.core.insight.coach_notes import CoachNote, load_notes
from cnnstudio.core.runs.history import RunRecord, change_places
from cnnstudio.core.runs.inside_report import INSIDE_STYLE, inside_section
from cnnstudio.core.training.changes import SettingChange, read_changes
from cnnstudio.core.training.metrics import class_metrics

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TRAIN, VAL, CHANGE = "#4682e6", "#eb7828", "#963caa"
REPORT_SUFFIXES = (".html", ".png", ".svg", ".csv")


def write_output(record: RunRecord, path: str | Path) -> Path:
    """Write what the suffix names: .html report, .png/.svg curves, .csv metrics."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        write_atomic(path, report_html(record))
    elif suffix in (".png", ".svg"):
        write_atomic(path, plot_bytes([record], suffix[1:]))
    elif suffix == ".csv":
        write_atomic(path, (record.folder / "metrics.csv").read_bytes())
    else:
        raise CnnstudioError(f"{path}: expected a file ending in {', '.join(REPORT_SUFFIXES)}")
    return path


def curves_figure(records: Sequence[RunRecord]) -> Figure:
    """Loss and accuracy per epoch; one run in training/validation colours, with a dotted line
    where a setting was changed while it trained; several overlaid."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4), layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    several = len(records) > 1
    for index, record in enumerate(records):
        epochs = [e["epoch"] for e in record.epochs]
        colour = f"C{index}" if several else None
        label = f"{record.name} " if several else ""
        for axes, metric in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
            if not several:
                axes.plot(
                    epochs,
                    [e[f"train_{metric}"] for e in record.epochs],
                    "-",
                    color=TRAIN,
                    label="training",
                )
            axes.plot(
                epochs,
                [e[f"val_{metric}"] for e in record.epochs],
                "o-",
                color=colour or VAL,
                label=f"{label}validation".strip(),
            )
    if not several:  # where a setting was changed while it trained
        for x, change in change_places(records[0].folder):
            for axes in (loss_axes, accuracy_axes):
                axes.axvline(x, color=CHANGE, linestyle=":", linewidth=1)
            loss_axes.annotate(
                change.label,
                (x, 0.98),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize="x-small",
                color=CHANGE,
            )
    loss_axes.set(title="Loss", xlabel="epoch")
    accuracy_axes.set(title="Accuracy", xlabel="epoch", ylim=(0, 1))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
        axes.xaxis.get_major_locator().set_params(integer=True)
    return figure


def plot_bytes(records: Sequence[RunRecord], image_format: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(curves_figure(records)).print_figure(buffer, format=image_format, dpi=120)
    return buffer.getvalue()


def report_html(record: RunRecord) -> str:
    """One self-contained page: outcome, curves, the settings changed while it trained, the
    coach's notes, confusion matrix, per-class table and, when the run kept them, pictures of
    the network's inside."""
    best = record.best_epoch
    title = f"cnnstudio run {record.name}"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title>",
        f"<style>{_STYLE}{INSIDE_STYLE}</style></head><body><h1>{_e(title)}</h1>",
        f"<p>{_e(_outcome(record))}</p>",
    ]
    if record.epochs:
        svg = plot_bytes([record], "svg").decode("utf-8")
        parts += ["<h2>Curves</h2>", svg[svg.index("<svg") :]]
    parts += _changes_section(read_changes(record.folder))
    parts += _coach_section(load_notes(record.folder))
    if best is not None and int(best["epoch"]) in record.matrices:
        matrix = record.matrices[int(best["epoch"])]
        parts += [
            f"<h2>Confusion matrix (epoch {int(best['epoch'])}, the best)</h2>",
            "<p>Rows are true classes, columns predicted ones; colour is the row's share.</p>",
            _confusion_table(matrix, record.class_names),
            "<h2>Per class</h2>",
            _class_table(matrix, record.class_names),
        ]
    parts += inside_section(record)
    parts += [
        "<h2>Environment</h2>",
        _key_values(record.environment),
        "<h2>Run spec</h2>",
        f"<pre>{_e(record.spec.to_json())}</pre>",
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _outcome(record: RunRecord) -> str:
    best = record.best_epoch
    text = f"{record.spec.dataset['name']}, {len(record.epochs)} epoch(s), {record.status}"
    if best is not None:
        text += (
            f"; best validation accuracy {best['val_accuracy']:.2%} at epoch {int(best['epoch'])}"
        )
    if "seconds" in record.summary:
        text += f"; {record.summary['seconds']:.0f} s"
    return text + "."


def _coach_section(notes: list[CoachNote] | None) -> list[str]:
    """What the training coach noticed; nothing for a run from before the coach."""
    if notes is None:
        return []
    if not notes:
        return ["<h2>Coach</h2>", "<p>The coach found nothing to remark on: a healthy run.</p>"]
    items = []
    for note in notes:
        fix = f"<br>Change for the next run: {_e(note.fix.label)}." if note.fix else ""
        items.append(
            f"<li class='{_e(note.severity)}'><b>{_e(note.where)}: {_e(note.title)}.</b> "
            f"{_e(note.meaning)}<br>Try {_e(note.advice)}{fix}</li>"
        )
    return ["<h2>Coach</h2>", f"<ul class='coach'>{''.join(items)}</ul>"]


def _changes_section(changes: list[SettingChange]) -> list[str]:
    """The settings changed while the run trained, each from the step that first used it."""
    if not changes:
        return []
    rows = "".join(
        f"<tr><td>{c.step}</td><td>{c.epoch}</td><td class='text'>{_e(c.label)}</td></tr>"
        for c in changes
    )
    return [
        "<h2>Settings changed while it trained</h2>",
        "<p>Each new value was used from the step shown on (steps count batches over the run).</p>",
        f"<table><tr><th>step</th><th>epoch</th><th>change</th></tr>{rows}</table>",
    ]


def _confusion_table(matrix: np.ndarray, names: list[str]) -> str:
    shares = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    rows = []
    for name, counts, share in zip(names, matrix, shares, strict=True):
        cells = "".join(
            f"<td style='background: rgba(70,130,230,{s:.2f})'>{c}</td>"
            for c, s in zip(counts, share, strict=True)
        )
        rows.append(f"<tr><th>{_e(name)}</th>{cells}</tr>")
    return f"<table class='matrix'><tr><th>true \\ predicted</th>{head}</tr>{''.join(rows)}</table>"


def _class_table(matrix: np.ndarray, names: list[str]) -> str:
    m = class_metrics(matrix)
    rows = [
        f"<tr><td>{_e(n)}</td><td>{p:.3f}</td><td>{r:.3f}</td><td>{f:.3f}</td><td>{s}</td></tr>"
        for n, p, r, f, s in zip(names, m.precision, m.recall, m.f1, m.support, strict=True)
    ]
    rows.append(
        f"<tr><th>macro average</th><th>{m.macro_precision:.3f}</th><th>{m.macro_recall:.3f}"
        f"</th><th>{m.macro_f1:.3f}</th><th>{int(m.support.sum())}</th></tr>"
        f"<tr><th>accuracy</th><th colspan='4'>{m.accuracy:.2%}</th></tr>"
    )
    return (
        "<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>"
        f"<th>support</th></tr>{''.join(rows)}</table>"
    )


def _key_values(values: dict) -> str:
    rows = "".join(
        f"<tr><th>{_e(str(k))}</th><td>{_e(json.dumps(v) if not isinstance(v, str) else v)}</td>"
        "</tr>"
        for k, v in values.items()
    )
    return f"<table>{rows}</table>"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; }
td.text { text-align: left; }
table.matrix td { min-width: 2.5em; }
pre { background: #f6f6f6; padding: 1em; overflow: auto; }
svg { max-width: 100%; height: auto; }
ul.coach li { margin-bottom: 0.8em; }
ul.coach li.problem b { color: #b00020; }
"""
