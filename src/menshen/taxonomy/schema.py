"""The taxonomy file's schema: raw entry models and the cross-field checks.

Internal to :mod:`menshen.taxonomy.loader`; the public records are in :mod:`.model`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from menshen.taxonomy.model import (
    CATEGORY_RE,
    FINE_RE,
    PROJECT_RE,
    SCHEME_CATEGORIES,
    STANDARD_RE,
    CategoryCode,
    ProjectCode,
    Scheme,
    SchemeMap,
    StandardCode,
)

_RAW = ConfigDict(frozen=True, extra="forbid")
_Floor = Annotated[int, Field(strict=True, ge=0)]


class FloorsEntry(BaseModel):
    """``floors:`` section: per-risk minimums keyed by category or standard code."""

    model_config = _RAW

    keywords: dict[str, _Floor] = {}
    """Keyword library minimum per risk (TC260-003 §8.1 b))."""
    test_bank: dict[str, _Floor] = {}
    """Generated-content test bank minimum per risk (TC260-003 §8.2 b))."""
    refuse_bank: dict[str, _Floor] = {}
    """Should-refuse bank minimum per risk (TC260-003 §8.3 a))."""


class CategoryEntry(BaseModel):
    """One item of ``categories:``."""

    model_config = _RAW

    code: str
    """Category code."""
    name_zh: str = Field(min_length=1)
    """Chinese name."""
    name_en: str = Field(min_length=1)
    """English name."""
    keyword_required: bool
    """Whether its risks are among the 17 that keyword library and refuse bank must cover."""


class RiskEntry(BaseModel):
    """Fields shared by every risk entry."""

    model_config = _RAW

    code: str
    """Risk code."""
    name_zh: str = Field(min_length=1)
    """Chinese name."""
    name_en: str = Field(min_length=1)
    """English name."""
    note: str = ""
    """Reviewer note."""
    mappings: SchemeMap = Field(default=SchemeMap(), alias="map")
    """Scheme mappings, written ``map:`` in the file."""


class FineEntry(RiskEntry):
    """One item of ``fine:``."""

    parent: str
    """The standard code this refines."""


class ProjectEntry(RiskEntry):
    """One item of ``project:``."""

    rollup: str | None = None
    """Standard code to report under, or null."""


class TaxonomyFile(BaseModel):
    """The whole taxonomy file."""

    model_config = _RAW

    schema_version: Literal[1]
    """File format version."""
    version: str = ""
    """Data version, reported in ``to_json``."""
    floors: FloorsEntry = FloorsEntry()
    """Per-risk minimums."""
    categories: list[CategoryEntry]
    """The five Appendix A categories."""
    risks: list[RiskEntry]
    """The 31 Appendix A risks."""
    fine: list[FineEntry] = []
    """Fine-grained codes."""
    project: list[ProjectEntry] = []
    """Project (``X.``) codes."""


_CATEGORIES = frozenset(str(c) for c in CategoryCode)
_STANDARD = frozenset(str(c) for c in StandardCode)
_PROJECT = frozenset(str(c) for c in ProjectCode)


class Problem(NamedTuple):
    """One problem found in a taxonomy file."""

    field: str
    """Where, as a path such as ``fine[3].parent``."""
    value: object
    """The offending value."""
    reason: str
    """What is wrong with it."""


def file_problems(raw: TaxonomyFile) -> Iterator[Problem]:
    """Yield every semantic problem in *raw*: codes, hierarchy, mappings and floors."""
    yield from _code_problems(raw)
    yield from _mapping_problems(raw)
    categories = {c.code for c in raw.categories}
    standard = {r.code for r in raw.risks}
    for kind in ("keywords", "test_bank", "refuse_bank"):
        for key in getattr(raw.floors, kind):
            if key not in categories and key not in standard:
                yield Problem(f"floors.{kind}", key, "not a category or standard risk code")


def _code_problems(raw: TaxonomyFile) -> Iterator[Problem]:
    """Check code syntax, uniqueness, completeness, parents and rollups."""
    seen: dict[str, str] = {}

    def check(field: str, code: str, pattern: re.Pattern[str], kind: str) -> Iterator[Problem]:
        if not pattern.fullmatch(code):
            yield Problem(field, code, f"not a valid {kind} code (expected {pattern.pattern})")
        elif code in seen:
            yield Problem(field, code, f"duplicate code (first defined at {seen[code]})")
        else:
            seen[code] = field

    def complete(
        field: str, codes: set[str], expected: frozenset[str], what: str
    ) -> Iterator[Problem]:
        for code in sorted(expected - codes):
            yield Problem(field, code, f"missing {what}")

    for i, cat in enumerate(raw.categories):
        yield from check(f"categories[{i}].code", cat.code, CATEGORY_RE, "category")
    categories = {c.code for c in raw.categories}
    yield from complete("categories", categories, _CATEGORIES, "Appendix A category")
    for code in sorted(categories - _CATEGORIES):
        yield Problem("categories", code, "not an Appendix A category")

    for i, risk in enumerate(raw.risks):
        yield from check(f"risks[{i}].code", risk.code, STANDARD_RE, "standard risk")
    standard = {r.code for r in raw.risks}
    yield from complete("risks", standard, _STANDARD, "Appendix A risk")
    for code in sorted(standard - _STANDARD):
        yield Problem("risks", code, "not an Appendix A risk")

    for i, fine in enumerate(raw.fine):
        yield from check(f"fine[{i}].code", fine.code, FINE_RE, "fine-grained")
        if fine.parent not in standard:
            yield Problem(f"fine[{i}].parent", fine.parent, "parent is not a standard risk code")
        elif fine.code.split("/", 1)[0] != fine.parent:
            yield Problem(
                f"fine[{i}].parent", fine.parent, f"does not match the prefix of {fine.code!r}"
            )

    for i, proj in enumerate(raw.project):
        yield from check(f"project[{i}].code", proj.code, PROJECT_RE, "project")
        if proj.rollup is not None and proj.rollup not in standard:
            yield Problem(f"project[{i}].rollup", proj.rollup, "rollup is not a standard risk code")
    yield from complete("project", {p.code for p in raw.project}, _PROJECT, "built-in X code")


def _mapping_problems(raw: TaxonomyFile) -> Iterator[Problem]:
    """Check that every mapping target is a known category of its scheme, listed once."""
    sections: list[tuple[str, list[RiskEntry]]] = [
        ("risks", raw.risks),
        ("fine", list(raw.fine)),
        ("project", list(raw.project)),
    ]
    for section, entries in sections:
        for i, entry in enumerate(entries):
            for scheme in Scheme:
                targets = entry.mappings.get(scheme)
                known = SCHEME_CATEGORIES[scheme]
                for j, target in enumerate(targets):
                    field = f"{section}[{i}].map.{scheme.value}[{j}]"
                    if target not in known:
                        yield Problem(
                            field, target, f"not a {scheme.value} category ({', '.join(known)})"
                        )
                    elif target in targets[:j]:
                        yield Problem(field, target, "listed twice")
