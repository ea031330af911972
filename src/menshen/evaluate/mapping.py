"""Label mappings: a dataset's own labels → our risk codes, ``safe`` or ``unsafe``.

A mapping file is YAML::

    schema_version: 1
    name: ChineseHarm-bench
    labels:
      低俗色情: A.1.f/sexual
      博彩: A.1.h/gambling
      不违规: safe
    default: null          # what an unlisted label means; null: the record is skipped

Targets are a risk code of the taxonomy (``menshen taxonomy``), ``safe`` (harmless), or
``unsafe`` (harmful, risk not specified: counted in the overall metrics only). Label keys are
compared as text: the YAML key ``0`` matches the JSON value ``0`` and the CSV cell ``"0"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from menshen.config_files import read_yaml, validate
from menshen.errors import ConfigError

SAFE = "safe"
"""Target of labels that mean "harmless"."""
UNSAFE = "unsafe"
"""Target of labels that mean "harmful" without saying which risk."""


def label_key(value: object) -> str | None:
    """The text form of a label value, or None when it cannot be a label (missing, a list …).

    ``True`` → ``"true"``, ``1`` and ``1.0`` → ``"1"``, strings are stripped.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value.strip()
    return None


def _target(value: str, where: str) -> str:
    if value in (SAFE, UNSAFE):
        return value
    from menshen.taxonomy import validate_code

    return validate_code(value, where=where)


class LabelMapping(BaseModel):
    """How a dataset's labels translate to gold targets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    """Version of the mapping format."""
    name: str = ""
    """Name of the dataset or labelling scheme."""
    description: str = ""
    """Free text: where the labels come from."""
    labels: dict[str, str] = {}
    """Dataset label (as text) → risk code, ``safe`` or ``unsafe``."""
    default: str | None = None
    """Target of labels not listed; ``None`` skips such records (they are reported)."""
    codes_as_labels: bool = False
    """Labels that are already a risk code, ``safe`` or ``unsafe`` map to themselves."""

    @field_validator("labels", mode="before")
    @classmethod
    def _text_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        keys: dict[str, Any] = {}
        for key, target in value.items():
            text = label_key(key)
            if text is None:
                raise ValueError(f"label {key!r} is not a scalar")
            if text in keys:
                raise ValueError(f"label {text!r} is listed twice")
            keys[text] = target
        return keys

    @field_validator("labels")
    @classmethod
    def _known_targets(cls, value: dict[str, str]) -> dict[str, str]:
        for key, target in value.items():
            _target(target, f"labels.{key}")
        return value

    @field_validator("default")
    @classmethod
    def _known_default(cls, value: str | None) -> str | None:
        return None if value is None else _target(value, "default")

    def resolve(self, value: object) -> str | None:
        """The gold target of a label value, or None when the mapping does not know it."""
        key = label_key(value)
        if key is None:
            return None
        if key in self.labels:
            return self.labels[key]
        if self.codes_as_labels:
            from menshen.taxonomy import load_taxonomy

            if key in (SAFE, UNSAFE) or key in load_taxonomy():
                return key
        return self.default

    def risk_codes(self) -> tuple[str, ...]:
        """The risk codes this mapping can produce (sorted; ``safe``/``unsafe`` left out)."""
        targets = {*self.labels.values(), *([self.default] if self.default else [])}
        return tuple(sorted(t for t in targets if t not in (SAFE, UNSAFE)))


def codes_mapping() -> LabelMapping:
    """The mapping used without ``--mapping``: labels must be risk codes, ``safe`` or ``unsafe``."""
    return LabelMapping(name="risk codes", codes_as_labels=True)


def positive_mapping(positive: Iterable[object]) -> LabelMapping:
    """A binary mapping: the ``positive`` labels are ``unsafe``, every other label ``safe``."""
    keys = [label_key(p) for p in positive]
    if not keys or any(k is None or k == "" for k in keys):
        raise ConfigError(f"--positive-labels needs one or more labels, got {list(positive)!r}")
    return LabelMapping(
        name="positive labels",
        labels={str(k): UNSAFE for k in keys},
        default=SAFE,
    )


def parse_mapping(raw: object, source: str = "<mapping>") -> LabelMapping:
    """Validate a parsed mapping document; a bad one raises ``ConfigError`` naming the field."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a mapping file is a YAML mapping with a 'labels' key")
    return validate(LabelMapping, raw, source)


def load_mapping(path: Path) -> LabelMapping:
    """Read a mapping YAML file (see the module docstring)."""
    return parse_mapping(read_yaml(path, "the label mapping"), str(path))
