"""The glossary: a plain paragraph for every technical word the window uses (issue 12).

The texts live in `glossary.md` beside this module, readable as they are; this module reads them
once and finds an entry by its term or another name ("lr" is the learning rate), or searches terms
and texts. Qt-free: the window's Help > Glossary and `cnnstudio glossary` both use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("glossary.md")
_ALSO = "Also:"


@dataclass(frozen=True)
class Entry:
    """One glossary entry: its term, the other names it is found by, and its paragraph."""

    term: str
    aliases: tuple[str, ...]
    text: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


def normalise(name: str) -> str:
    """A name as lookups compare it: lower case, with "_", "-" and runs of spaces as one space."""
    return " ".join(re.sub(r"[_\-]", " ", name).casefold().split())


def parse(markdown: str) -> tuple[Entry, ...]:
    """The entries of a glossary file, sorted by term: `## Term`, an optional `Also:` line, and
    one paragraph (its lines joined)."""
    entries = []
    for section in re.split(r"^## ", markdown, flags=re.MULTILINE)[1:]:
        term, _, body = section.partition("\n")
        aliases: tuple[str, ...] = ()
        lines = [line.strip() for line in body.strip().splitlines()]
        if lines and lines[0].startswith(_ALSO):
            aliases = tuple(a.strip() for a in lines.pop(0)[len(_ALSO) :].split(",") if a.strip())
        entries.append(Entry(term.strip(), aliases, " ".join(line for line in lines if line)))
    return tuple(sorted(entries, key=lambda entry: entry.term.casefold()))


@cache
def entries() -> tuple[Entry, ...]:
    """Every entry, sorted by term (read from the file once)."""
    return parse(GLOSSARY_FILE.read_text(encoding="utf-8"))


@cache
def _by_name() -> dict[str, Entry]:
    # Terms first, so an alias can never hide another entry's own term.
    found = {normalise(entry.term): entry for entry in entries()}
    for entry in entries():
        for alias in entry.aliases:
            found.setdefault(normalise(alias), entry)
    return found


def lookup(name: str) -> Entry | None:
    """The entry whose term or alias is `name` (case, "-", "_" and spacing ignored), or None."""
    return _by_name().get(normalise(name))


def search(query: str) -> list[Entry]:
    """Entries whose names or text contain `query` (case-insensitive), best matches first.

    A name equal to the query ranks first, then names starting with it, then names with a word
    starting with it, then names containing it, then texts containing it; ties by term. An empty
    query gives every entry.
    """
    wanted = normalise(query)
    if not wanted:
        return list(entries())
    ranked = [(rank, entry) for entry in entries() if (rank := _rank(entry, wanted)) is not None]
    return [entry for _, entry in sorted(ranked, key=lambda pair: pair[0])]


def _rank(entry: Entry, wanted: str) -> int | None:
    names = [normalise(name) for name in entry.names]
    checks = (
        any(name == wanted for name in names),
        any(name.startswith(wanted) for name in names),
        any(word.startswith(wanted) for name in names for word in name.split()),
        any(wanted in name for name in names),
        wanted in normalise(entry.text),
    )
    return next((rank for rank, matched in enumerate(checks) if matched), None)
