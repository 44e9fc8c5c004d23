"""Make docs/screenshot.png (the window during a run on the built-in dataset) and docs/inside.png
(its Inside tab at the same moment, showing the first convolution's feature maps).

Run from the repository root, on a display or a virtual one:
    xvfb-run -s "-screen 0 1600x1000x24" python docs/make_screenshot.py
(QT_QPA_PLATFORM=offscreen also works.) It trains the tutorial CNN and takes the picture while
the fourth of six epochs is under way, so curves, the best-epoch line and the matrix are all there.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

# The window saves every run; keep this script's runs out of the user's data folder (Linux).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()

from cnnstudio.gui.app import create_application

OUT = Path(__file__).with_name("screenshot.png")
INSIDE = Path(__file__).with_name("inside.png")


def main() -> int:
    app = create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # leave the user's settings alone
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from cnnstudio.gui.main_window import MainWindow

    window = MainWindow()
    window.resize(1500, 920)
    window.show()
    window.training_panel.training.editors["epochs"].setValue(6)

    def start_when_loaded() -> None:
        if window.loaded is None or window.jobs.busy():
            QTimer.singleShot(200, start_when_loaded)
            return
        window.train_button.click()
        QTimer.singleShot(200, shoot_mid_run)

    def shoot_mid_run() -> None:
        last = window.curves.series["loss:batch"]
        if len(window.presenter.epochs) < 3 or last.count == 0 or last.x[last.count - 1] < 3.5:
            QTimer.singleShot(100, shoot_mid_run)
            return
        window.curves.refresh()
        app.processEvents()
        window.grab().save(str(OUT))
        print(f"wrote {OUT}")
        window.pause_button.click()  # hold the run while the Inside tab is drawn
        window.view_tabs.setCurrentWidget(window.inside)
        window.inside_presenter._on_layer_clicked(0)  # the first convolution, as a click does
        QTimer.singleShot(300, shoot_inside)

    def shoot_inside() -> None:
        if not window.inside_presenter.snapshots or window.inside.picture.heat.image is None:
            QTimer.singleShot(100, shoot_inside)
            return
        app.processEvents()
        window.grab().save(str(INSIDE))
        print(f"wrote {INSIDE}")
        window.controller.shutdown()  # stop the run first: closing during a run asks
        window.close()

    QTimer.singleShot(0, start_when_loaded)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
