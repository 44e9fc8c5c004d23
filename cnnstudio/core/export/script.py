"""Exporting a run as a standalone PyTorch training script, in the shape the tutorial teaches.

The script has no cnnstudio in it: imports, the run's settings, (1) the data with torchvision
transforms, (2) the network as an `nn.Module`, (3) loss and optimizer, (4) training and (5)
evaluation loops, and saving the weights. `python train.py` trains on one device;
`torchrun --nproc_per_node=N train.py` trains with DistributedDataParallel.

The data pipeline is the tutorial's (per-image torchvision transforms in DataLoader workers), not
cnnstudio's batched one, so the augmentation draws differ while the settings are the same.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from string import Template
from typing import Any

from cnnstudio import __version__
from cnnstudio.core.data.sources import builtin_shapes
from cnnstudio.core.data.sources.locations import resolve_data_dir
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.data.sources.torchvision_sets import TorchvisionSource
from cnnstudio.core.export.script_template import SCRIPT_TEMPLATE
from cnnstudio.core.files import plain_write_errors, write_atomic
from cnnstudio.core.model.build import OWN_MODULES, module_call
from cnnstudio.core.model.layers import member_names
from cnnstudio.core.model.shapes import analyse_stack
from cnnstudio.core.runs.checkpoint import SavedModel


def export_script(saved: SavedModel, out: str | Path) -> Path:
    """Write the training script for the checkpoint's run to `out`."""
    out = Path(out)
    text = script_text(saved)
    with plain_write_errors(out):
        write_atomic(out, text)
    return out


def script_text(saved: SavedModel) -> str:
    spec = saved.spec
    training, optimizer = spec.training, spec.optimizer
    data_code = _data_code(saved)
    script_body = data_code + "DataLoader("
    return Template(SCRIPT_TEMPLATE).substitute(
        version=__version__,
        dataset_title=get_source(spec.dataset["name"]).title,
        epochs=training["epochs"],
        batch_size=training["batch_size"],
        lr=repr(optimizer["lr"]),
        seed=spec.seed,
        data_dir=repr(str(_data_dir(spec))),
        classes=_tuple(saved.class_names),
        mean=_tuple(round(m, 6) for m in saved.mean),
        std=_tuple(round(s, 6) for s in saved.std),
        label_smoothing=repr(training["label_smoothing"]),
        grad_clip=repr(training["grad_clip"]),
        patience=repr(training["early_stopping_patience"]),
        mixed_precision=repr(training["mixed_precision"]),
        data_code=data_code,
        model_code=_model_code(saved),
        optimizer_code=_optimizer_code(optimizer),
        scheduler_code=_scheduler_code(spec.schedule),
        per_batch_schedule=repr(spec.schedule["name"] in ("cosine", "onecycle")),
        torchvision_import="import torchvision\n" if "torchvision." in data_code else "",
        data_imports=", ".join(
            name
            for name in ("DataLoader", "Dataset", "Subset")
            if re.search(rf"\b{name}\b", script_body)
        ),
    )


def _tuple(values: Any) -> str:
    """A tuple literal: on one line if it fits, else one item per line."""
    items = [repr(v) for v in values]
    line = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if len(line) <= 80:
        return line
    return "(\n" + "".join(f"    {item},\n" for item in items) + ")"


def _data_dir(spec: Any) -> Path:
    if spec.dataset["name"] == "folder":
        return Path(spec.dataset["options"]["path"]).expanduser().resolve()
    return resolve_data_dir(spec.dataset["data_dir"]).resolve()


