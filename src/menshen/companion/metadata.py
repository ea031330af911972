"""Implicit AIGC metadata on exported files (GB 45438 Annex E; CN-LB-03, EU-50-02).

The block is a JSON member ``"AIGC": {...}`` with exactly the seven fields of Annex E::

    {"AIGC":{"Label":"1","ContentProducer":"...","ProduceID":"...","ReservedCode1":"",
             "ContentPropagator":"","PropagateID":"","ReservedCode2":""}}

``Label`` is ``"1"`` (generated), ``"2"`` (possibly generated) or ``"3"`` (suspected generated).
Values are restricted to printable ASCII without ``"`` and ``\\`` (so they never need escaping);
``ContentProducer`` and ``ProduceID`` must not be empty. :func:`aigc_block` builds the block;
:func:`parse_aigc_metadata` finds it in a file's text and checks that there is exactly one.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from menshen.errors import InputError

ALLOWED_VALUE = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")
"""Printable ASCII (space to ``~``) without ``"`` and ``\\``."""
_BLOCK = re.compile(r'"AIGC"\s*:\s*(?=\{)')


class AigcLabel(StrEnum):
    """The ``Label`` values of Annex E."""

    GENERATED = "1"
    """The content is AI-generated or synthesised."""
    POSSIBLY = "2"
    """The content may be AI-generated."""
    SUSPECTED = "3"
    """The content is suspected to be AI-generated."""


class AigcMetadata(BaseModel):
    """The seven fields of the implicit label, with the standard's names as aliases."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    label: AigcLabel = Field(default=AigcLabel.GENERATED, alias="Label")
    """What the file is: generated, possibly generated, or suspected generated."""
    content_producer: str = Field(alias="ContentProducer", min_length=1)
    """Name or code of the service provider that produced the content."""
    produce_id: str = Field(alias="ProduceID", min_length=1)
    """The producer's identifier of this content (e.g. the message id)."""
    reserved_code1: str = Field(default="", alias="ReservedCode1")
    """Reserved for the producer (e.g. a signature or hash)."""
    content_propagator: str = Field(default="", alias="ContentPropagator")
    """Name or code of the platform that spread the content (empty when not spread)."""
    propagate_id: str = Field(default="", alias="PropagateID")
    """The propagator's identifier of the content."""
    reserved_code2: str = Field(default="", alias="ReservedCode2")
    """Reserved for the propagator."""

    @field_validator(
        "content_producer", "produce_id", "reserved_code1", "content_propagator",
        "propagate_id", "reserved_code2",
    )  # fmt: skip
    @classmethod
    def _ascii(cls, value: str) -> str:
        if not ALLOWED_VALUE.fullmatch(value):
            bad = next(ch for ch in value if not ALLOWED_VALUE.fullmatch(ch))
            raise ValueError(f"character {bad!r} is outside printable ASCII without '\"' and '\\'")
        return value


def aigc_fields(metadata: AigcMetadata) -> dict[str, str]:
    """The fields under their Annex E names, in the standard's order."""
    return {k: str(v) for k, v in metadata.model_dump(by_alias=True, mode="json").items()}


def aigc_block(metadata: AigcMetadata) -> str:
    """The metadata as a compact JSON object ``{"AIGC":{...}}``, to embed in an export."""
    return json.dumps({"AIGC": aigc_fields(metadata)}, separators=(",", ":"))


def parse_aigc_metadata(text: str) -> AigcMetadata:
    """Find the one ``"AIGC": {...}`` block in a file's text and check its fields.

    Raises :class:`InputError` when there is none, more than one, or a field is missing, extra or
    has a value outside the allowed set.
    """
    starts = [m.end() for m in _BLOCK.finditer(text)]
    if len(starts) != 1:
        found = "no" if not starts else str(len(starts))
        raise InputError(f"expected exactly one AIGC metadata block, found {found}")
    try:
        raw, _ = json.JSONDecoder().raw_decode(text, starts[0])
    except json.JSONDecodeError as exc:
        raise InputError(f"the AIGC metadata block is not valid JSON: {exc.msg}") from exc
    expected = list(AigcMetadata.model_fields)
    aliases = {AigcMetadata.model_fields[n].alias for n in expected}
    extra = sorted(set(raw) - aliases)
    missing = sorted(a for a in aliases if a is not None and a not in raw)
    if extra or missing:
        raise InputError(f"AIGC metadata fields: missing {missing}, unexpected {extra}")
    if not all(isinstance(v, str) for v in raw.values()):
        raise InputError("every AIGC metadata value must be a string")
    try:
        return AigcMetadata.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"AIGC metadata field {first['loc'][0]}: {first['msg']}") from exc
