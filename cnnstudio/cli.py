"""The command line: the same core as the window, without Qt.

Every user mistake ends with one line on stderr (``cnnstudio: error: ...``) and exit status 2; a run
that fails while training (non-finite loss, out of memory) prints its message and exits with 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from cnnstudio import __version__
from cnnstudio.core.errors import CnnstudioError

EXIT_FAILED_RUN = 1
EXIT_USAGE = 2


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
        print(f"cnnstudio: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = None  # nothing left to flush at exit
        return 0


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
    from cnnstudio.core.runs.checkpoint import read_checkpoint
    from cnnstudio.core.runs.run_folder import RunFolderWriter
    from cnnstudio.core.training.control import TrainingControl
    from cnnstudio.core.training.device import resolve_device
    from cnnstudio.core.training.engine import Trainer
    from cnnstudio.core.training.prepare import check_stack, dataset_source, load_dataset
    from cnnstudio.progress import ConsoleProgress

    if args.resume and args.init_from:
        raise CnnstudioError("--resume goes on with a run; --init-from starts a new one: pick one")
    resume = read_checkpoint(_checkpoint_in(args.resume, "last.pt")) if args.resume else None
    spec = _spec_for_run(args, resume)
    if resume is not None and resume["training"]["epochs_completed"] >= spec.training["epochs"]:
        raise CnnstudioError(
            f"{args.resume}: the run already trained all {spec.training['epochs']} epochs. To "
            f"train longer, start a new run from its weights: --init-from {args.resume}/best.pt "
            "--epochs N"
        )
    source = dataset_source(spec)
    check_stack(spec)  # problems that need no images are reported before any is loaded
    resolve_device(spec.device)
    start = read_checkpoint(_checkpoint_in(args.init_from, "best.pt")) if args.init_from else None

    out = args.resume or args.out or _default_run_dir(args, source.name)
    print(f"Loading {source.title}...", file=sys.stderr)
    data = load_dataset(spec)
    if data.skipped:
        print(
            f"Skipped {len(data.skipped)} unreadable file(s); `cnnstudio inspect` lists them.",
            file=sys.stderr,
        )
    control = TrainingControl()
    trainer = Trainer(spec, data, control)
    if resume is not None:
        trainer.restore(resume["state_dict"], resume["training"])
        print(f"Resuming {out} after epoch {trainer.epochs_completed}.", file=sys.stderr)
    if start is not None:
        trainer.load_weights(start["state_dict"], str(args.init_from))
    with _ctrl_c_stops(control):
        # The folder first: an epoch shown on the console is already saved.
        result = trainer.fit([RunFolderWriter(out, trainer), ConsoleProgress()])
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
    return EXIT_FAILED_RUN if result.status == "failed" else 0


def _spec_for_run(args: argparse.Namespace, resume: dict[str, Any] | None) -> Any:
    """The spec to train; a resumed run keeps its own, and a changed one is refused."""
    from cnnstudio.core.spec.run_spec import RunSpec

    if resume is None:
        return _spec_from_args(args)
    saved = RunSpec.from_dict(resume["spec"])
    changed = saved.differences(_spec_from_args(args, base=saved))
    if changed:
        raise CnnstudioError(
            f"{args.resume} was trained with other settings ({'; '.join(changed)}). Resuming goes "
            "on exactly as the run was set up; to train with new settings from its weights, "
            f"start a new run: cnnstudio train --init-from {args.resume}/last.pt ..."
        )
    return saved


def _checkpoint_in(path: Path, name: str) -> Path:
    """A checkpoint file, or the named one inside a run folder."""
    return path / name if path.is_dir() else path


def _default_run_dir(args: argparse.Namespace, dataset: str) -> Path:
    from cnnstudio.core.spec.project import is_project_file, load_project

    name = f"{datetime.now():%Y%m%d-%H%M%S}-{dataset}"
    if args.spec is not None and is_project_file(args.spec):
        return load_project(args.spec).runs_dir / name
    return Path("runs") / name


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

    path = write_output(read_run(args.run_dir), args.out)
    print(f"Wrote {path}.", file=sys.stderr)
    return 0


def _save_project(args: argparse.Namespace) -> int:
    from cnnstudio.core.spec.project import Project, load_project, save_project

    existing = load_project(args.path) if args.path.exists() else None
    args.spec = None  # the flags change the project's own spec
    spec = _spec_from_args(args, base=existing.spec if existing else None)
    project = Project(args.path, spec, existing.runs_folder if existing else "runs")
    save_project(project)
    verb = "Updated" if existing else "Created"
    print(f"{verb} {args.path}; its runs go in {project.runs_dir}.", file=sys.stderr)
    return 0


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
        print("\nStopping after this batch (Ctrl+C again to abort)...", file=sys.stderr)
        self.control.request_stop("interrupted with Ctrl+C")


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
