"""Words for people: a label, a one-line plain explanation, the glossary term the setting is an
instance of (its paragraph in `cnnstudio/glossary.md` shows in the tooltip) and whether it is
advanced.

The core's `Param.help` is written for the spec file and the CLI; the window speaks to people who
may never have trained a network, so its labels and explanations live here, keyed by the form's
group and the setting's name. A setting missing here falls back to its `Param` text.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnstudio.core.params import Param


class Wording(NamedTuple):
    label: str
    help: str
    term: str = ""  # a glossary term or alias; "" only for settings missing here
    advanced: bool = False


_WORDS: dict[tuple[str, str], Wording] = {
    # dataset options (shapes, folder, downloaded sets)
    ("dataset", "train_size"): Wording(
        "Training images", "How many pictures the network learns from.", term="training set"
    ),
    ("dataset", "val_size"): Wording(
        "Checking images",
        "Pictures kept apart to check the network; it never learns from them.",
        term="validation",
    ),
    ("dataset", "seed"): Wording(
        "Drawing seed", "The same number draws the same pictures again.", term="seed", advanced=True
    ),
    ("dataset", "image_size"): Wording(
        "Read images at (pixels)",
        "Each image is scaled and cropped to this square size when read; auto picks the "
        "images' usual size.",
        term="input size",
        advanced=True,
    ),
    ("dataset", "channels"): Wording(
        "Read images as",
        "1 reads grey images, 3 reads colour; auto reads grey only if every image is grey.",
        term="channel",
        advanced=True,
    ),
    ("dataset", "val_fraction"): Wording(
        "Share of images kept for checking",
        "This share of each class is set aside to check the network (0.2 = one image in five); "
        "off uses the dataset's own test images.",
        term="validation",
    ),
    ("dataset", "split_seed"): Wording(
        "Checking-set seed",
        "The same number sets the same images aside for checking.",
        term="seed",
        advanced=True,
    ),
    ("dataset", "stream"): Wording(
        "Read from disk while training",
        "always reads images from disk every epoch (slower, for sets too big for memory); auto "
        "does so only when needed.",
        term="streaming",
        advanced=True,
    ),
    # what the network gets
    ("input", "size"): Wording(
        "Network input size (pixels)",
        "Images are resized to this square size before the network sees them; auto keeps them "
        "as they are.",
        term="input size",
    ),
    ("input", "channels"): Wording(
        "Network input colours",
        "1 feeds grey images, 3 feeds colour; auto keeps what the dataset has.",
        term="channel",
    ),
    # augmentation
    ("augment", "crop_padding"): Wording(
        "Random shift (pixels)",
        "Moves each training image by up to this many pixels, so the network does not learn "
        "exact positions; 4 suits 32x32 images.",
        term="augmentation",
    ),
    ("augment", "hflip"): Wording(
        "Random mirroring",
        "Flips training images left to right at random (not for digits or text).",
        term="augmentation",
    ),
    ("augment", "rotation"): Wording(
        "Random rotation (degrees)",
        "Turns training images by up to this many degrees.",
        term="augmentation",
    ),
    ("augment", "brightness"): Wording(
        "Random brightness",
        "Makes training images up to this share lighter or darker (0.2 = 20%).",
        term="augmentation",
    ),
    ("augment", "contrast"): Wording(
        "Random contrast",
        "Changes training images' contrast by up to this share (0.2 = 20%).",
        term="augmentation",
    ),
    ("augment", "cutout"): Wording(
        "Blank a square (pixels)",
        "Hides a random square of this size in each training image, so the network looks at "
        "the whole picture.",
        term="augmentation",
        advanced=True,
    ),
    # optimizer
    ("optimizer", "name"): Wording(
        "Optimizer",
        "The rule that adjusts the network after each batch; adam is a good start.",
        term="optimizer",
    ),
    ("optimizer", "lr"): Wording(
        "Learning rate",
        "How big each adjustment is: too big and training jumps about, too small and it crawls. "
        "0.001 suits adam, 0.01 to 0.1 suits sgd.",
        term="learning rate",
    ),
    ("optimizer", "weight_decay"): Wording(
        "Weight decay",
        "Pulls the network's numbers towards zero, which can reduce overfitting; 0 is off, "
        "1e-4 is common.",
        term="weight decay",
        advanced=True,
    ),
    ("optimizer", "momentum"): Wording(
        "Momentum",
        "Keeps part of the previous step's direction, which smooths training (sgd and rmsprop).",
        term="momentum",
        advanced=True,
    ),
    ("optimizer", "nesterov"): Wording(
        "Nesterov momentum",
        "A look-ahead variant of momentum (sgd only).",
        term="momentum",
        advanced=True,
    ),
    # schedule
    ("schedule", "name"): Wording(
        "Learning-rate schedule",
        "How the learning rate changes during training; none keeps it fixed.",
        term="learning-rate schedule",
    ),
    ("schedule", "step_size"): Wording(
        "Epochs between drops",
        "The learning rate drops every this many epochs (step).",
        term="learning-rate schedule",
    ),
    ("schedule", "gamma"): Wording(
        "Drop factor",
        "At each drop the learning rate is multiplied by this (0.1 = ten times smaller).",
        term="learning-rate schedule",
    ),
    ("schedule", "patience"): Wording(
        "Epochs to wait before a drop",
        "The rate drops after this many epochs without a better checking loss (plateau).",
        term="learning-rate schedule",
    ),
    # training
    ("training", "epochs"): Wording(
        "Epochs", "How many times the network goes through all the training images.", term="epoch"
    ),
    ("training", "batch_size"): Wording(
        "Batch size",
        "Images looked at before each adjustment; bigger is faster per image but needs more "
        "memory.",
        term="batch size",
    ),
    ("training", "label_smoothing"): Wording(
        "Label smoothing",
        "Makes the network less sure of its answers while learning; 0.1 often helps a little.",
        term="label smoothing",
        advanced=True,
    ),
    ("training", "grad_clip"): Wording(
        "Limit step size (gradient clipping)",
        "Caps how far one batch can push the network; off does not cap.",
        term="gradient clipping",
        advanced=True,
    ),
    ("training", "early_stopping_patience"): Wording(
        "Stop when no better for (epochs)",
        "Ends training after this many epochs without a better checking loss; off never stops "
        "early.",
        term="early stopping",
    ),
    ("training", "mixed_precision"): Wording(
        "Mixed precision (NVIDIA GPU)",
        "Uses 16-bit maths where safe, which is faster on an NVIDIA GPU.",
        term="mixed precision",
        advanced=True,
    ),
    ("training", "channels_last"): Wording(
        "Channels-last memory (NVIDIA GPU)",
        "A memory layout that speeds up convolutions on an NVIDIA GPU.",
        term="channels-last",
        advanced=True,
    ),
    ("run", "seed"): Wording(
        "Random seed",
        "The same number gives the same run again on the CPU.",
        term="seed",
        advanced=True,
    ),
    ("run", "device"): Wording(
        "Device", "Where the maths runs: a GPU if there is one, else the CPU.", term="device"
    ),
    # layer settings
    ("layer", "in_channels"): Wording(
        "Input channels",
        "Feature maps coming in; auto follows the layer before.",
        term="channel",
        advanced=True,
    ),
    ("layer", "out_channels"): Wording(
        "Filters",
        "How many patterns this layer learns to detect (feature maps out).",
        term="kernel",
    ),
    ("layer", "kernel_size"): Wording(
        "Window size (pixels)",
        "The side of the square each filter or pool looks at.",
        term="kernel",
    ),
    ("layer", "stride"): Wording(
        "Step (pixels)",
        "How far the window moves each time; 2 halves the image size.",
        term="stride",
    ),
    ("layer", "padding"): Wording(
        "Border padding (pixels)",
        "Zeros added around the image; half the window size keeps the size unchanged.",
        term="padding",
    ),
    ("layer", "in_features"): Wording(
        "Inputs",
        "Numbers coming in; auto follows the layer before.",
        term="linear layer",
        advanced=True,
    ),
    ("layer", "out_features"): Wording(
        "Outputs",
        "Numbers this layer produces; auto on the last layer means one per class.",
        term="linear layer",
    ),
    ("layer", "p"): Wording(
        "Drop share",
        "Share of values switched off at random while training (0.5 = half).",
        term="dropout",
    ),
    ("layer", "negative_slope"): Wording(
        "Negative slope",
        "How much of a negative value is let through (0.01 = 1%).",
        term="leaky relu",
    ),
}


def label(group: str, name: str) -> str:
    """The label people see for setting `name` of form `group`."""
    found = _WORDS.get((group, name))
    return found.label if found is not None else name.replace("_", " ").capitalize()


def wording(group: str, param: Param) -> Wording:
    """The label, help and advanced flag of `param` in form `group`, falling back to the core's."""
    found = _WORDS.get((group, param.name))
    if found is not None:
        return found
    return Wording(label(group, param.name), param.help)
