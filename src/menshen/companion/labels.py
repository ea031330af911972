"""Explicit AIGC labels on generated text (GB 45438 §5.1; CN-LB-01, CN-LB-02).

The label must contain "人工智能" or "AI", **and** "生成" or "合成" (REQUIREMENTS CN-LB-01).
:func:`is_valid_explicit_label` implements that rule; :func:`apply_label` puts a label at the
start, the end or both ends of a text and is idempotent, so a copied or exported text that already
carries the label is not labelled twice.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, ConfigDict

from menshen.companion.settings import Placement

SEPARATOR = "\n"
"""Between the label and the text."""

# "AI" as a word of its own or the start of one (AI生成, AIGC), not inside a word (SAID, MAIN).
_AI = re.compile(r"人工智能|(?<![A-Za-z])AI")
_GENERATED = re.compile(r"生成|合成")


class LabelParts(BaseModel):
    """What goes before and after a generated text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: str = ""
    """Label and separator before the text (empty unless placed at the start)."""
    suffix: str = ""
    """Separator and label after the text (empty unless placed at the end)."""


def is_valid_explicit_label(text: str) -> bool:
    """True when ``text`` names both elements GB 45438 requires: "人工智能"/"AI" and "生成"/"合成".

    Full-width forms count (``ＡＩ``); ``AI`` must not sit inside a Latin word.
    """
    folded = unicodedata.normalize("NFKC", text)
    return bool(_AI.search(folded) and _GENERATED.search(folded))


def label_parts(label: str, placement: Placement) -> LabelParts:
    """The prefix and suffix that :func:`apply_label` adds, for streaming replies."""
    start = placement in (Placement.START, Placement.BOTH)
    end = placement in (Placement.END, Placement.BOTH)
    return LabelParts(
        prefix=label + SEPARATOR if start else "", suffix=SEPARATOR + label if end else ""
    )


def strip_label(text: str, label: str, placement: Placement) -> str:
    """``text`` without one label at each placed end (the inverse of :func:`apply_label`)."""
    parts = label_parts(label, placement)
    if parts.prefix and text.startswith(parts.prefix):
        text = text[len(parts.prefix) :]
    if parts.suffix and text.endswith(parts.suffix):
        text = text[: -len(parts.suffix)]
    return text


def has_label(text: str, label: str, placement: Placement) -> bool:
    """True when ``text`` carries the label at every end ``placement`` asks for."""
    parts = label_parts(label, placement)
    return text.startswith(parts.prefix) and text.endswith(parts.suffix)


def apply_label(text: str, label: str, placement: Placement) -> str:
    """``text`` with ``label`` at the placed ends; applying it again changes nothing."""
    parts = label_parts(label, placement)
    return parts.prefix + strip_label(text, label, placement) + parts.suffix
