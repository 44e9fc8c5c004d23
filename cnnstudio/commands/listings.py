"""Commands that list and check: presets, datasets, layers, devices, lessons, inspect, download,
selftest, and the glossary."""

from __future__ import annotations

import argparse
import sys
import textwrap

from cnnstudio.commands.training import spec_from_args
from cnnstudio.core.errors import CnnstudioError


def selftest(args: argparse.Namespace) -> int:
    from cnnstudio.gui.selftest import run_selftest  # the window is part of what is checked

    return run_selftest()


def list_presets(args: argparse.Namespace) -> int:
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


def list_datasets(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.sources.locations import resolve_data_dir
    from cnnstudio.core.data.sources.registry import list_sources
    from cnnstudio.core.params import check_params
    from cnnstudio.core.spec.variants import show_setting

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
        defaults = ", ".join(
            f"{p.name}={'null' if p.default is None else show_setting(p.default)}"
            for p in source.options
        )
        _print_wrapped(f"Options (--data-option KEY=VALUE; the defaults): {defaults}")
    return 0


def inspect(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.inspect import inspect_data
    from cnnstudio.core.training.prepare import dataset_source, load_dataset

    spec = spec_from_args(args)
    print(f"{dataset_source(spec).title}:")
    for line in inspect_data(load_dataset(spec)).describe():
        print(line)
    return 0


def download(args: argparse.Namespace) -> int:
    from cnnstudio.core.data.sources.download import download_dataset
    from cnnstudio.core.data.sources.registry import get_source

    source = get_source(args.dataset)
    print(f"Downloading {source.title}...", file=sys.stderr)
    where = download_dataset(args.dataset, args.data_dir)
    print(f"{source.title} is ready in {where}.", file=sys.stderr)
    return 0


def list_layers(args: argparse.Namespace) -> int:
    from cnnstudio.core.model.layers import LAYER_TYPES

    for layer in LAYER_TYPES.values():
        settings = ", ".join(f"{p.name}={p.default}" for p in layer.params)
        print(f"{layer.name:<16}{layer.title}" + (f"  ({settings})" if settings else ""))
        _print_wrapped(layer.description)
    return 0


def list_devices(args: argparse.Namespace) -> int:
    from cnnstudio.core.training.device import available_devices

    for device in available_devices():
        print(f"{device.name:<8}{device.description}")
    return 0


def glossary(args: argparse.Namespace) -> int:
    """One term's paragraph, or every term when none is named."""
    from cnnstudio.glossary import entries, lookup, search

    name = " ".join(args.term)
    if not name:
        for listed in entries():
            print(f"{listed.term:<24}{', '.join(listed.aliases)}"[:96].rstrip())
        print("\ncnnstudio glossary TERM explains one (e.g. cnnstudio glossary lr).")
        return 0
    entry = lookup(name)
    if entry is None:
        near = ", ".join(found.term for found in search(name)[:5])
        hint = f"entries that mention it: {near}" if near else "cnnstudio glossary lists them all"
        raise CnnstudioError(f'the glossary has no entry "{name}"; {hint}')
    print(entry.term)
    print(textwrap.fill(entry.text, width=96))
    return 0


def list_lessons(args: argparse.Namespace) -> int:
    from cnnstudio.core.spec.lesson import load_lesson
    from cnnstudio.lessons import lesson_name, shipped_lesson_paths

    paths = shipped_lesson_paths()
    for path in paths:
        lesson = load_lesson(path)
        print(f"{lesson_name(path):<16}{lesson.title}")
        _print_wrapped(lesson.summary)
    if paths:
        print(f"\nOpen one in the window (File > Lessons), or: cnnstudio {paths[0]}")
    return 0


def _print_wrapped(text: str) -> None:
    print(textwrap.fill(text, width=96, initial_indent=" " * 16, subsequent_indent=" " * 16))
