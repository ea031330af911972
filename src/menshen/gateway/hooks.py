"""The seam where companion protections plug into the request pipeline.

The gateway calls a :class:`Companion` twice per turn:

1. :meth:`Companion.on_input` after the input guard (blocked or not) and before the upstream
   call. Its :class:`InputAdvice` may answer the turn itself (a crisis referral: the model is
   not called, even when the turn was blocked), or add system messages for the model (minors
   mode).
2. :meth:`Companion.on_output` after a reply (or each choice of it) passed the output guard and
   before it is released. Its :class:`OutputAdvice` may append text to the reply (an AI
   disclosure, a break reminder, an AIGC label). A reply that was blocked or cut is not
   offered.

Both may return audit events (crisis, notice); the gateway records them with its own, before
anything is released. ``menshen.companion`` decides *what* to do; this module only says where.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from menshen.gateway.inbound import ChatTurn
from menshen.gateway.screening import InputScreening, Screening
from menshen.store.events import AuditEvent


@dataclass(frozen=True, slots=True)
class TurnInfo:
    """What a companion protection can see of one turn."""

    request_id: str
    """The ``chatcmpl-…`` id the client receives (and every audit event carries)."""
    turn: ChatTurn
    """The request: newest user text, system prompts, speaker, language."""
    input: InputScreening
    """The input guard's outcome."""


@dataclass(frozen=True, slots=True)
class InputAdvice:
    """What to do before the upstream call."""

    reply: str | None = None
    """Answer the turn with this text instead of calling the model."""
    system_notes: tuple[str, ...] = ()
    """System messages added after the request's own system messages."""
    events: tuple[AuditEvent, ...] = ()
    """Audit events to record with the input event."""


@dataclass(frozen=True, slots=True)
class OutputAdvice:
    """What to do to a reply that passed the output guard."""

    suffix: str = ""
    """Text appended to the reply."""
    events: tuple[AuditEvent, ...] = ()
    """Audit events to record with the output event."""


class Companion(Protocol):
    """Companion protections (disclosure, reminders, crisis referral, minors mode, labels)."""

    async def on_input(self, info: TurnInfo) -> InputAdvice:
        """Advice after the input guard, before the upstream call."""
        ...

    async def on_output(self, info: TurnInfo, text: str, screening: Screening) -> OutputAdvice:
        """Advice for one reply that passed the output guard."""
        ...


class NoCompanion:
    """No companion protections: the turn passes through unchanged."""

    async def on_input(self, info: TurnInfo) -> InputAdvice:
        return InputAdvice()

    async def on_output(self, info: TurnInfo, text: str, screening: Screening) -> OutputAdvice:
        return OutputAdvice()
