"""The project-written training corpus (corpus/*.jsonl) stays well-formed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from menshen.taxonomy import validate_code

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
FILES = sorted(CORPUS.glob("*.jsonl"))


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_the_corpus_exists() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_line_has_the_documented_fields(path: Path) -> None:
    for n, row in enumerate(_rows(path), 1):
        assert set(row) == {"text", "label", "lang", "kind"}, f"{path.name}:{n}"
        assert row["lang"] in {"zh", "en"}, f"{path.name}:{n}"
        assert row["text"].strip() and row["kind"], f"{path.name}:{n}"
        if row["label"] != "safe":
            validate_code(row["label"], where=f"{path.name}:{n}")


def test_no_text_appears_twice() -> None:
    texts = Counter(row["text"] for path in FILES for row in _rows(path))
    assert [t for t, n in texts.items() if n > 1] == []


def test_every_language_has_both_classes() -> None:
    seen = {(row["lang"], row["label"] == "safe") for path in FILES for row in _rows(path)}
    assert seen == {("zh", True), ("zh", False), ("en", True), ("en", False)}
