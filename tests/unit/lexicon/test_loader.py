"""Loading libraries: formats, folders, defaults and the errors users see."""

from __future__ import annotations

from pathlib import Path

import pytest

from menshen.errors import LexiconError
from menshen.lexicon import Variant, compile_library, find_hits, load_library

HEADER = 'name: t\nversion: "2026-01-01T00:00:00Z"\n'


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_library(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ads.csv",
        "term,risk,weight,variants,whitelist,unless,pinyin,note\n"
        "代开发票,A.1.h/illicit_ads,0.95,symbols|traditional,,,,\n"
        "网赌,A.1.h/gambling,,,,网赌举报,,reviewed\n",
    )
    library = load_library([path])
    first, second = library.rules
    assert (first.id, first.weight, first.variants) == (
        "ads:0",
        0.95,
        frozenset({Variant.SYMBOLS, Variant.TRADITIONAL}),
    )
    assert (second.weight, second.unless) == (0.8, ("网赌举报",))
    compiled = compile_library(library)
    assert [h.rule.id for h in find_hits(compiled, "代*开发票")] == ["ads:0"]
    assert find_hits(compiled, "网赌举报电话") == []


def test_folder_merges_files_in_name_order(tmp_path: Path) -> None:
    write(
        tmp_path / "b.yaml",
        HEADER.replace("t", "b", 1) + "defaults: {risk: A.1.h/drugs}\nentries: [{term: 冰毒}]\n",
    )
    write(
        tmp_path / "a.yaml",
        HEADER.replace("t", "a", 1) + "defaults: {risk: A.1.h/gambling}\nentries: [{term: 网赌}]\n",
    )
    library = load_library([tmp_path])
    assert [r.id for r in library.rules] == ["a:0", "b:0"]
    assert library.version.startswith("2026-01-01T00:00:00Z+")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entries: [", "not valid YAML"),
        ("- a list", "expected a mapping"),
        (HEADER + "entries: [{term: 网赌}]\n", "no 'risk' and no defaults.risk"),
        (HEADER + "entries: [{term: 网赌, risk: A.9.z}]\n", "A.9.z"),
        (HEADER + "entries: [{term: 网赌, all: [a, b], risk: A.1.f}]\n", "exactly one of"),
        (HEADER + "entries: [{term: 网赌, risk: A.1.f, weight: 3}]\n", "entries.0.weight"),
        (HEADER + "entries: [{term: 网赌, risk: A.1.f, variants: [morse]}]\n", "variants"),
        ('name: "bad name"\nversion: "2026-01-01"\n', "field 'name'"),
        (
            HEADER + "entries: [{term: a1, risk: A.1.f, id: x}, {term: b2, risk: A.1.f, id: x}]\n",
            "duplicate entry id 'x'",
        ),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "lib.yaml", text)
    with pytest.raises(LexiconError, match=message) as info:
        load_library([path])
    assert "lib.yaml" in str(info.value) or "duplicate" in message


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="no such library"):
        load_library([tmp_path / "missing.yaml"])
    with pytest.raises(LexiconError, match="folder has no library files"):
        load_library([tmp_path])
    with pytest.raises(LexiconError, match="unknown library format"):
        load_library([write(tmp_path / "lib.txt", "网赌\n")])
    with pytest.raises(LexiconError, match="not UTF-8"):
        load_library([write(tmp_path / "gbk.yaml", HEADER + "entries: [{term: 网赌}]", "gbk")])
    with pytest.raises(LexiconError, match="header with at least 'term'"):
        load_library([write(tmp_path / "x.csv", "word\n网赌\n")])


def test_starter_library_loads_and_covers_sexual_content() -> None:
    library = load_library()
    assert any(r.risk == "A.1.f/sexual" for r in library.rules)
    assert library.origin == ("starter",)
