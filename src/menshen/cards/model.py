"""Character cards and their audit reports as frozen pydantic records.

A :class:`Card` is what :func:`menshen.cards.read_card` extracts from a Tavern card (JSON, PNG or
``.charx``): every text that can reach the prompt, each with the path it came from. A
:class:`CardReport` is what :func:`menshen.cards.audit_card` says about it.

:func:`card_from_json` maps a parsed card (V1, V2 or V3) onto a :class:`Card`. It walks every
string of the card except metadata (``spec``, ``assets``, dates …): known fields have their types
checked, ``extensions`` and lorebook entries are walked recursively, and the root-level V1 copies
next to ``data`` are kept with root paths (``description`` beside ``data.description``).
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from menshen.errors import InputError
from menshen.verdict import Action, Audience, Evidence, Role, Span

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CardSpec(StrEnum):
    """Which character card specification a card follows."""

    V1 = "v1"
    """Flat JSON (TavernAI): ``name``, ``description``, ``first_mes`` … at the top level."""
    V2 = "v2"
    """``{"spec": "chara_card_v2", "data": {...}}``."""
    V3 = "v3"
    """``{"spec": "chara_card_v3", "data": {...}}``."""


class PersonaKind(StrEnum):
    """The relationship a persona offers the user."""

    PARTNER = "partner"
    """An intimate partner: girlfriend, boyfriend, lover, wife, husband …"""
    RELATIVE = "relative"
    """A virtual relative: the user's mother, father, sister …"""


class CardField(BaseModel):
    """One text of a card."""

    model_config = _FROZEN

    path: str
    """Where the text sits in the card JSON, e.g. ``data.character_book.entries[3].content``.
    Texts from a second card chunk of a PNG are prefixed with it, e.g. ``chara:data.description``.
    """
    text: str
    """The text exactly as stored."""
    role: Role = Role.INPUT
    """``output`` for model-voice texts (greetings, example dialogue), else ``input``."""


class Card(BaseModel):
    """A character card reduced to the texts an audit must see."""

    model_config = _FROZEN

    source: str
    """The file it was read from (or a label given by the caller)."""
    container: str
    """``json``, ``png`` or ``charx``."""
    spec: CardSpec
    """The specification the card follows."""
    name: str = ""
    """The character's name (``data.name``, or ``name`` for V1)."""
    fields: tuple[CardField, ...] = ()
    """Every non-empty text, in card order."""
    notes: tuple[str, ...] = ()
    """What the reader skipped and why (e.g. an unreadable secondary PNG chunk)."""


class CardFinding(BaseModel):
    """One risk found in one field."""

    model_config = _FROZEN

    path: str
    """The field's path (see :attr:`CardField.path`)."""
    role: Role
    """The role the field was checked with."""
    code: str
    """Risk code, e.g. ``X.jailbreak``."""
    score: float
    """Detector confidence."""
    action: Action
    """What the policy calls for on this risk alone, for the report's audience."""
    detector: str
    """Registry name of the detector."""
    spans: tuple[Span, ...] = ()
    """Where, in the field's own text (code-point offsets)."""
    evidence: tuple[Evidence, ...] = ()
    """The rules that fired."""


class PersonaEvidence(BaseModel):
    """Why a card counts as an intimate-partner or virtual-relative persona."""

    model_config = _FROZEN

    path: str
    """The field's path."""
    kind: PersonaKind
    """Partner or relative."""
    term: str
    """The role word from the persona list, e.g. ``女朋友`` or ``girlfriend``."""
    rule: str
    """Which pattern matched, e.g. ``persona:possessive`` or ``persona:tag``."""
    span: Span
    """Where, in the field's own text."""


class CardReport(BaseModel):
    """The audit of one card: what was found and whether it may be published."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    source: str
    """The file the card was read from."""
    spec: CardSpec
    """The card's specification."""
    name: str
    """The character's name."""
    audience: Audience
    """The audience the card was audited for."""
    publishable: bool
    """False when any field is blocked, or for minors when the persona is intimate."""
    action: Action
    """The strictest action over all fields (``flag`` means a person should review it)."""
    reasons: tuple[str, ...] = ()
    """Why the card is not publishable, one line per cause."""
    fields_checked: int
    """How many texts were checked."""
    findings: tuple[CardFinding, ...] = ()
    """Every risk in every field, in card order."""
    intimate_persona: bool
    """True when the card offers the user an intimate partner or a virtual relative."""
    persona_evidence: tuple[PersonaEvidence, ...] = ()
    """The matches behind :attr:`intimate_persona`."""
    errors: tuple[str, ...] = ()
    """Detectors that failed, as ``path: detector: message``."""
    notes: tuple[str, ...] = ()
    """The reader's notes about the file."""
    policy_version: str
    """The policy that decided."""
    lexicon_version: str
    """The keyword library used."""


