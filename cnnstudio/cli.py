"""The command line: the same core as the window, without Qt.

Every user mistake ends with one line on stderr (``cnnstudio: error: ...``) and exit status 2; a run
that fails while training (non-finite loss, out of memory) prints its message and exits with 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cnnstudio import __version__
from cnnstudio.commands import (
    EXIT_FAILED_RUN,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    explain,
    listings,
    lr_find,
    outputs,
    race,
    training,
)
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.spec.lesson import LESSON_SUFFIX
from cnnstudio.core.spec.project import PROJECT_SUFFIX

log = logging.getLogger(__name__)
WINDOW_FILES = (PROJECT_SUFFIX, LESSON_SUFFIX)  # `cnnstudio FILE` opens them in the window


def run(argv: list[str]) -> int:
    if len(argv) == 1 and Path(argv[0]).suffix in WINDOW_FILES:
        return _window(Path(argv[0]))  # a project or lesson double-clicked in a file manager
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _window()
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


def _window(path: Path | None = None) -> int:
    """The window, opening `path` (a project or a lesson) when given."""
    from cnnstudio.gui.display import display_problem

    problem = display_problem()  # before Qt, which would abort instead of explaining
    if problem:
        print(f"cnnstudio: {problem}", file=sys.stderr)
        return EXIT_FAILED_RUN
    from cnnstudio.gui.app import run_gui  # Qt is imported only for the window

    return run_gui(path)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnstudio",
        description="Train convolutional neural networks on image datasets. With no command, "
        "the window opens; `cnnstudio FILE.cnnstudio` or `cnnstudio FILE.cnnlesson` opens that "
        "project or lesson in it.",
    )
    parser.add_argument("--version", action="version", version=f"cnnstudio {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and save the run folder")
    _add_spec_file(train)
    _add_spec_choices(train)
    _add_data_choices(train)
    _add_run_choices(train)
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
    train.set_defaults(handler=training.train)

    racing = commands.add_parser(
        "race", help="train 2 to 6 variants of a spec side by side and rank them"
    )
    _add_spec_file(racing)
    racing.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="SETTING=V1,V2",
        help="a setting and its values, e.g. optimizer=sgd,adam or lr=0.1,0.01 (once or twice)",
    )
    _add_spec_choices(racing)
    _add_data_choices(racing)
    _add_run_choices(racing)
    racing.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="new or empty folder: one run folder per variant in it",
    )
    racing.set_defaults(handler=race.race)

    finder = commands.add_parser(
        "lr-find", help="find a learning rate: the range test on a fresh network of the spec"
    )
    _add_spec_file(finder)
    _add_spec_choices(finder)
    _add_data_choices(finder)
    _add_run_choices(finder)
    finder.add_argument(
        "--batches",
        type=int,
        metavar="N",
        help="training batches the rate takes to grow from 1e-7 to 10 (default: 800)",
    )
    finder.add_argument(
        "--plot", type=Path, metavar="FILE.png", help="save the loss against the rate (a new file)"
    )
    finder.set_defaults(handler=lr_find.lr_find)

    predict = commands.add_parser("predict", help="classify image files with a trained network")
    _add_checkpoint_and_images(predict)
    predict.add_argument("--top", type=int, default=3, help="classes to show per image")
    predict.set_defaults(handler=outputs.predict)

    explainer = commands.add_parser(
        "explain",
        help="show what a trained network sees in image files: feature maps, filters, Grad-CAM",
    )
    _add_checkpoint_and_images(explainer)
    explainer.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="new or empty folder: one folder per image in it",
    )
    explainer.add_argument(
        "--layer",
        metavar="NAME",
        help="layer Grad-CAM explains, by name (conv2) or number (default: the last "
        "convolution with maps larger than 1x1)",
    )
    explainer.add_argument(
        "--target",
        metavar="CLASS",
        help="class to explain, by name or 0-based number (default: the predicted class)",
    )
    explainer.set_defaults(handler=explain.explain)

    export = commands.add_parser(
        "export", help="export a trained network (TorchScript, ONNX) or a training script"
    )
    export.add_argument("checkpoint", type=Path, help="a run's best.pt or last.pt (or its folder)")
    export.add_argument(
        "--format", required=True, choices=("torchscript", "onnx", "script"), dest="export_format"
    )
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.set_defaults(handler=outputs.export)

    report = commands.add_parser(
        "report", help="a run's HTML report, curve plot (PNG/SVG) or metrics CSV"
    )
    report.add_argument("run_dir", type=Path, help="the run folder")
    report.add_argument("--out", type=Path, required=True, help="FILE.html, .png, .svg or .csv")
    report.set_defaults(handler=outputs.report)

    project = commands.add_parser(
        "project", help="create or update a .cnnstudio project file (the window opens it too)"
    )
    project.add_argument("path", type=Path, help="project file, e.g. digits.cnnstudio")
    _add_spec_choices(project)
    _add_data_choices(project)
    project.set_defaults(handler=training.save_project)

    spec = commands.add_parser("spec", help="print a complete run spec to edit")
    _add_spec_choices(spec)
    _add_data_choices(spec)
    spec.set_defaults(handler=training.print_spec)

    inspect = commands.add_parser("inspect", help="check a dataset before training on it")
    inspect.add_argument("dataset", help="dataset name (see: cnnstudio datasets)")
    _add_data_choices(inspect)
    inspect.set_defaults(handler=listings.inspect)

    download = commands.add_parser("download", help="download a benchmark dataset")
    download.add_argument("dataset", help="dataset name (see: cnnstudio datasets)")
    download.add_argument("--data-dir", type=Path, help="where datasets are kept")
    download.set_defaults(handler=listings.download)

    datasets = commands.add_parser("datasets", help="list the datasets and whether they are here")
    datasets.add_argument("--data-dir", type=Path, help="where datasets are kept")
    datasets.set_defaults(handler=listings.list_datasets)

    glossary = commands.add_parser("glossary", help="explain a word the window uses")
    glossary.add_argument("term", nargs="*", help="e.g. epoch, lr, dropout (none: list all)")
    glossary.set_defaults(handler=listings.glossary)

    for name, handler, text in (
        (
            "selftest",
            listings.selftest,
            "check that this installation works: window, training, files",
        ),
        ("presets", listings.list_presets, "list the ready-made layer stacks"),
        ("layers", listings.list_layers, "list the layers a stack can use"),
        ("devices", listings.list_devices, "list the devices this machine can train on"),
        ("lessons", listings.list_lessons, "list the lessons that come with cnnstudio"),
    ):
        commands.add_parser(name, help=text).set_defaults(handler=handler)
    return parser


def _add_checkpoint_and_images(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", type=Path, help="a run's best.pt or last.pt (or its folder)")
    parser.add_argument("images", nargs="+", type=Path, help="image files")


def _add_spec_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec", nargs="?", type=Path, help="run spec JSON or .cnnstudio project (default: built-in)"
    )


def _add_spec_choices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", help="dataset name (see: cnnstudio datasets)")
    parser.add_argument("--preset", help="layer stack (see: cnnstudio presets)")


def _add_run_choices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, help="passes over the training data")
    parser.add_argument("--batch-size", type=int, help="images per update step")
    parser.add_argument("--optimizer", help="sgd, adam, adamw or rmsprop")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--seed", type=int, help="random seed (same seed, same result on CPU)")


def _add_data_choices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="where datasets are kept; for --dataset folder, the folder"
    )
    parser.add_argument("--image-size", type=int, help="square image size fed to the network")
    parser.add_argument("--channels", type=int, help="1 (grayscale) or 3 (colour)")
    parser.add_argument("--val-fraction", type=float, help="share of images kept for validation")
    parser.add_argument(
        "--data-option",
        action="append",
        metavar="KEY=VALUE",
        help="one of the dataset's options, e.g. train_size=1000 (repeatable; cnnstudio "
        "datasets lists each dataset's)",
    )
