"""Content checks for the starter keyword library (src/menshen/lexicon/data/starter/*.yaml).

These tests read the YAML files directly with PyYAML, so they do not depend on the matcher.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

STARTER = Path(__file__).resolve().parents[3] / "src" / "menshen" / "lexicon" / "data" / "starter"

ALLOWED_RISKS = {
    "A.1.f/sexual",
    "X.sexual_minors",
    "A.1.f/violence",
    "A.1.d/terrorism",
    "A.4.a/self_harm",
    "A.1.h/drugs",
    "A.1.h/weapons",
    "A.1.h/gambling",
    "A.1.h/fraud",
    "A.1.h/illicit_ads",
    "A.4.g/harassment",
    "A.2.a/ethnic_slur",
    "A.2.d/regional",
    "A.2.e/sexism",
    "A.4.e/doxxing",
    "X.jailbreak",
}
VARIANTS = {"symbols", "traditional", "confusables", "repeats", "homophones", "pinyin", "split"}
TOP_FIELDS = {
    "schema_version",
    "name",
    "version",
    "description",
    "defaults",
    "whitelist",
    "entries",
}
ENTRY_FIELDS = {
    "term",
    "all",
    "within",
    "unless",
    "risk",
    "weight",
    "variants",
    "whitelist",
    "pinyin",
    "id",
    "note",
}
LIST_FIELDS = ("all", "unless", "whitelist", "pinyin", "variants")
MAX_TERM_LEN = 20
EXPECTED_FILES = {
    "sexual",
    "minors",
    "violence_terror",
    "self_harm",
    "drugs_weapons",
    "gambling",
    "fraud",
    "illicit_ads",
    "harassment",
    "discrimination",
    "privacy",
    "jailbreak",
}
# Minimum entries per file: the library must cover each area, not just exist.
MIN_ENTRIES = {"sexual": 300, "jailbreak": 50}
MIN_ENTRIES_DEFAULT = 50
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")


def _files() -> list[Path]:
    return sorted(STARTER.glob("*.yaml"))


@cache
def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: top level must be a mapping"
    return doc


def _norm(text: str) -> str:
    """Roughly what the matcher compares: NFKC, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def _alnum(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


@cache
def _entries() -> list[tuple[str, int, dict[str, Any], dict[str, Any]]]:
    out = []
    for path in _files():
        doc = _load(path)
        for index, entry in enumerate(doc["entries"]):
            out.append((path.stem, index, entry, doc.get("defaults") or {}))
    return out


def _ident(file: str, index: int, entry: dict[str, Any]) -> str:
    return f"{file}#{index} {entry.get('term') or entry.get('all')}"


def test_expected_files_exist() -> None:
    assert {p.stem for p in _files()} == EXPECTED_FILES


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_file_header(path: Path) -> None:
    doc = _load(path)
    assert set(doc) <= TOP_FIELDS, f"unknown top-level fields: {set(doc) - TOP_FIELDS}"
    assert doc["schema_version"] == 1
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", doc["name"])
    assert doc["name"].startswith("starter-")
    datetime.fromisoformat(str(doc["version"]).replace("Z", "+00:00"))
    assert isinstance(doc.get("description"), str) and doc["description"]
    defaults = doc["defaults"]
    assert defaults["risk"] in ALLOWED_RISKS
    assert 0.0 <= defaults["weight"] <= 1.0
    assert set(defaults["variants"]) <= VARIANTS
    whitelist = doc.get("whitelist") or []
    assert all(isinstance(w, str) and len(_alnum(w)) >= 2 for w in whitelist)
    minimum = MIN_ENTRIES.get(path.stem, MIN_ENTRIES_DEFAULT)
    assert len(doc["entries"]) >= minimum, f"{path.stem}: only {len(doc['entries'])} entries"


def test_names_are_unique() -> None:
    names = Counter(_load(p)["name"] for p in _files())
    assert not [n for n, c in names.items() if c > 1]


def test_entry_fields_and_types() -> None:
    problems = []
    for file, index, entry, _ in _entries():
        ident = _ident(file, index, entry)
        if set(entry) - ENTRY_FIELDS:
            problems.append(f"{ident}: unknown fields {set(entry) - ENTRY_FIELDS}")
        if ("term" in entry) == ("all" in entry):
            problems.append(f"{ident}: needs exactly one of term / all")
        if "term" in entry and not isinstance(entry["term"], str):
            problems.append(f"{ident}: term must be a string")
        for name in LIST_FIELDS:
            value = entry.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                problems.append(f"{ident}: {name} must be a list of non-empty strings")
        if "all" in entry and len(entry["all"]) < 2:
            problems.append(f"{ident}: all needs two or more parts")
        if "within" in entry and ("all" not in entry or not isinstance(entry["within"], int)):
            problems.append(f"{ident}: within is an int and only for all")
        if "note" in entry and not isinstance(entry["note"], str):
            problems.append(f"{ident}: note must be a string")
    assert not problems, "\n".join(problems)


def test_risk_codes_are_allowed() -> None:
    bad = [
        _ident(f, i, e)
        for f, i, e, d in _entries()
        if e.get("risk", d.get("risk")) not in ALLOWED_RISKS
    ]
    assert not bad, bad


def test_weights_in_range() -> None:
    bad = []
    for file, index, entry, defaults in _entries():
        weight = entry.get("weight", defaults.get("weight", 0.8))
        is_number = isinstance(weight, int | float) and not isinstance(weight, bool)
        if not is_number or not 0.0 <= weight <= 1.0:
            bad.append(_ident(file, index, entry))
    assert not bad, bad


def test_variants_are_known() -> None:
    bad = [
        _ident(f, i, e)
        for f, i, e, _ in _entries()
        if "variants" in e and not set(e["variants"]) <= VARIANTS
    ]
    assert not bad, bad


def test_no_single_character_terms() -> None:
    """Terms need two letters, digits or CJK characters: symbols and emoji are normalised away."""
    bad = [
        _ident(f, i, e) for f, i, e, _ in _entries() if "term" in e and len(_alnum(e["term"])) < 2
    ]
    assert not bad, bad


def test_latin_terms_are_long_enough() -> None:
    """Pure Latin keywords of two letters collide with abbreviations everywhere."""
    bad = [
        _ident(f, i, e)
        for f, i, e, _ in _entries()
        if "term" in e
        and not _CJK.search(e["term"])
        and len(_alnum(e["term"])) < 3
        and not any(ch.isdigit() for ch in e["term"])
    ]
    assert not bad, bad


def test_combination_parts() -> None:
    """A part of one character (or only symbols) is only allowed with a ``within`` window, and the
    window must be able to hold all parts side by side (the engine measures the whole span)."""
    problems = []
    for file, index, entry, _ in _entries():
        parts = entry.get("all")
        if not parts:
            continue
        ident = _ident(file, index, entry)
        if any(not _alnum(p) for p in parts):
            problems.append(f"{ident}: a part is only symbols")
        if len({_norm(p) for p in parts}) != len(parts):
            problems.append(f"{ident}: repeated part")
        short = any(len(_alnum(p)) < 2 for p in parts)
        within = entry.get("within")
        if short and within is None:
            problems.append(f"{ident}: single-character part without within")
        if within is not None and within < sum(len(p) for p in parts):
            problems.append(f"{ident}: within {within} shorter than the parts themselves")
        if any(len(p) > MAX_TERM_LEN for p in parts):
            problems.append(f"{ident}: part longer than {MAX_TERM_LEN}")
    assert not problems, "\n".join(problems)


def test_term_length() -> None:
    bad = [_ident(f, i, e) for f, i, e, _ in _entries() if len(e.get("term", "")) > MAX_TERM_LEN]
    assert not bad, bad


def test_no_duplicate_terms_across_files() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for file, index, entry, _ in _entries():
        if "term" in entry:
            key = _norm(entry["term"])
        else:
            key = "+".join(sorted(_norm(p) for p in entry["all"])) + f"~{entry.get('within')}"
        if key in seen:
            duplicates.append(f"{_ident(file, index, entry)} duplicates {seen[key]}")
        else:
            seen[key] = _ident(file, index, entry)
    assert not duplicates, "\n".join(duplicates)


def test_entry_whitelist_contains_what_it_protects() -> None:
    """An entry-level whitelist word must contain the term (or a part of the rule): it names a
    context in which that very keyword occurs innocently."""
    bad = []
    for file, index, entry, _ in _entries():
        needles = [entry["term"]] if "term" in entry else entry["all"]
        for word in entry.get("whitelist", []):
            if not any(_norm(n) in _norm(word) for n in needles):
                bad.append(f"{_ident(file, index, entry)}: {word!r}")
    assert not bad, "\n".join(bad)


def test_whitelist_and_unless_words_are_not_the_term() -> None:
    """A whitelist or unless word equal to the term would disable the entry everywhere."""
    bad = []
    for file, index, entry, _ in _entries():
        needles = [_norm(n) for n in ([entry["term"]] if "term" in entry else entry["all"])]
        for word in entry.get("whitelist", []):
            if _norm(word) in needles:
                bad.append(f"{_ident(file, index, entry)}: whitelist {word!r}")
        for word in entry.get("unless", []):
            if _norm(word) in needles:
                bad.append(f"{_ident(file, index, entry)}: unless {word!r}")
    assert not bad, "\n".join(bad)


def test_english_entries_use_no_chinese_variants() -> None:
    """Latin-only entries must not ask for pinyin, homophones, split forms or traditional script."""
    bad = []
    for file, index, entry, defaults in _entries():
        needles = [entry["term"]] if "term" in entry else entry["all"]
        if any(_CJK.search(n) for n in needles) or not any(
            _LATIN.search(_norm(n)) for n in needles
        ):
            continue
        variants = set(entry.get("variants", defaults.get("variants", VARIANTS)))
        if variants & {"pinyin", "homophones", "split", "traditional"}:
            bad.append(_ident(file, index, entry))
    assert not bad, bad


def test_jailbreak_file_has_no_pinyin() -> None:
    doc = _load(STARTER / "jailbreak.yaml")
    assert "pinyin" not in doc["defaults"]["variants"]
    assert "symbols" in doc["defaults"]["variants"]
    assert not [e for e in doc["entries"] if "pinyin" in e.get("variants", [])]


def test_no_political_speech_lists() -> None:
    """Menshen does not author political-speech lists (see REQUIREMENTS scope note)."""
    codes = {e.get("risk", d.get("risk")) for _, _, e, d in _entries()}
    assert not {c for c in codes if c.startswith(("A.1.a", "A.1.b", "A.1.c"))}


def test_every_allowed_risk_is_covered() -> None:
    codes = Counter(e.get("risk", d.get("risk")) for _, _, e, d in _entries())
    assert set(codes) == ALLOWED_RISKS
