"""How the plots look at a given text size: dark axis text and ticks, fonts that follow the
window's text zoom, and legend labels of the same size.

pyqtgraph draws axes grey (#969696) on our white backgrounds, about 3:1 contrast: hard to read
on a screen and unreadable on a projector (issue 12). Every plot here uses INK instead (about
17:1 on white) in every mode; the views call these helpers from their `set_text_scale`.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

INK = QColor(26, 26, 26)  # axis text, ticks and labels: 17:1 against white
SIDES = ("left", "bottom", "right", "top")


def scaled_font(scale: float, bold: bool = False) -> QFont:
    """The application's font at `scale` times its size (the window's text zoom)."""
    font = QFont(QApplication.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font


def point_size(scale: float) -> str:
    """The application's font size at `scale`, as pyqtgraph's labels take it ("13.5pt")."""
    return f"{scaled_font(scale).pointSizeF():.1f}pt"


def style_axis(axis: pg.AxisItem, scale: float) -> None:
    """Dark tick marks, tick text and label, in the font at `scale`."""
    axis.setPen(INK)
    axis.setTextPen(INK)
    axis.setTickFont(scaled_font(scale))
    if axis.labelText:
        axis.setLabel(axis.labelText, color=INK.name(), **{"font-size": point_size(scale)})


def style_plot(plot: pg.PlotItem, scale: float) -> None:
    """Every shown axis and the title of `plot` at `scale`."""
    for side in SIDES:  # hidden ones too: a plot may show them later
        style_axis(plot.getAxis(side), scale)
    if plot.titleLabel.isVisible() and plot.titleLabel.text:
        plot.setTitle(plot.titleLabel.text, color=INK.name(), size=point_size(scale))
        # setTitle keeps the title's row 30 pixels high, too low for large text
        height = QFontMetrics(scaled_font(scale)).height() + 8
        plot.titleLabel.setMaximumHeight(max(30, height))
        plot.layout.setRowFixedHeight(0, max(30, height))


def style_legend(legend: pg.LegendItem, scale: float) -> None:
    """Legend labels, present and future, in dark text at `scale`."""
    size = point_size(scale)
    legend.opts["labelTextColor"] = INK  # for labels added later
    legend.opts["labelTextSize"] = size
    for _sample, label in legend.items:
        label.setText(label.text, color=INK, size=size)  # setAttr alone keeps the old look
    legend.updateSize()
