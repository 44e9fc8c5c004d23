"""The command line: the same core as the window, without Qt.

Every user mistake ends with one line on stderr (``cnnstudio: error: ...``) and exit status 2; a run
that fails while training (non-finite loss, out of memory) prints its message and exits with 1.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cnnstudio import __version__
from cnnstudio.core.errors import CnnstudioError

EXIT_FAILED_RUN = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # what shells report for a program ended by Ctrl+C

log = logging.getLogger(__name__)


def run(argv: list[str]) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from cnnstudio.gui.display import display_problem

        problem = display_problem()  # before Qt, which would abort instead of explaining
        if problem:
            print(f"cnnstudio: {problem}", file=sys.stderr)
            return EXIT_FAILED_RUN
        from cnnstudio.gui.app import run_gui  # Qt is imported only for the window

        return run_gui()
    try:
        return args.handler(args)
    except CnnstudioError as error:
        log.info("%s: %s", args.command, error, exc_info=error.__cause__ or error.__context__)
        print(f"cnnstudio: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = None  # nothing left to flush at exit
        return 0
    except KeyboardInterrupt:  # Ctrl+C outside training, or a second one during it
        log.info("%s: interrupted", args.command)
        print(
            "\ncnnstudio: aborted (files are written whole or not at all; a run keeps every "
            "finished epoch)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnstudio", description="Train convolutional neural networks on image datasets."
    )
    parser.add_argument("--version", action="version", version=f"cnnstudio {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and save the run folder")
    train.add_argument(
        "spec", nargs="?", type=Path, help="run spec JSON or .cnnstudio project (default: built-in)"
    )
    _add_spec_choices(train)
    _add_data_choices(train)
    train.add_argument("--epochs", type=int, help="passes over the training data")
    train.add_argument("--batch-size", type=int, help="images per update step")
    train.add_argument("--optimizer", help="sgd, adam, adamw or rmsprop")
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--seed", type=int, help="random seed (same seed, same result on CPU)")
    train.add_argument(
        "--out", type=Path, help="run folder (default: runs/DATE-TIME-DATASET beside the project)"
    )
    train.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="go on with a stopped run from its last.pt"
    )
    train.add_argument(
        "--init-from",
        type=Path,
        metavar="CHECKPOINT",
        help="start a new run from a checkpoint's weights (same layer stack)",
    )
    train.set_defaults(handler=_train)

    predict = commands.add_parser("predict", help="classify image files with a trained network")
    predict.add_argument("checkpoint", type=Path, help="a run's best.pt or last.pt (or its folder)")
    predict.add_argument("images", nargs="+", type=Path, help="image files")
    predict.add_argument("--top", type=int, default=3, help="classes to show per image")
    predict.set_defaults(handler=_predict)

    export = commands.add_parser(
        "export", help="export a trained network (TorchScript, ONNX) or a training script"
    )
    export.add_argument("checkpoint", type=Path, help="a run's best.pt or last.pt (or its folder)")
    export.add_argument(
        "--format", required=True, choices=("torchscript", "onnx", "script"), dest="export_format"
    )
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.set_defaults(handler=_export)

    report = commands.add_parser(
        "report", help="a run's HTML report, curve plot (PNG/SVG) or metrics CSV"
    )
    report.add_argument("run_dir", type=Path, help="the run folder")
    report.add_argument("--out", type=Path, required=True, help="FILE.html, .png, .svg or .csv")
    report.set_defaults(handler=_report)

    project = commands.add_parser(
        "project", help="create or update a .cnnstudio project file (the window opens it too)"
    )
    project.add_argument("path", type=Path, help="project file, e.g. digits.cnnstudio")
    _add_spec_choices(project)
    _add_data_choices(project)
    project.set_defaults(handler=_save_project)

    spec = commands.add_parser("spec", help="print a complete run spec to edit")
    _add_spec_choices(spec)
    _add_data_choices(spec)
    spec.set_defaults(handler=_print_spec)

    inspect = commands.add_parser("inspect", help="check a dataset before training on it")
    inspect.add_argument("dataset", help="dataset name (see: cnnstudio datasets)")
    _add_data_choices(inspect)
    inspect.set_defaults(handler=_inspect)

    download = commands.add_parser("download", help="download a benchmark dataset")
    download.add_argument("dataset", help="dataset name (see: cnnstudio datasets)")
    download.add_argument("--data-dir", type=Path, help="where datasets are kept")
    download.set_defaults(handler=_download)

    datasets = commands.add_parser("datasets", help="list the datasets and whether they are here")
    datasets.add_argument("--data-dir", type=Path, help="where datasets are kept")
    datasets.set_defaults(handler=_list_datasets)

    for name, handler, text in (
        ("selftest", _selftest, "check that this installation works: window, training, files"),
        ("presets", _list_presets, "list the ready-made layer stacks"),
        ("layers", _list_layers, "list the layers a stack can use"),
        ("devices", _list_devices, "list the devices this machine can train on"),
    ):
        commands.add_parser(name, help=text).set_defaults(handler=handler)
    return parser


def _add_spec_choices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", help="dataset name (see: cnnstudio datasets)")
    parser.add_argument("--preset", help="layer stack (see: cnnstudio presets)")


def _add_data_choices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="where datasets are kept; for --dataset folder, the folder"
    )
    parser.add_argument("--image-size", type=int, help="square image size fed to the network")
    parser.add_argument("--channels", type=int, help="1 (grayscale) or 3 (colour)")
    parser.add_argument("--val-fraction", type=float, help="share of images kept for validation")


def _spec_from_args(args: argparse.Namespace, base: Any = None) -> Any:
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


def _train(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.sources.registry import get_source
    from cnnstudio.core.runs.session import RunSession
    from cnnstudio.core.training.control import TrainingControl
    from cnnstudio.progress import ConsoleProgress

    if args.resume and args.init_from:
        raise CnnstudioError("--resume goes on with a run; --init-from starts a new one: pick one")
    if args.resume and args.out:
        raise CnnstudioError("--resume goes on in the run's own folder; leave --out out")
    if args.resume:
        session = RunSession.resume(args.resume, lambda saved: _spec_from_args(args, base=saved))
    else:
        spec = _spec_from_args(args)
        runs_dir = None if args.out else _default_runs_dir(args)
        session = RunSession.new(spec, args.out, runs_dir, args.init_from)
    with session:
        for line in session.notes:
            print(line, file=sys.stderr)
        print(f"Loading {get_source(session.spec.dataset['name']).title}...", file=sys.stderr)
        data = session.load_data()
        if data.skipped:
            print(
                f"Skipped {len(data.skipped)} unreadable file(s); `cnnstudio inspect` lists them.",
                file=sys.stderr,
            )
        control = TrainingControl()
        with _ctrl_c_stops(control):
            result = session.train(data, control, [ConsoleProgress()])
    _say_how_it_ended(result, session.folder)
    return EXIT_FAILED_RUN if result.status == "failed" else 0


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


def _checkpoint_in(path: Path, name: str) -> Path:
    """A checkpoint file, or the named one inside a run folder."""
    return path / name if path.is_dir() else path


def _predict(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.checkpoint import load_model
    from cnnstudio.core.runs.predict import predict_files

    if args.top < 1:
        raise CnnstudioError("--top: expected 1 or more")
    saved = load_model(_checkpoint_in(args.checkpoint, "best.pt"))
    result = predict_files(saved, args.images, args.top)
    for prediction in result.predictions:
        ranked = ", ".join(f"{name} {p:.1%}" for name, p in prediction.top)
        print(f"{prediction.path}: {ranked}")
    if not result.predictions:
        first = result.skipped[0]
        more = f" (and {len(result.skipped) - 1} more)" if len(result.skipped) > 1 else ""
        raise CnnstudioError(f"no image could be read: {first.path}: {first.reason}{more}")
    for skipped in result.skipped:
        print(f"Skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.checkpoint import load_model

    saved = load_model(_checkpoint_in(args.checkpoint, "best.pt"))
    if args.export_format == "script":
        from cnnstudio.core.export.script import export_script

        export_script(saved, args.out)
        print(
            f"Wrote {args.out}. Run it with: python {args.out.name}  (or torchrun "
            f"--nproc_per_node=N {args.out.name})",
            file=sys.stderr,
        )
        return 0
    from cnnstudio.core.export.models import export_model

    exported = export_model(saved, args.export_format, args.out)
    print(f"Wrote {exported.path} and {exported.metadata_path.name}.", file=sys.stderr)
    print(f"Parity check: the exported model {exported.parity.describe()}.", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from cnnstudio.core.runs.history import read_run
    from cnnstudio.core.runs.report import write_output

    record = read_run(args.run_dir)
    with _writing(args.out, "the report"):
        path = write_output(record, args.out)
    print(f"Wrote {path}.", file=sys.stderr)
    return 0


def _save_project(args: argparse.Namespace) -> int:
    from cnnstudio.core.spec.project import Project, load_project, save_project

    existing = load_project(args.path) if args.path.exists() else None
    args.spec = None  # the flags change the project's own spec
    spec = _spec_from_args(args, base=existing.spec if existing else None)
    project = Project(args.path, spec, existing.runs_folder if existing else "runs")
    with _writing(args.path, "the project"):
        save_project(project)
    verb = "Updated" if existing else "Created"
    print(f"{verb} {args.path}; its runs go in {project.runs_dir}.", file=sys.stderr)
    return 0


@contextmanager
def _writing(path: Path, what: str) -> Iterator[None]:
    """A write that fails (full disk, no permission, no such folder) as one plain message."""
    try:
        yield
    except OSError as error:
        from cnnstudio.core.runs.folders import why_not_written

        log.info("writing %s failed", path, exc_info=True)
        raise CnnstudioError(f"{path}: cannot save {what} ({why_not_written(error)})") from None


class _ctrl_c_stops:
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


def _print_spec(args: argparse.Namespace) -> int:
    sys.stdout.write(_spec_from_args(args).to_json())
    return 0


def _selftest(args: argparse.Namespace) -> int:
    from cnnstudio.gui.selftest import run_selftest  # the window is part of what is checked

    return run_selftest()


def _list_presets(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.sources.registry import DEFAULT_DATASET, get_source
    from cnnstudio.core.model.presets import PRESETS
    from cnnstudio.core.model.shapes import analyse_stack

    source = get_source(DEFAULT_DATASET)
    shape = source.native_shape({})
    classes = len(source.class_names({}))
    print(f"Sizes are for {'x'.join(map(str, shape))} input and {classes} classes.\n")
    for preset in PRESETS.values():
        report = analyse_stack(preset.layers, shape, classes)
        print(
            f"{preset.name:<16}{preset.title}  ({report.total_params:,} parameters, "
            f"{report.total_macs / 1e6:.1f} M multiply-adds per image)"
        )
        _print_wrapped(preset.description)
    return 0


def _list_datasets(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.sources.locations import resolve_data_dir
    from cnnstudio.core.data.sources.registry import list_sources
    from cnnstudio.core.params import check_params

    print(f"Data directory: {resolve_data_dir(args.data_dir)}\n")
    for source in list_sources():
        if source.needs_path:
            about = "any size; train with --dataset folder --data-dir YOUR_FOLDER"
        else:
            options = check_params(source.options, {}, "options")
            shape = "x".join(map(str, source.native_shape(options)))
            ready = source.is_available(args.data_dir)
            state = "ready" if ready else f"not here: cnnstudio download {source.name}"
            about = f"{shape}, {len(source.class_names(options))} classes, {state}"
        print(f"{source.name:<16}{source.title}  ({about})")
        _print_wrapped(source.description)
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.inspect import inspect_data
    from cnnstudio.core.training.prepare import dataset_source, load_dataset

    spec = _spec_from_args(args)
    print(f"{dataset_source(spec).title}:")
    for line in inspect_data(load_dataset(spec)).describe():
        print(line)
    return 0


def _download(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.sources.download import download_dataset
    from cnnstudio.core.data.sources.registry import get_source

    source = get_source(args.dataset)
    print(f"Downloading {source.title}...", file=sys.stderr)
    where = download_dataset(args.dataset, args.data_dir)
    print(f"{source.title} is ready in {where}.", file=sys.stderr)
    return 0


def _list_layers(args: argparse.Namespace) -> int:
    from cnnstudio.core.model.layers import LAYER_TYPES

    for layer in LAYER_TYPES.values():
        settings = ", ".join(f"{p.name}={p.default}" for p in layer.params)
        print(f"{layer.name:<16}{layer.title}" + (f"  ({settings})" if settings else ""))
        _print_wrapped(layer.description)
    return 0


def _list_devices(args: argparse.Namespace) -> int:
    from cnnstudio.core.training.device import available_devices

    for device in available_devices():
        print(f"{device.name:<8}{device.description}")
    return 0


def _print_wrapped(text: str) -> None:
    print(textwrap.fill(text, width=96, initial_indent=" " * 16, subsequent_indent=" " * 16))
