"""Labels on the vertical lines drawn across curves (a setting changed there, the coach spoke
there), kept inside the plot and off each other.

A label sits beside its line: right of it, or left of it once the line is in the right half of
the view (pyqtgraph picks the side as the view changes), so a line at the run's end keeps its
words in the plot. Neighbouring lines, left to right, take turns at a few heights, whoever drew
them, so labels of nearby lines do not cover each other.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg

# Of the plot's height, from the bottom: a label (22 px high) centred at the first is not cut
# at the top of the Runs tab's small preview, and labels a row apart clear each other in the
# Curves tab's plots at 1024x768 and the preview (over 110 px high).
LABEL_HEIGHTS = (0.88, 0.68, 0.48)
BESIDE = [(0, 0.5), (1, 0.5)]  # the text's anchor: right of the line, or left of it


def stack(lines: Iterable[pg.InfiniteLine]) -> None:
    """Give the labels of `lines` (labelled vertical lines of one plot) their heights in turn,
    left to right; hidden lines take none."""
    shown = sorted((line for line in lines if line.isVisible()), key=lambda line: line.value())
    for index, line in enumerate(shown):
        line.label.setPosition(LABEL_HEIGHTS[index % len(LABEL_HEIGHTS)])
