"""The wheel holds every package and resource; the installers' files fit together."""

import os
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from cnnstudio.core.spec.lesson import LESSON_SUFFIX
from cnnstudio.core.spec.project import PROJECT_SUFFIX

tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_lists_every_package_directory():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "cnnstudio").rglob("__init__.py")
    }
    assert found | {"cnnstudio.resources"} == listed


def test_the_icon_is_reachable_as_a_package_resource():
    icon = files("cnnstudio.resources") / "cnnstudio.svg"
    assert icon.is_file() and icon.read_text().startswith("<svg")


APP_ID = "io.github.cnnstudio.cnnstudio"


def test_desktop_metadata_agrees_with_itself():
    desktop = (ROOT / "resources" / f"{APP_ID}.desktop").read_text()
    metainfo = (ROOT / "resources" / f"{APP_ID}.metainfo.xml").read_text()
    assert f"Icon={APP_ID}" in desktop and "Exec=cnnstudio %f\n" in desktop  # %f: a file
    mime = (ROOT / "resources" / f"{APP_ID}.mime.xml").read_text()
    for kind, suffix in (("project", PROJECT_SUFFIX), ("lesson", LESSON_SUFFIX)):
        assert f"application/x-cnnstudio-{kind};" in desktop
        assert f'<mime-type type="application/x-cnnstudio-{kind}">' in mime
        assert f'<glob pattern="*{suffix}"/>' in mime
    assert f"<id>{APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in metainfo


def test_the_linux_install_script_registers_and_removes_the_app(tmp_path):
    stage = tmp_path / "cnnstudio-0-linux"
    (stage / "cnnstudio").mkdir(parents=True)
    program = stage / "cnnstudio" / "cnnstudio"
    program.write_text("#!/bin/sh\necho frozen cnnstudio\n")
    program.chmod(0o755)
    for name in (
        f"{APP_ID}.desktop",
        f"{APP_ID}.metainfo.xml",
        f"{APP_ID}.mime.xml",
        "cnnstudio.svg",
        "cnnstudio.png",
    ):
        shutil.copy2(ROOT / "resources" / name, stage / name)
    shutil.copy2(ROOT / "packaging" / "linux" / "install.sh", stage / "install.sh")
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    subprocess.run(["sh", str(stage / "install.sh")], check=True, env=env, capture_output=True)
    data = home / ".local" / "share"
    entry = (data / "applications" / f"{APP_ID}.desktop").read_text()
    assert f"Exec={home}/.local/opt/cnnstudio/cnnstudio %f\n" in entry
    assert (data / "mime" / "packages" / f"{APP_ID}.xml").exists()  # .cnnlesson opens the app
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").exists()
    command = home / ".local" / "bin" / "cnnstudio"
    assert subprocess.run([str(command)], capture_output=True, text=True).stdout == (
        "frozen cnnstudio\n"
    )
    subprocess.run(
        ["sh", str(stage / "install.sh"), "--uninstall"], check=True, env=env, capture_output=True
    )
    assert not command.exists() and not (data / "applications" / f"{APP_ID}.desktop").exists()
    assert not (data / "mime" / "packages" / f"{APP_ID}.xml").exists()
    assert not (home / ".local" / "opt" / "cnnstudio").exists()
