"""Problems shown in the settings panels come with their fix as a button, clicked as a person
would."""

from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QLabel

from tests.core.test_benchmark_datasets import offline
from tests.datafiles import write_image, write_mnist
from tests.gui.panel_helpers import choose, click, replace_text


def button(panel, text):
    found = [b for b in panel.findChildren(QAbstractButton) if b.text() == text and b.isVisible()]
    assert len(found) == 1, f"{text!r}: {[b.text() for b in panel.findChildren(QAbstractButton)]}"
    return found[0]


def texts_containing(window, words):
    return [label.text() for label in window.findChildren(QLabel) if words in label.text()]


def choose_folder_in_dialog(monkeypatch, folder: Path):
    """The file dialog is the system's; a person picks `folder` in it."""
    monkeypatch.setattr(
        "cnnstudio.gui.file_dialogs.QFileDialog.getExistingDirectory",
        lambda *args, **kwargs: str(folder),
    )


def test_mnist_offline_says_so_once_with_retry_and_i_have_the_files(
    qtbot, window, tmp_path, monkeypatch
):
    panel = window.dataset_panel
    choose(qtbot, panel.source_box, "MNIST")
    qtbot.waitUntil(
        lambda: panel.message.fix_labels() == ["Download", "I have the files: choose folder"]
    )
    assert panel.class_table.rowCount() == 0  # the shapes' classes are not MNIST's
    qtbot.waitUntil(
        lambda: window.reason_label.text() == "Cannot train yet: MNIST is not downloaded yet."
    )
    offline(monkeypatch)
    click(qtbot, button(panel, "Download"))
    qtbot.waitUntil(lambda: "Retry" in panel.message.fix_labels(), timeout=30_000)
    assert panel.message.text.text() == (
        "No internet connection: cnnstudio could not reach the download server."
    )
    assert len(texts_containing(window, "internet")) == 1 and window.warnings == []
    assert "urlopen" not in panel.message.text.toolTip() and "cnnstudio download" not in (
        window.reason_label.text()
    )
    click(qtbot, button(panel, "Retry"))
    qtbot.waitUntil(lambda: "Retry" in panel.message.fix_labels(), timeout=30_000)
    write_mnist(tmp_path / "fetched")
    choose_folder_in_dialog(monkeypatch, tmp_path / "fetched" / "MNIST" / "raw")
    click(qtbot, button(panel, "I have the files: choose folder"))
    qtbot.waitUntil(
        lambda: window.loaded is not None and window.loaded.data.class_names[0] == "0",
        timeout=30_000,
    )
    assert window.train_button.isEnabled()
    assert window.spec.dataset["data_dir"] == str(tmp_path / "fetched")


def write_folder(root: Path, classes: int, size, splits=("",), per_class=6) -> Path:
    """`classes` subfolders of grey images, class k as bright as 30 + 60k; inside train/ and
    val/ when `splits` names them."""
    for split in splits:
        for label in range(classes):
            for i in range(per_class):
                path = root / split / f"class{label}" / f"{i}.png"
                write_image(path, size, mode="L", value=30 + 60 * label)
    return root


def browse_to(qtbot, window, monkeypatch, folder, classes):
    panel = window.dataset_panel
    choose(qtbot, panel.source_box, "Your own images")
    choose_folder_in_dialog(monkeypatch, folder)
    click(qtbot, button(panel, "Browse..."))
    qtbot.waitUntil(
        lambda: (
            window.loaded is not None
            and window.loaded.data.class_names == [f"class{i}" for i in range(classes)]
        ),
        timeout=30_000,
    )


def test_images_too_small_for_the_model_offer_a_resize_and_a_preset_that_fits(
    qtbot, window, tmp_path, monkeypatch
):
    browse_to(qtbot, window, monkeypatch, write_folder(tmp_path / "digits", 3, (8, 8)), 3)
    model = window.model_panel
    window.settings_tabs.setCurrentWidget(model)
    assert not window.train_button.isEnabled()
    assert model.problem_box.fix_labels() == ["Resize images to 32x32", "Use preset Small VGG"]
    click(qtbot, button(model, "Resize images to 32x32"))
    assert window.spec.input["size"] == 32 and window.train_button.isEnabled()
    assert model.problem_box.fix_labels() == [] and model.problem_box.text.text() == ""
    window.settings_tabs.setCurrentIndex(0)
    replace_text(qtbot, window.dataset_panel.input_form.editors["size"], "8")
    window.settings_tabs.setCurrentWidget(model)
    assert not window.train_button.isEnabled()
    click(qtbot, button(model, "Use preset Small VGG"))
    assert model.preset_box.currentText() == "Small VGG" and window.train_button.isEnabled()


def test_augmentation_preview_of_a_folder_shows_several_classes(
    qtbot, window, tmp_path, monkeypatch
):
    folder = write_folder(tmp_path / "four", 4, (16, 16), ("train", "val"), per_class=20)
    browse_to(qtbot, window, monkeypatch, folder, 4)
    preview = window.dataset_panel.preview
    qtbot.waitUntil(lambda: len(grey_images(preview)) == 16, timeout=30_000)  # not the shapes'
    classes = {round((mean_grey(image) - 30) / 60) for image in grey_images(preview)}
    assert len(classes) >= 3


def grey_images(grid):
    """The images the grid shows now, if all of them are grey."""
    cells = [grid.grid.itemAt(i).widget() for i in range(grid.grid.count())]
    images = [cell.findChild(QLabel).pixmap().toImage() for cell in cells]
    return images if all(image.isGrayscale() for image in images) else []


def mean_grey(image):
    return sum(
        QColor(image.pixel(x, y)).red() for x in range(image.width()) for y in range(image.height())
    ) / (image.width() * image.height())
