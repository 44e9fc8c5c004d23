"""The embedding map (issue 11): dots coloured by class, and pointing at a dot shows its image."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF

from cnnstudio.gui.views.embedding import EmbeddingPoints, EmbeddingView


def points_data():
    images = np.zeros((3, 3, 8, 8), np.uint8)
    images[1, 0] = 255  # a red image, to recognise in the thumbnail
    return EmbeddingPoints(
        points=np.array([[0.0, 0.0], [5.0, 5.0], [10.0, 0.0]], np.float32),
        labels=np.array([0, 1, 1]),
        predictions=np.array([0, 0, 1]),
        images=images,
        class_names=["cat", "dog"],
        epoch=3,
    )


def test_pointing_at_a_dot_shows_its_image_and_what_the_network_made_of_it(qtbot):
    view = EmbeddingView()
    qtbot.addWidget(view)
    view.resize(700, 450)
    view.show()
    qtbot.waitExposed(view)
    view.show_points(points_data())
    assert "3 validation images, 1 of them predicted wrongly" in view.summary.text()
    view_box = view.plot.getPlotItem().getViewBox()
    view_box.autoRange()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][1] >= 10)

    dot = view.plot.mapFromScene(view_box.mapViewToScene(QPointF(5, 5)))
    # From nearby first: the pointer may already rest where the dot is (no move, no event).
    qtbot.mouseMove(view.plot.viewport(), dot + QPoint(3, 3))
    qtbot.mouseMove(view.plot.viewport(), dot)
    qtbot.waitUntil(lambda: "dog" in view.caption.text())
    assert view.caption.text() == "dog (predicted cat)"
    thumbnail = view.thumbnail.pixmap().toImage()
    colour = thumbnail.pixelColor(thumbnail.width() // 2, thumbnail.height() // 2)
    assert (colour.red(), colour.green(), colour.blue()) == (255, 0, 0)

    away = view.plot.mapFromScene(view_box.mapViewToScene(QPointF(5, 0)))
    assert view.nearest(view.plot.mapToScene(away)) is None  # between dots: nothing picked
