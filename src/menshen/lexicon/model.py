"""The keyword library file format as pydantic models (documented in docs/lexicon-format.md)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Variant(StrEnum):
    """Disguises an entry tolerates beyond the always-on normalisation."""

    SYMBOLS = "symbols"
    TRADITIONAL = "traditional"
    CONFUSABLES = "confusables"
    REPEATS = "repeats"
    HOMOPHONES = "homophones"
    PINYIN = "pinyin"
    SPLIT = "split"


ALL_VARIANTS: frozenset[Variant] = frozenset(Variant)


class EntryDefaults(BaseModel):
    """File-level defaults applied to entries that do not set a field."""

    model_config = _FROZEN

    risk: str | None = None
    """Default risk code."""
    weight: float = Field(default=0.8, ge=0.0, le=1.0)
    """Default score of a hit."""
    variants: frozenset[Variant] = ALL_VARIANTS
    """Default disguises tolerated."""

    @field_serializer("variants")
    def _sorted(self, value: frozenset[Variant]) -> list[str]:
        return sorted(value)  # sets have no order: keep digests and exports stable


class Entry(BaseModel):
    """One keyword, or one combination rule."""

    model_config = _FROZEN

    term: str | None = None
    """The keyword."""
    all: tuple[str, ...] | None = None
    """Combination rule: every part must occur."""
    within: int | None = Field(default=None, ge=1)
    """Maximum distance in original characters from the first to the last part of ``all``."""
    unless: tuple[str, ...] = ()
    """The entry is cancelled when any of these occurs anywhere in the text."""
    risk: str | None = None
    """Risk code; the file default when omitted."""
    weight: float | None = Field(default=None, ge=0.0, le=1.0)
    """Score of a hit; the file default when omitted."""
    variants: frozenset[Variant] | None = None
    """Disguises tolerated; the file default when omitted."""
    whitelist: tuple[str, ...] = ()
    """Contexts in which this entry does not fire."""
    pinyin: tuple[str, ...] = ()
    """Extra Latin spellings."""
    id: str | None = None
    """Stable identifier reported as evidence."""
    note: str | None = None
    """Free text for reviewers."""

    @field_serializer("variants")
    def _sorted(self, value: frozenset[Variant] | None) -> list[str] | None:
        return None if value is None else sorted(value)

    @model_validator(mode="after")
    def _one_kind(self) -> Entry:
        if (self.term is None) == (self.all is None):
            raise ValueError("an entry needs exactly one of 'term' or 'all'")
        if self.term is not None and not self.term.strip():
            raise ValueError("'term' is empty")
        if self.all is not None and (len(self.all) < 2 or any(not p.strip() for p in self.all)):
            raise ValueError("'all' needs at least two non-empty parts")
        if self.within is not None and self.all is None:
            raise ValueError("'within' only applies to 'all' rules")
        return self


class LexiconFile(BaseModel):
    """One keyword library file."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of the file format."""
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    """Library name; entry ids default to ``<name>:<index>``."""
    version: datetime
    """Timestamp of the last edit (ISO 8601); used for the staleness check."""
    description: str = ""
    """What the file covers."""
    defaults: EntryDefaults = EntryDefaults()
    """Defaults for entries."""
    whitelist: tuple[str, ...] = ()
    """Words inside which no entry of this file fires."""
    entries: tuple[Entry, ...] = ()
    """The entries."""
