"""Reading configuration documents (YAML files of libraries, policies, rules, mappings).

One place turns YAML and validation failures into :class:`~menshen.errors.ConfigError` messages
that name the file, the field and the value, so every loader reports problems the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from menshen.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# libyaml's loader is ten times faster on large files; PyYAML wheels ship it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, source: str, error: type[ConfigError] = ConfigError) -> object:
    """Parse YAML text; a syntax error becomes ``error`` naming ``source``."""
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from exc


def read_yaml(path: Path, what: str, error: type[ConfigError] = ConfigError) -> object:
    """Read and parse a YAML file; unreadable files name ``what`` they were meant to be."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    return parse_yaml(text, str(path), error)


def validate(model: type[M], raw: object, source: str, error: type[ConfigError] = ConfigError) -> M:
    """Validate a parsed document; the first problem names its field and the value found."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<top level>"
        got = repr(first.get("input"))
        got = got if len(got) <= 80 else got[:77] + "..."
        raise error(f"{source}: field '{where}': {first['msg']} (got {got})") from exc
    except ConfigError as exc:  # a validator's own check (e.g. an unknown risk code)
        raise error(f"{source}: {exc}") from exc
