"""`cnnstudio glossary [TERM]`: a term's paragraph, or the list of terms."""

from cnnstudio.cli import run
from cnnstudio.glossary import entries


def test_cli_prints_one_term_or_the_list(capsys):
    assert run(["glossary", "lr"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Learning rate\n") and "steps" in out
    assert run(["glossary", "batch", "size"]) == 0  # several words are one term
    assert capsys.readouterr().out.startswith("Batch size\n")
    assert run(["glossary"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("Epoch ") for line in listed) == 1
    assert len(listed) >= len(entries())


def test_cli_unknown_term_is_one_line_with_the_nearest_entries(capsys):
    assert run(["glossary", "stencil"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Convolution" in err
