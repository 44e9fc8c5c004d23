"""Render resources/cnnstudio.svg into the raster icons the installers need (run after editing it).

resources/cnnstudio.png   256 px, for Linux desktops that want a bitmap
resources/cnnstudio.ico   Windows (16-256 px)
resources/cnnstudio.icns  macOS
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def render(size: int) -> Image.Image:
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    QGuiApplication.instance() or QGuiApplication([])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(RESOURCES / "cnnstudio.svg")).render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data())))


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    large = render(1024)
    render(256).save(RESOURCES / "cnnstudio.png")
    sizes = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
    render(256).save(RESOURCES / "cnnstudio.ico", sizes=sizes)
    large.save(RESOURCES / "cnnstudio.icns")
    print("wrote cnnstudio.png, .ico and .icns in", RESOURCES)


if __name__ == "__main__":
    main()