def _data_code(saved: SavedModel) -> str:
    """Code defining `make_datasets(data_dir) -> (train_set, val_set)` with the transforms."""
    spec = saved.spec
    name, options = spec.dataset["name"], spec.dataset["options"]
    native, wanted = saved.native_shape, saved.input_shape
    convert = []
    if name == "folder":
        size = native[1]
        convert += [f"T.Resize({size})", f"T.CenterCrop({size})"]
        if native[0] == 1:
            convert.append("T.Grayscale()")
    if wanted[0] != native[0]:
        convert.append("T.Grayscale()" if wanted[0] == 1 else "T.RGB()")
    if wanted[1:] != native[1:]:
        convert.append(f"T.Resize(({wanted[1]}, {wanted[2]}))")
    augment = _augment_transforms(spec.augment, wanted)
    erase = augment.pop() if augment and augment[-1].startswith("T.RandomErasing") else None
    finish = ["T.ToDtype(torch.float32, scale=True)", "T.Normalize(MEAN, STD)"]
    train = ["T.ToImage()", *convert, *augment, *finish, *([erase] if erase else [])]
    val = ["T.ToImage()", *convert, *finish]
    lines = [
        "train_transform = T.Compose(",
        "    [",
        *(f"        {t}," for t in train),
        "    ]",
        ")",
        "val_transform = T.Compose(",
        "    [",
        *(f"        {t}," for t in val),
        "    ]",
        ")",
        "",
        "",
    ]
    if name == "shapes":
        body = _shapes_code(options)
    elif name == "folder":
        body = _folder_code(options)
    else:
        body = _torchvision_code(name, options)
    return "\n".join(lines) + body


def _augment_transforms(augment: dict[str, Any], shape: tuple[int, ...]) -> list[str]:
    fill = "FILL"
    transforms = []
    if augment["crop_padding"]:
        transforms.append(
            f"T.RandomCrop(({shape[1]}, {shape[2]}), padding={augment['crop_padding']}, "
            f"fill={fill})"
        )
    if augment["hflip"]:
        transforms.append("T.RandomHorizontalFlip()")
    if augment["rotation"]:
        transforms.append(f"T.RandomRotation({augment['rotation']!r}, fill={fill})")
    if augment["brightness"] or augment["contrast"]:
        transforms.append(
            f"T.ColorJitter(brightness={augment['brightness']!r}, contrast={augment['contrast']!r})"
        )
    if augment["cutout"]:  # after Normalize: 0 is the mean colour, as cnnstudio fills
        share = min(1.0, augment["cutout"] ** 2 / (shape[1] * shape[2]))
        transforms.append(
            f"T.RandomErasing(p=1.0, scale=({share:.4g}, {share:.4g}), ratio=(1.0, 1.0), value=0)"
        )
    return transforms


def _shapes_code(options: dict[str, Any]) -> str:
    # cnnstudio imports torch inside these functions (its window starts without torch); the
    # script imports it once at the top.
    functions = "\n\n".join(
        inspect.getsource(f).replace("    import torch\n\n", "")
        for f in (builtin_shapes._distance, builtin_shapes.draw_shapes, builtin_shapes._split)
    )
    return (
        "# The built-in Shapes dataset, drawn exactly as cnnstudio draws it.\n"
        f"SIZE = {builtin_shapes.SIZE}\n"
        "CLASS_NAMES = CLASSES\n\n\n"
        f"{functions}\n\n"
        "class TensorImages(Dataset):\n"
        '    """uint8 images (N, C, H, W) and their labels, transformed one at a time."""\n\n'
        "    def __init__(self, images, labels, transform):\n"
        "        self.images, self.labels, self.transform = images, labels, transform\n\n"
        "    def __len__(self):\n"
        "        return len(self.labels)\n\n"
        "    def __getitem__(self, index):\n"
        "        return self.transform(self.images[index]), int(self.labels[index])\n\n\n"
        "def make_datasets(data_dir):\n"
        f"    seed = {options['seed']}\n"
        f"    train_images, train_labels = _split({options['train_size']}, seed * 2)\n"
        f"    val_images, val_labels = _split({options['val_size']}, seed * 2 + 1)\n"
        "    return (\n"
        "        TensorImages(train_images, train_labels, train_transform),\n"
        "        TensorImages(val_images, val_labels, val_transform),\n"
        "    )\n"
    )


def _split_code(fraction: float, seed: int, make: str) -> str:
    """Code carving a validation share out of one dataset built twice (two transforms)."""
    return (
        f"    train_full = {make.format(transform='train_transform')}\n"
        f"    val_full = {make.format(transform='val_transform')}  # same images, no augmentation\n"
        f"    generator = torch.Generator().manual_seed({seed})\n"
        "    order = torch.randperm(len(train_full), generator=generator)\n"
        f"    val_count = round(len(order) * {fraction!r})\n"
        "    return Subset(train_full, order[val_count:]), Subset(val_full, order[:val_count])\n"
    )


