"""PySide6 6.12.0 on Python < 3.12 drops a reference to None on every void-returning painter call,
and a live plot dies within seconds (`Fatal Python error: none_dealloc`; docs/ARCHITECTURE.md,
"Known traps"). These tests paint for real and watch None's reference count: with that release
installed they fail (or the process dies) long before a user would have noticed."""

import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF
from PySide6.QtGui import QFont, QImage, QPainter

VOID_CALLS = 5_000  # each of three methods: 15,000 lost references, close to None's whole count


def test_void_painter_calls_keep_their_reference_to_none(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    font, line = QFont(), QLineF(0, 0, 63, 63)
    before = sys.getrefcount(None)
    for _ in range(VOID_CALLS):
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        painter.drawLine(line)
    after = sys.getrefcount(None)
    painter.end()
    assert after == before, f"{before - after} references to None lost in {3 * VOID_CALLS} calls"


def test_a_live_plot_survives_thousands_of_paints(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(200, 150)
    widget.show()
    curve = widget.plot(pen="c")
    values = np.cumsum(np.random.default_rng(0).normal(size=1200))
    before = sys.getrefcount(None)
    for start in range(1000):  # a scrolling window of 200 points, as in a live run
        curve.setData(values[start : start + 200])
        widget.grab()  # a full paint of the widget: hundreds of painter calls each
    # Painting makes objects that hold None, so the count may grow; the bug makes it shrink.
    assert sys.getrefcount(None) >= before
    assert np.array_equal(curve.getData()[1], values[999:1199])
