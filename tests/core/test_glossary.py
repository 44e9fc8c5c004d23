"""The glossary (issue 12): every word the window and the brief name has a plain paragraph, found
by its term or another name, and a search that ranks names above texts."""

import pytest

from cnnstudio import glossary
from cnnstudio.core.model.layers import LAYER_TYPES
from cnnstudio.core.spec.run_spec import OPTIMIZERS
from cnnstudio.glossary import entries, lookup, normalise, parse, search

# The words issue 12's glossary must explain (each an entry's term or alias).
REQUIRED = (
    "epoch", "batch", "batch size", "learning rate", "loss", "cross-entropy", "accuracy",
    "top-5 accuracy", "precision", "recall", "F1", "confusion matrix", "validation",
    "training set", "convolution", "kernel", "filter", "feature map", "stride", "padding",
    "pooling", "max pooling", "average pooling", "global average pooling", "ReLU",
    "activation function", "dropout", "batch norm", "linear layer", "fully connected layer",
    "flatten", "residual block", "parameters", "multiply-adds", "receptive field", "overfitting",
    "underfitting", "augmentation", "optimizer", "SGD", "momentum", "Adam", "AdamW",
    "weight decay", "learning-rate schedule", "label smoothing", "early stopping",
    "mixed precision", "Grad-CAM", "occlusion", "embedding", "PCA", "checkpoint", "seed", "GPU",
)  # fmt: skip


@pytest.mark.parametrize("word", REQUIRED)
def test_every_required_word_has_an_entry(word):
    assert lookup(word) is not None, word


def test_every_layer_and_optimizer_the_window_offers_has_an_entry():
    """The model table names layers by title, the optimizer box lists the optimizers."""
    missing = [t.title for t in LAYER_TYPES.values() if lookup(t.title) is None]
    missing += [name for name in OPTIMIZERS if lookup(name) is None]
    assert missing == []


def test_each_entry_is_one_short_plain_paragraph():
    assert len(entries()) >= 60
    for entry in entries():
        words = len(entry.text.split())
        assert 15 <= words <= 100, (entry.term, words)
        assert "\n" not in entry.text and "##" not in entry.text and "Also:" not in entry.text


def test_no_name_leads_to_two_entries():
    """An alias shared by two entries would make one of them unreachable by it."""
    owner: dict[str, str] = {}
    for entry in entries():
        for name in entry.names:
            key = normalise(name)
            assert owner.setdefault(key, entry.term) == entry.term, (name, owner[key], entry.term)


def test_lookup_by_term_or_alias_ignores_case_dashes_and_underscores():
    assert lookup("lr").term == "Learning rate"
    assert lookup("Learning-Rate").term == "Learning rate"
    assert lookup("batch_size").term == "Batch size"
    assert lookup("  MaxPool2d ").term == "Max pooling"
    assert lookup("fully connected layer").term == "Linear layer"
    assert lookup("no such word") is None


def test_search_ranks_names_before_texts_and_is_case_insensitive():
    found = [entry.term for entry in search("POOL")]
    assert found[0] == "Pooling"  # the name itself
    assert set(found[1:4]) == {"Average pooling", "Global average pooling", "Max pooling"}
    assert "Kernel" in found[4:]  # only its text mentions pooling
    assert [entry.term for entry in search("stencil")] == ["Convolution"]  # in a text only
    assert search("lr")[0].term == "Learning rate"
    assert search("xyzzy") == []
    assert search("") == list(entries())


def test_parse_reads_terms_aliases_and_joined_lines():
    parsed = parse(
        "# title\n\nintro\n\n## Zeta\n\nLast one.\n\n## Alpha\nAlso: a1, a 2 ,\n\n"
        "First line\nsecond line.\n"
    )
    assert [(e.term, e.aliases, e.text) for e in parsed] == [
        ("Alpha", ("a1", "a 2"), "First line second line."),
        ("Zeta", (), "Last one."),
    ]


def test_the_texts_ship_with_the_package():
    tomllib = pytest.importorskip("tomllib")
    pyproject = glossary.GLOSSARY_FILE.parents[1] / "pyproject.toml"
    package_data = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"]
    assert glossary.GLOSSARY_FILE.name in package_data["cnnstudio"]