# ----------------------------------------------------------------- card JSON → Card
MAX_DEPTH = 64
"""Deepest nesting of objects and arrays walked in a card."""
_SPECS = {"chara_card_v2": CardSpec.V2, "chara_card_v3": CardSpec.V3}
_OUTPUT_KEYS = frozenset(
    ("first_mes", "alternate_greetings", "group_only_greetings", "mes_example",
     "char_greeting", "example_dialogue")
)  # fmt: skip
"""Texts in the model's voice (V1/V2/V3 names and the old TavernAI/Pygmalion names)."""
_SKIP_KEYS = frozenset(
    ("spec", "spec_version", "data", "assets", "source", "character_version", "creation_date",
     "modification_date", "create_date", "avatar", "chat")
)  # fmt: skip
"""Card-level metadata that never reaches the prompt (``data`` is walked on its own)."""
_STR, _STRS, _OBJ, _ARR = "a string", "an array of strings", "an object", "an array"
_TYPES = {_STR: str, _STRS: list, _OBJ: dict, _ARR: list}
_KINDS = {dict: _OBJ, list: _ARR, str: _STR, bool: "a boolean", type(None): "null"}
_KINDS.update(dict.fromkeys((int, float), "a number"))
_CARD_TYPES = {
    **dict.fromkeys(
        ("name", "description", "personality", "scenario", "first_mes", "mes_example",
         "creator_notes", "system_prompt", "post_history_instructions", "creator", "nickname"),
        _STR,
    ),
    **dict.fromkeys(("alternate_greetings", "group_only_greetings", "tags"), _STRS),
    **dict.fromkeys(("extensions", "creator_notes_multilingual", "character_book"), _OBJ),
}  # fmt: skip
"""The type of each known card-level field (``null`` counts as absent)."""
_ENTRY_TYPES = {"keys": _STRS, "secondary_keys": _STRS, "content": _STR, "comment": _STR}
_ENTRY_SKIP = frozenset({"id", "position"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _kind(value: object) -> str:
    return _KINDS.get(type(value), "a value")


def _join(path: str, key: str) -> str:
    if _IDENT.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


class _Walker:
    """Collects the texts of one card JSON object, checking the types of known fields."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.fields: list[CardField] = []

    def check(self, path: str, value: object, expected: str | None) -> None:
        if expected is None or value is None:
            return
        ok = isinstance(value, _TYPES[expected])
        if expected == _STRS:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok:
            raise InputError(f"{self.where}: {path}: expected {expected}, got {_kind(value)}")

    def any(self, path: str, value: object, role: Role, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise InputError(f"{self.where}: {path}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, str):
            if value.strip():
                self.fields.append(CardField(path=path, text=value, role=role))
        elif isinstance(value, dict):
            for key, item in value.items():
                self.any(_join(path, str(key)), item, role, depth + 1)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.any(f"{path}[{i}]", item, role, depth + 1)

    def card_level(self, obj: dict[str, Any], prefix: str, skip: frozenset[str]) -> None:
        """The fields of a V1 card, of ``data``, or the root-level copies next to ``data``."""
        for key, value in obj.items():
            path = _join(prefix, key)
            self.check(path, value, _CARD_TYPES.get(key))
            if key in skip or value is None:
                continue
            if key == "character_book":
                self.lorebook(path, value)
            else:
                self.any(path, value, Role.OUTPUT if key in _OUTPUT_KEYS else Role.INPUT)

    def lorebook(self, path: str, book: dict[str, Any]) -> None:
        entries = book.get("entries")
        self.check(f"{path}.entries", entries, _ARR)
        for key, value in book.items():
            if key != "entries":
                self.any(_join(path, key), value, Role.INPUT, 1)
        for i, entry in enumerate(entries or []):
            where = f"{path}.entries[{i}]"
            self.check(where, entry, _OBJ)
            for key, value in entry.items():
                self.check(f"{where}.{key}", value, _ENTRY_TYPES.get(key))
                if key not in _ENTRY_SKIP:
                    self.any(_join(where, key), value, Role.INPUT, 2)


def card_from_json(obj: object, source: str, *, container: str = "json") -> Card:
    """Build a :class:`Card` from a parsed card JSON object (V1, V2 or V3)."""
    if not isinstance(obj, dict):
        raise InputError(f"{source}: a card must be a JSON object, got {_kind(obj)}")
    walker = _Walker(source)
    spec_value, data = obj.get("spec"), obj.get("data")
    if spec_value is None and not isinstance(data, dict):
        spec, data = CardSpec.V1, obj
        walker.card_level(obj, "", _SKIP_KEYS - {"data"})
    else:
        found = _SPECS.get(spec_value) if isinstance(spec_value, str) else None
        if found is None:
            known = "expected chara_card_v2 or chara_card_v3"
            raise InputError(f"{source}: unknown card spec {spec_value!r} ({known})")
        if not isinstance(data, dict):
            raise InputError(f"{source}: data: expected an object, got {_kind(data)}")
        spec = found
        walker.card_level(data, "data", _SKIP_KEYS)
        walker.card_level(obj, "", _SKIP_KEYS)
    name = data.get("name") or obj.get("name") or obj.get("char_name") or ""
    fields = tuple(walker.fields)
    return Card(source=source, container=container, spec=spec, name=str(name), fields=fields)
