"""Project files: a run spec and the settings around it, saved by the window and the CLI.

A project is JSON (``.cnnstudio``): the spec as the window last edited it, and where its runs go
(a folder inside the project file's folder, unless the user gives an absolute path). Opening
validates the whole file first, so a damaged or foreign file gives one clear error and nothing is
half-opened.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnstudio.core.errors import SpecError
from cnnstudio.core.files import read_json, write_atomic
from cnnstudio.core.spec.run_spec import RunSpec

PROJECT_FORMAT = "cnnstudio.project"
PROJECT_VERSION = 1
PROJECT_SUFFIX = ".cnnstudio"


@dataclass(frozen=True)
class Project:
    path: Path
    spec: RunSpec
    runs_folder: str = "runs"  # inside the project file's folder, or an absolute path

    @property
    def runs_dir(self) -> Path:
        return self.path.parent / self.runs_folder


def check_runs_folder(path: Path, value: Any) -> str:
    """`value` if it is an absolute folder (the user's choice) or one inside the project's
    folder; a relative path that leads out of it ("../..") is refused."""
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{path}: runs_folder: expected a folder name")
    if Path(value).is_absolute():
        return value
    home = os.path.normpath(path.parent.absolute())
    where = os.path.normpath(os.path.join(home, value))
    if os.path.commonpath([home, where]) != home:
        raise SpecError(
            f"{path}: runs_folder {value!r} leads outside the project's folder; give a folder "
            "inside it, or an absolute path if the runs belong elsewhere"
        )
    return value


def save_project(project: Project) -> None:
    check_runs_folder(project.path, project.runs_folder)
    document = {
        "format": PROJECT_FORMAT,
        "version": PROJECT_VERSION,
        "runs_folder": project.runs_folder,
        "spec": project.spec.to_dict(),
    }
    write_atomic(project.path, json.dumps(document, indent=2) + "\n")


def load_project(path: str | Path) -> Project:
    path = Path(path)
    document: Any = read_json(path)  # a damaged or hostile file is a plain SpecError
    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT:
        raise SpecError(f'{path}: not a cnnstudio project (no "format": "{PROJECT_FORMAT}")')
    if document.get("version") != PROJECT_VERSION:
        raise SpecError(
            f"{path}: project version {document.get('version')!r}; this cnnstudio reads version "
            f"{PROJECT_VERSION}"
        )
    unknown = set(document) - {"format", "version", "runs_folder", "spec"}
    if unknown:
        raise SpecError(f"{path}: unknown field {sorted(unknown)[0]!r}")
    runs_folder = check_runs_folder(path, document.get("runs_folder", "runs"))
    try:
        spec = RunSpec.from_dict(document.get("spec"))
    except SpecError as error:
        raise SpecError(f"{path}: spec.{error}") from None
    return Project(path, spec, runs_folder)


def is_project_file(path: str | Path) -> bool:
    return Path(path).suffix == PROJECT_SUFFIX
