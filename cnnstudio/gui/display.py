"""Can the window open here? Checked before Qt starts, because Qt aborts the process (with a
message few people can act on) when the X11 platform plugin's system libraries are missing."""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from pathlib import Path

# The Debian/Ubuntu packages of the libraries Qt's xcb plugin needs beyond a basic X11 system.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-util.so.1": "libxcb-util1",
}
APT_COMMAND = "sudo apt install " + " ".join(XCB_PACKAGES.values())
DNF_COMMAND = "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms libxkbcommon-x11"


def display_problem() -> str | None:
    """Why the window cannot open on this system, in plain words; None if it can."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, ...: not the X11 plugin
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return (
            "No display found: the cnnstudio window needs a desktop session. Headless, use the "
            "command line (cnnstudio --help), or set QT_QPA_PLATFORM=offscreen."
        )
    library = _xcb_plugin_library()
    if library is None:
        return None  # an unusual Qt layout: let Qt itself try
    try:
        ctypes.CDLL(str(library))
    except OSError as error:
        return missing_library_message(str(error))
    return None


def missing_library_message(loader_error: str) -> str:
    match = re.search(r"(lib[\w.+-]+\.so[\d.]*): cannot open shared object", loader_error)
    missing = match.group(1) if match else loader_error
    package = XCB_PACKAGES.get(missing)
    hint = f" (package {package})" if package else ""
    return (
        f"The cnnstudio window cannot open: the system library {missing}{hint} is missing. "
        "Qt needs it to draw windows on X11. Install the window libraries, then start cnnstudio "
        f"again:\n  Debian, Ubuntu: {APT_COMMAND}\n  Fedora: {DNF_COMMAND}"
    )


def _xcb_plugin_library() -> Path | None:
    """The Qt library behind the xcb platform plugin, inside the installed PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    library = Path(spec.submodule_search_locations[0]) / "Qt" / "lib" / "libQt6XcbQpa.so.6"
    return library if library.exists() else None
