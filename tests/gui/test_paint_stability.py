"""PySide6 6.12.0 on Python < 3.12 drops a reference to None on every void painter call and crashes
a live plot within seconds (DESIGN.md section 5). This paints a growing pyqtgraph plot thousands of
times; with the excluded release installed, the test process dies."""

import numpy as np
import pyqtgraph as pg
from PySide6 import __version__ as pyside_version


def test_installed_pyside6_is_not_the_broken_release():
    import sys

    assert not (pyside_version == "6.12.0" and sys.version_info < (3, 12))


def test_plot_survives_thousands_of_paints(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 240)
    curve = widget.plot(pen="c")
    values = np.cumsum(np.random.default_rng(0).normal(size=3000))
    for n in range(2, 3000, 1):
        curve.setData(values[:n])
        widget.grab()  # a full paint through QPainter
    assert curve.getData()[1].shape == (2999,)
