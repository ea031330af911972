"""Read and validate a taxonomy YAML file into a :class:`Taxonomy`.

Every problem raises :class:`menshen.errors.ConfigError` naming the file, the field (as a path such
as ``fine[3].parent``) and the offending value. All problems found are reported together.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from menshen.errors import ConfigError
from menshen.taxonomy.catalog import Taxonomy
from menshen.taxonomy.model import Category, Risk, RiskKind
from menshen.taxonomy.schema import TaxonomyFile, file_problems

_MAX_PROBLEMS = 20


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "<top level>"


def _floor(table: Mapping[str, int], code: str, category: str) -> int:
    return table.get(code, table.get(category, 0))


def _build(raw: TaxonomyFile, source: str) -> Taxonomy:
    categories = [
        Category(
            code=c.code, name_zh=c.name_zh, name_en=c.name_en, keyword_required=c.keyword_required
        )
        for c in raw.categories
    ]
    required = {c.code: c.keyword_required for c in raw.categories}
    risks: list[Risk] = []
    for entry in raw.risks:
        cat = entry.code.rsplit(".", 1)[0]
        risks.append(
            Risk(
                code=entry.code,
                kind=RiskKind.STANDARD,
                name_zh=entry.name_zh,
                name_en=entry.name_en,
                parent=cat,
                rollup=entry.code,
                keyword_required=required[cat],
                keyword_floor=_floor(raw.floors.keywords, entry.code, cat),
                test_bank_floor=_floor(raw.floors.test_bank, entry.code, cat),
                refuse_bank_floor=_floor(raw.floors.refuse_bank, entry.code, cat),
                mappings=entry.mappings,
                note=entry.note,
            )
        )
    for fine in raw.fine:
        risks.append(
            Risk(
                code=fine.code,
                kind=RiskKind.FINE,
                name_zh=fine.name_zh,
                name_en=fine.name_en,
                parent=fine.parent,
                rollup=fine.parent,
                mappings=fine.mappings,
                note=fine.note,
            )
        )
    for proj in raw.project:
        risks.append(
            Risk(
                code=proj.code,
                kind=RiskKind.PROJECT,
                name_zh=proj.name_zh,
                name_en=proj.name_en,
                parent=None,
                rollup=proj.rollup,
                mappings=proj.mappings,
                note=proj.note,
            )
        )
    return Taxonomy(categories, risks, source=source, version=raw.version)


def parse_taxonomy(data: object, source: str = "<memory>") -> Taxonomy:
    """Validate already-parsed YAML *data* and build a :class:`Taxonomy`.

    *source* names the file in error messages.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: <top level>: expected a mapping (got {_short(data)})")
    try:
        raw = TaxonomyFile.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{source}: {_field_path(err['loc'])}: {err['msg']} (got {_short(err.get('input'))})"
            for err in exc.errors()[:_MAX_PROBLEMS]
        ]
        raise ConfigError("\n".join(lines)) from None
    problems = list(file_problems(raw))
    if problems:
        lines = [f"{source}: {p.field}: {p.reason} (got {_short(p.value)})" for p in problems]
        raise ConfigError("\n".join(lines[:_MAX_PROBLEMS]))
    return _build(raw, source)


def read_taxonomy(path: str | os.PathLike[str]) -> Taxonomy:
    """Read and validate the taxonomy file at *path* (no caching)."""
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read taxonomy file: {exc}") from exc
    return _parse_text(text, source)


def _parse_text(text: str, source: str) -> Taxonomy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: <file>: not valid YAML: {exc}") from exc
    return parse_taxonomy(data, source)


@functools.cache
def _default() -> Taxonomy:
    resource = resources.files("menshen.taxonomy").joinpath("data").joinpath("taxonomy.yaml")
    return _parse_text(resource.read_text(encoding="utf-8"), str(resource))


def load_taxonomy(path: str | os.PathLike[str] | None = None) -> Taxonomy:
    """Return the taxonomy: the packaged one (loaded once and cached) or the file at *path*.

    A file given by *path* is read afresh on every call; keep the result if you need it twice.
    """
    return _default() if path is None else read_taxonomy(path)
