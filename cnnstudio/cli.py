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
        from cnnstudio.gui.app import run_gui  # Qt is imported only for the window

        return run_gui()
    try:
        return args.handler(args)
    except CnnstudioError as error:
        print(f"cnnstudio: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = None  # type: ignore[assignment]  # nothing left to flush at exit
        return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnstudio", description="Train convolutional neural networks on image datasets."
    )
    parser.add_argument("--version", action="version", version=f"cnnstudio {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and save the run folder")
    train.add_argument("spec", nargs="?", type=Path, help="run spec JSON (default: built-in)")
    _add_spec_choices(train)
    _add_data_choices(train)
    train.add_argument("--epochs", type=int, help="passes over the training data")
    train.add_argument("--batch-size", type=int, help="images per update step")
    train.add_argument("--optimizer", help="sgd, adam, adamw or rmsprop")
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument("--seed", type=int, help="random seed (same seed, same result on CPU)")
    train.add_argument("--out", type=Path, help="run folder (default: runs/DATE-TIME-DATASET)")
    train.set_defaults(handler=_train)

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


def _spec_from_args(args: argparse.Namespace) -> Any:
    from cnnstudio.core.spec import RunSpec, load_spec

    spec = load_spec(args.spec) if getattr(args, "spec", None) else RunSpec()
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
    from cnnstudio.core.datasets import get_source

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
    from cnnstudio.core.control import TrainingControl
    from cnnstudio.core.device import resolve_device
    from cnnstudio.core.engine import Trainer
    from cnnstudio.core.prepare import check_stack, dataset_source, load_dataset
    from cnnstudio.core.run_folder import RunFolderWriter
    from cnnstudio.core.weights import save_weights
    from cnnstudio.progress import ConsoleProgress

    spec = _spec_from_args(args)
    source = dataset_source(spec)
    check_stack(spec)  # problems that need no images are reported before any is loaded
    resolve_device(spec.device)

    out = args.out or Path("runs") / f"{datetime.now():%Y%m%d-%H%M%S}-{source.name}"
    print(f"Loading {source.title}...", file=sys.stderr)
    data = load_dataset(spec)
    if data.skipped:
        print(
            f"Skipped {len(data.skipped)} unreadable file(s); `cnnstudio inspect` lists them.",
            file=sys.stderr,
        )
    control = TrainingControl()
    trainer = Trainer(spec, data, control)
    with _ctrl_c_stops(control):
        result = trainer.fit([ConsoleProgress(), RunFolderWriter(out, spec)])
    save_weights(
        out / "model.pt",
        trainer.model,
        spec,
        trainer.data.class_names,
        trainer.data.input_shape,
        list(trainer.normalizer.mean),
        list(trainer.normalizer.std),
    )
    if result.status == "failed":
        print(f"cnnstudio: training failed: {result.reason}", file=sys.stderr)
    elif result.status == "stopped":
        print(f"Stopped: {result.reason}.", file=sys.stderr)
    if result.best_epoch is not None:
        print(
            f"Best validation accuracy {result.best_val_accuracy:.2%} at epoch "
            f"{result.best_epoch} ({result.seconds:.1f}s).",
            file=sys.stderr,
        )
    print(f"Run saved in {out}", file=sys.stderr)
    return EXIT_FAILED_RUN if result.status == "failed" else 0


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


def _list_presets(args: argparse.Namespace) -> int:
    from cnnstudio.core.datasets import DEFAULT_DATASET, get_source
    from cnnstudio.core.presets import PRESETS
    from cnnstudio.core.shapes import analyse_stack

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
    from cnnstudio.core.datasets import list_sources
    from cnnstudio.core.datasets.locations import resolve_data_dir
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
    from cnnstudio.core.datasets.inspect import inspect_data
    from cnnstudio.core.prepare import dataset_source, load_dataset

    spec = _spec_from_args(args)
    print(f"{dataset_source(spec).title}:")
    for line in inspect_data(load_dataset(spec)).describe():
        print(line)
    return 0


def _download(args: argparse.Namespace) -> int:
    from cnnstudio.core.datasets import get_source
    from cnnstudio.core.datasets.download import download_dataset

    source = get_source(args.dataset)
    print(f"Downloading {source.title}...", file=sys.stderr)
    where = download_dataset(args.dataset, args.data_dir)
    print(f"{source.title} is ready in {where}.", file=sys.stderr)
    return 0


def _list_layers(args: argparse.Namespace) -> int:
    from cnnstudio.core.layers import LAYER_TYPES

    for layer in LAYER_TYPES.values():
        settings = ", ".join(f"{p.name}={p.default}" for p in layer.params)
        print(f"{layer.name:<16}{layer.title}" + (f"  ({settings})" if settings else ""))
        _print_wrapped(layer.description)
    return 0


def _list_devices(args: argparse.Namespace) -> int:
    from cnnstudio.core.device import available_devices

    for device in available_devices():
        print(f"{device.name:<8}{device.description}")
    return 0


def _print_wrapped(text: str) -> None:
    print(textwrap.fill(text, width=96, initial_indent=" " * 16, subsequent_indent=" " * 16))
