"""Character card review: read Tavern cards (JSON, PNG, ``.charx``) and audit them for publishing.

``from menshen.cards import audit_file`` reads a card and checks every text that can reach the
prompt; :class:`CardReport` says what was found and whether the card may be published. The
``menshen card audit`` command lives in :mod:`menshen.cards.cli`.
"""

from menshen.cards.audit import audit_card, audit_file
from menshen.cards.model import (
    Card,
    CardField,
    CardFinding,
    CardReport,
    CardSpec,
    PersonaEvidence,
    PersonaKind,
    card_from_json,
)
from menshen.cards.persona import card_persona, find_persona
from menshen.cards.reader import read_card, read_card_bytes

__all__ = [
    "Card",
    "CardField",
    "CardFinding",
    "CardReport",
    "CardSpec",
    "PersonaEvidence",
    "PersonaKind",
    "audit_card",
    "audit_file",
    "card_from_json",
    "card_persona",
    "find_persona",
    "read_card",
    "read_card_bytes",
]