def _torchvision_code(name: str, options: dict[str, Any]) -> str:
    source = get_source(name)
    assert isinstance(source, TorchvisionSource)  # every other dataset has its own code above
    layout = source.layout
    cls = f"torchvision.datasets.{layout.class_name}"
    if layout.kind == "svhn":
        split = {True: 'split="train"', False: 'split="test"'}
        root = f'os.path.join(data_dir, "{layout.folder}")'
    else:
        split = {True: "train=True", False: "train=False"}
        root = "data_dir"
    make = f"{cls}({root}, {split[True]}, download=True, transform={{transform}})"
    code = "def make_datasets(data_dir):\n"
    if options["val_fraction"] is None:
        val = f"{cls}({root}, {split[False]}, download=True, transform=val_transform)"
        return code + (
            f"    train_set = {make.format(transform='train_transform')}\n"
            f"    val_set = {val}  # the official test split validates\n"
            "    return train_set, val_set\n"
        )
    return code + _split_code(options["val_fraction"], 0, make)


def _folder_code(options: dict[str, Any]) -> str:
    make = "torchvision.datasets.ImageFolder(data_dir, transform={transform})"
    return (
        "def make_datasets(data_dir):\n"
        '    """One subfolder per class; train/ and val/ subfolders when the folder has them."""\n'
        '    train_dir, val_dir = os.path.join(data_dir, "train"), os.path.join(data_dir, "val")\n'
        "    if os.path.isdir(train_dir) and os.path.isdir(val_dir):\n"
        "        return (\n"
        "            torchvision.datasets.ImageFolder(train_dir, transform=train_transform),\n"
        "            torchvision.datasets.ImageFolder(val_dir, transform=val_transform),\n"
        "        )\n" + _split_code(options["val_fraction"], options["split_seed"], make)
    )


def _model_code(saved: SavedModel) -> str:
    report = analyse_stack(saved.spec.layers, saved.input_shape, len(saved.class_names))
    report.raise_if_invalid()
    members, steps, own = [], [], []
    names = member_names(saved.spec.layers)
    for row, member in zip(report.rows, names, strict=True):
        class_name, args = module_call(row)
        if class_name in OWN_MODULES:
            if class_name not in own:
                own.append(class_name)
            call = f"{class_name}({', '.join(map(repr, args))})"
        else:
            call = f"nn.{class_name}({', '.join(map(repr, args))})"
        members.append(f"        self.{member} = {call}")
        shape = "x".join(map(str, row.output_shape))
        steps.append(f"        x = self.{member}(x)  # -> {shape}")
    classes = "".join(inspect.getsource(OWN_MODULES[name]) + "\n\n" for name in own)
    shape = "x".join(map(str, saved.input_shape))
    return (
        f"{classes}class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n" + "\n".join(members) + "\n\n"
        f"    def forward(self, x):  # x: a batch of {shape} images\n"
        + "\n".join(steps)
        + "\n        return x\n"
    )


def _optimizer_code(settings: dict[str, Any]) -> str:
    name, decay = settings["name"], settings["weight_decay"]
    if name == "sgd":
        return (
            f"torch.optim.SGD(parameters, lr=lr, momentum={settings['momentum']!r}, "
            f"weight_decay={decay!r}, nesterov={settings['nesterov']!r})"
        )
    if name == "rmsprop":
        return (
            f"torch.optim.RMSprop(parameters, lr=lr, momentum={settings['momentum']!r}, "
            f"weight_decay={decay!r})"
        )
    cls = {"adam": "Adam", "adamw": "AdamW"}[name]
    return f"torch.optim.{cls}(parameters, lr=lr, weight_decay={decay!r})"


def _scheduler_code(settings: dict[str, Any]) -> str:
    name = settings["name"]
    scheduler = "torch.optim.lr_scheduler"
    if name == "step":
        return f"{scheduler}.StepLR(optimizer, {settings['step_size']}, {settings['gamma']!r})"
    if name == "cosine":
        return f"{scheduler}.CosineAnnealingLR(optimizer, epochs * steps_per_epoch)"
    if name == "onecycle":
        return f"{scheduler}.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)"
    if name == "plateau":
        return (
            f"{scheduler}.ReduceLROnPlateau(optimizer, factor={settings['gamma']!r}, "
            f"patience={settings['patience']})"
        )
    return "None  # a constant learning rate"
