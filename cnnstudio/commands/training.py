"""Commands that make and train runs: train, spec and project."""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

from cnnstudio.commands import EXIT_FAILED_RUN
from cnnstudio.commands.outputs import writing
from cnnstudio.core.errors import CnnstudioError


def spec_from_args(args: argparse.Namespace, base: Any = None) -> Any:
    """The spec file or project named on the command line (else `base`, else the default),
    with the flags' changes applied."""
    from cnnstudio.core.spec.project import is_project_file, load_project
    from cnnstudio.core.spec.run_spec import RunSpec, load_spec

    path = getattr(args, "spec", None)
    if path is not None:
        spec = load_project(path).spec if is_project_file(path) else load_spec(path)
    else:
        spec = base if base is not None else RunSpec()
    if args.dataset:
        spec = spec.with_dataset(args.dataset)
    if getattr(args, "preset", None):
        spec = spec.with_preset(args.preset)
    data = spec.to_dict()
    _apply_data_choices(args, data)
    overrides = {
        ("training", "epochs"): getattr(args, "epochs", None),
        ("training", "batch_size"): getattr(args, "batch_size", None),
        ("optimizer", "name"): getattr(args, "optimizer", None),
        ("optimizer", "lr"): getattr(args, "lr", None),
    }
    for (section, key), value in overrides.items():
        if value is not None:
            data[section][key] = value
    for key in ("device", "seed"):
        if getattr(args, key, None) is not None:
            data[key] = getattr(args, key)
    return RunSpec.from_dict(data)  # validates the overrides like any other field


def _apply_data_choices(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """Dataset flags land where the dataset keeps them: a folder decodes at the chosen size."""
    from cnnstudio.core.data.sources.registry import get_source

    dataset = data["dataset"]
    own_folder = get_source(dataset["name"]).needs_path
    if getattr(args, "data_dir", None):
        if own_folder:
            dataset["options"]["path"] = str(args.data_dir)
        else:
            dataset["data_dir"] = str(args.data_dir)
    for flag, key in (("image_size", "size"), ("channels", "channels")):
        value = getattr(args, flag, None)
        if value is not None:
            data["input"][key] = value
            if own_folder:
                dataset["options"][flag] = value
    if getattr(args, "val_fraction", None) is not None:
        dataset["options"]["val_fraction"] = args.val_fraction
    for text in getattr(args, "data_option", None) or ():
        key, value = _data_option(dataset["name"], text)
        dataset["options"][key] = value


def _data_option(dataset: str, text: str) -> tuple[str, Any]:
    """--data-option KEY=VALUE: one of the dataset's options, its value checked as the
    spec's would be (CnnstudioError in plain words if not)."""
    from cnnstudio.core.data.sources.registry import get_source

    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals or not key:
        raise CnnstudioError(f"--data-option {text}: expected KEY=VALUE, e.g. train_size=1000")
    options = {param.name: param for param in get_source(dataset).options}
    if key not in options:
        known = ", ".join(options) or "none"
        raise CnnstudioError(
            f"--data-option {text}: the {dataset} dataset has no option {key!r}; its options: "
            f"{known}"
        )
    return key, options[key].parse(value, f"--data-option {key}")


def train(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.session import RunSession
    from cnnstudio.core.training.control import TrainingControl
    from cnnstudio.progress import ConsoleProgress

    if args.resume and args.init_from:
        raise CnnstudioError("--resume goes on with a run; --init-from starts a new one: pick one")
    if args.resume and args.out:
        raise CnnstudioError("--resume goes on in the run's own folder; leave --out out")
    if args.resume:
        session = RunSession.resume(args.resume, lambda saved: spec_from_args(args, base=saved))
    else:
        spec = spec_from_args(args)
        runs_dir = None if args.out else _default_runs_dir(args)
        session = RunSession.new(spec, args.out, runs_dir, args.init_from)
    with session:
        for line in session.notes:
            print(line, file=sys.stderr)
        data = load_data_saying_so(session.spec)
        control = TrainingControl()
        notes: list[Any] = []
        with ctrl_c_stops(control):
            result = session.train(data, control, [ConsoleProgress()], coach_listener=notes.append)
    _say_how_it_ended(result, session.folder)
    _say_coach_notes(notes, session.folder)
    return EXIT_FAILED_RUN if result.status == "failed" else 0


def load_data_saying_so(spec: Any) -> Any:
    """The spec's images, saying what is loading and how many files could not be read."""
    from cnnstudio.core.data.sources.registry import get_source
    from cnnstudio.core.training.prepare import load_dataset

    print(f"Loading {get_source(spec.dataset['name']).title}...", file=sys.stderr)
    data = load_dataset(spec)
    if data.skipped:
        print(
            f"Skipped {len(data.skipped)} unreadable file(s); `cnnstudio inspect` lists them.",
            file=sys.stderr,
        )
    return data


def _say_coach_notes(notes: list[Any], out: Path) -> None:
    """The coach's notes of this session, short: the title and what to try (the report and
    coach.json also say what each means)."""
    if not notes:
        return
    count = f"{len(notes)} note{'s' if len(notes) > 1 else ''}"
    print(
        f"Coach ({count}; what each means: cnnstudio report {out} --out report.html):",
        file=sys.stderr,
    )
    for note in notes:
        print(f"  {note.where}: {note.title}.", file=sys.stderr)
        print(
            textwrap.fill(
                f"Try {note.advice}", 100, initial_indent="    ", subsequent_indent="    "
            ),
            file=sys.stderr,
        )


def _say_how_it_ended(result: Any, out: Path) -> None:
    if result.status == "failed":
        print(f"cnnstudio: training failed: {result.reason}", file=sys.stderr)
    elif result.status == "stopped":
        print(
            f"Stopped: {result.reason}. Go on later with: cnnstudio train --resume {out}",
            file=sys.stderr,
        )
    if result.best_epoch is not None:
        print(
            f"Best validation accuracy {result.best_val_accuracy:.2%} at epoch "
            f"{result.best_epoch} ({result.seconds:.1f}s).",
            file=sys.stderr,
        )
    print(f"Run saved in {out}", file=sys.stderr)


def _default_runs_dir(args: argparse.Namespace) -> Path:
    """Beside the project file, else ./runs."""
    from cnnstudio.core.spec.project import is_project_file, load_project

    if args.spec is not None and is_project_file(args.spec):
        return load_project(args.spec).runs_dir
    return Path("runs")


class ctrl_c_stops:
    """First Ctrl+C stops the run after the current batch (files stay complete); a second aborts."""

    def __init__(self, control: Any) -> None:
        self.control = control

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGINT, self._handle)

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: object) -> None:
        if self.control.stop_requested:
            raise KeyboardInterrupt
        # The flag first: a second press that interrupts this message must find it set.
        self.control.request_stop("interrupted with Ctrl+C")
        print("\nStopping after this batch (Ctrl+C again to abort)...", file=sys.stderr)


def print_spec(args: argparse.Namespace) -> int:
    sys.stdout.write(spec_from_args(args).to_json())
    return 0


def save_project(args: argparse.Namespace) -> int:
    from cnnstudio.core.spec.project import Project, load_project, save_project

    existing = load_project(args.path) if args.path.exists() else None
    args.spec = None  # the flags change the project's own spec
    spec = spec_from_args(args, base=existing.spec if existing else None)
    project = Project(args.path, spec, existing.runs_folder if existing else "runs")
    with writing(args.path, "the project"):
        save_project(project)
    verb = "Updated" if existing else "Created"
    print(f"{verb} {args.path}; its runs go in {project.runs_dir}.", file=sys.stderr)
    return 0
