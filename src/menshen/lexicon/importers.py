"""Import plain-text keyword lists (one word per line, category from the file name)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import yaml

from menshen.errors import LexiconError
from menshen.lexicon.loader import files_under
from menshen.lexicon.model import Entry, EntryDefaults, LexiconFile, Variant
from menshen.taxonomy import validate_code

ENCODINGS = ("utf-8-sig", "gb18030")
"""Chinese lists come in UTF-8 or GBK/GB18030; anything else is refused with the file named."""

TEXT_SIDE_VARIANTS = frozenset(
    {Variant.SYMBOLS, Variant.TRADITIONAL, Variant.CONFUSABLES, Variant.REPEATS}
)
"""Imported lists default to the disguises that cost nothing per entry: keyword-side expansions
(homophones, split characters, pinyin) multiply the patterns of a large list several times."""


def read_mapping(path: Path) -> dict[str, str]:
    """A YAML mapping of file-name glob → risk code, e.g. ``{"*色情*": "A.1.f/sexual"}``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: cannot read the mapping: {exc}") from exc
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise LexiconError(f"{path}: expected a mapping of file-name patterns to risk codes")
    return {str(k): validate_code(v, where=f"{path}: {k}") for k, v in raw.items()}


def list_files(paths: Iterable[Path]) -> list[Path]:
    """The given files, with every folder replaced by the ``.txt`` files under it."""
    return [file for path in paths for file in files_under(path, (".txt",), "word list")]


def _words(path: Path) -> list[str]:
    data = path.read_bytes()
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ENCODINGS
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LexiconError(f"{path}: neither UTF-8, UTF-16 (with BOM) nor GB18030")
    words = []
    for line in text.splitlines():
        # Lists exported from spreadsheets carry row numbers and a type column: take the
        # first cell that is not a number.
        cells = [c.split(",")[0].strip() for c in line.strip().split("\t")]
        word = next((c for c in cells if c and not c.isdigit()), "")
        if word and not word.startswith("#"):
            words.append(word)
    return words


def import_lists(
    files: Iterable[Path],
    mapping: dict[str, str],
    *,
    name: str,
    min_chars: int = 2,
    variants: frozenset[Variant] = TEXT_SIDE_VARIANTS,
) -> tuple[LexiconFile, dict[str, int]]:
    """Build one library from plain lists; returns it with per-file counts of skipped words."""
    entries: dict[str, Entry] = {}
    skipped: dict[str, int] = {}
    for path in files:
        risk = next(
            (code for pat, code in mapping.items() if fnmatch.fnmatch(path.name, pat)), None
        )
        if risk is None:
            raise LexiconError(f"{path.name}: no pattern in the mapping matches this file name")
        skipped[path.name] = 0
        for word in _words(path):
            if len(word) < min_chars or len(word) > 50 or word in entries:
                skipped[path.name] += 1
                continue
            entries[word] = Entry(term=word, risk=risk)
    lexicon = LexiconFile(
        name=name,
        version=datetime.now(UTC).replace(microsecond=0),
        description=f"imported from {len(skipped)} plain-text lists",
        defaults=EntryDefaults(weight=0.8, variants=variants),
        entries=tuple(entries.values()),
    )
    return lexicon, skipped


def dump_yaml(lexicon: LexiconFile) -> str:
    """Serialise a library in the documented YAML format (defaults left out of entries)."""
    data = lexicon.model_dump(mode="json", exclude_defaults=True)
    data["version"] = lexicon.version.isoformat().replace("+00:00", "Z")
    data.setdefault("name", lexicon.name)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
