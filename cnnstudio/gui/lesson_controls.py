"""What a lesson locks and hides in the window, and how it is all given back.

A locked setting is greyed out with "Locked by the lesson." in its tooltip (a disabled editor
takes no clicks or keystrokes); a hidden control is not shown at all. Locks are set on the
editors themselves, so a panel enabling itself again after a run leaves them locked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTabWidget, QWidget

from cnnstudio.core.spec.lesson import SECTIONS
from cnnstudio.gui.panels.guidance import advanced_switch
from cnnstudio.gui.panels.wording import label
from cnnstudio.gui.param_form import ParamForm

if TYPE_CHECKING:
    from cnnstudio.gui.main_window import MainWindow

LOCKED = "Locked by the lesson."
# The words for a whole section, in the lesson panel's "Locked by the lesson" line.
SECTION_WORDS = {
    "dataset": "the dataset",
    "input": "the input size",
    "augment": "augmentation",
    "layers": "the layer stack",
    "optimizer": "the optimizer",
    "schedule": "the learning-rate schedule",
    "training": "the training options",
    "seed": "the seed",
    "device": "the device",
}


def describe_lock(path: str) -> str:
    """A lock path in the window's words: "the layer stack", "Learning rate"."""
    section, _, name = path.partition(".")
    return label(section, name) if name else SECTION_WORDS[section]


class Restrictions:
    """Applies a lesson's locks and hidden controls to `window`, and undoes them."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.locked: tuple[str, ...] = ()
        self.hidden: tuple[str, ...] = ()
        self.tips: dict[QWidget, str] = {}  # tooltips of locked widgets, given back on unlock

    def apply(self, locked: tuple[str, ...], hidden: tuple[str, ...]) -> None:
        self.clear()
        self.locked, self.hidden = locked, hidden
        # Held, not switched off: the person's own choice stays saved for after the lesson.
        advanced_switch().hold_hidden("advanced" in hidden, "lesson")
        self.refresh()

    def refresh(self) -> None:
        """Lock and hide again: a panel may have rebuilt an editor (a dataset's options)."""
        for path in self.locked:
            self._lock(path, LOCKED)
        for name in self.hidden:
            self._hide(name, True)

    def clear(self) -> None:
        """Everything unlocked and shown, the advanced switch as chosen."""
        for path in self.locked:
            self._lock(path, None)
        for name in self.hidden:
            self._hide(name, False)
        advanced_switch().hold_hidden(False, "lesson")
        self.locked, self.hidden = (), ()
        model = self.window.model_panel
        model.set_layers(model.layers)  # "Use preset" is enabled again only where it applies

    # -- locks --------------------------------------------------------------------------------
    def _lock(self, path: str, why: str | None) -> None:
        section, _, name = path.partition(".")
        for form, names in self._forms(section, name):
            for each in names:
                form.set_locked(each, why)
        for widget in self._widgets(section):
            if why is None:
                widget.setToolTip(self.tips.pop(widget, widget.toolTip()))
            else:
                self.tips.setdefault(widget, widget.toolTip())
                widget.setToolTip(f"{self.tips[widget]} {why}".strip())
            widget.setEnabled(why is None)

    def _forms(self, section: str, name: str) -> list[tuple[ParamForm, list[str]]]:
        data, training = self.window.dataset_panel, self.window.training_panel
        forms = {
            "input": data.input_form,
            "augment": data.augment_form,
            "optimizer": training.optimizer,
            "schedule": training.schedule,
            "training": training.training,
        }
        if section in SECTIONS:
            return [(forms[section], [name] if name else [p.name for p in SECTIONS[section]])]
        if section == "dataset" and data.options_form is not None:
            return [(data.options_form, [p.name for p in data.options_form.params])]
        if section == "layers":
            return [
                (form, [p.name for p in form.params])
                for form in self.window.model_panel.settings_forms.values()
            ]
        return []

    def _widgets(self, section: str) -> list[QWidget]:
        data, model = self.window.dataset_panel, self.window.model_panel
        if section == "dataset":
            return [data.source_box, data.folder_widget]
        if section == "layers":
            return [
                model.preset_box,
                model.use_preset_button,
                model.add_button,
                *model.buttons.values(),
            ]
        if section == "seed":
            return [self.window.training_panel.seed]
        if section == "device":
            return [self.window.training_panel.device]
        return []

    # -- hidden controls ----------------------------------------------------------------------
    def _hide(self, name: str, hidden: bool) -> None:
        window = self.window
        tabs = {
            "dataset_tab": (window.settings_tabs, window.dataset_panel),
            "model_editor": (window.settings_tabs, window.model_panel),
            "training_tab": (window.settings_tabs, window.training_panel),
            "runs_tab": (window.view_tabs, window.runs_view),
        }
        if name in tabs:
            tab_widget, page = tabs[name]
            index = _tab_of(tab_widget, page)
            tab_widget.setTabVisible(index, not hidden)
            if tab_widget is window.view_tabs:  # View > Runs (Ctrl+5) would show it
                window.menu_actions[f"view{index}"].setVisible(not hidden)
        elif name == "augmentation":
            window.dataset_panel.augment_box.setVisible(not hidden)
        elif name == "export":
            for key in ("predict", "export", "report"):
                window.runs_view.buttons[key].setVisible(not hidden)
            window.menu_actions["predict"].setVisible(not hidden)


def _tab_of(tabs: QTabWidget, page: QWidget) -> int:
    """The index of the tab showing `page` (directly, or inside a scroll area)."""
    for index in range(tabs.count()):
        widget = tabs.widget(index)
        if widget is not None and (widget is page or widget.isAncestorOf(page)):
            return index
    raise LookupError(f"no tab shows {page!r}")
