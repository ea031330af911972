"""What the gateway records about each decision: the audit log's input record.

The gateway builds an :class:`AuditEvent` for every guard decision (input checked, output
released or cut, crisis referral, enforcement step) and hands it to an :class:`AuditSink`. The
store turns it into a hash-chained row; the text policy of the store decides how much of
``text`` is kept (full, PII-redacted or hash-only), so the event always carries the raw text.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class EventKind(StrEnum):
    """What happened."""

    INPUT = "input"
    """A user turn (or a system prompt / character field) was checked before the upstream call."""
    OUTPUT = "output"
    """A model reply was checked and released (possibly with a label or a replacement)."""
    STREAM_CUT = "stream_cut"
    """A streamed reply was cut off because its continuation was unsafe."""
    CRISIS = "crisis"
    """Self-harm or suicide intent was detected and a referral was given."""
    ENFORCEMENT = "enforcement"
    """A user's strike count changed (warn, limit, suspend, appeal, reset)."""
    NOTICE = "notice"
    """A companion protection notice was shown (AI disclosure, break reminder)."""


class AuditEvent(BaseModel):
    """One decision, as the gateway saw it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    """Version of this record's shape."""
    kind: EventKind
    """What happened."""
    request_id: str = Field(min_length=1)
    """The id of the response the client receives (``chatcmpl-…``), or of the admin request."""
    tenant: str = "default"
    """The tenant whose API key made the request."""
    user: str | None = None
    """The service's user id, when the request carried one."""
    session: str | None = None
    """The conversation or session id, when the request carried one."""
    action: str
    """The action taken (a :class:`menshen.verdict.Action` value, or an enforcement step)."""
    risks: tuple[str, ...] = ()
    """Risk codes found, in the verdict's order."""
    text: str | None = None
    """The raw text judged; the store's text policy decides what of it is kept."""
    detail: dict[str, Any] = Field(default_factory=dict)
    """Anything else worth keeping (policy and lexicon versions, scores, profile, model)."""
    at: datetime | None = None
    """When it happened (UTC); the store fills in its own clock when missing."""


class AuditSink(Protocol):
    """Where the gateway sends its events. ``record`` returns once the event is durable."""

    async def record(self, event: AuditEvent) -> None:
        """Persist ``event``; raise :class:`menshen.errors.StoreError` when it cannot be kept."""
        ...


__all__ = ["AuditEvent", "AuditSink", "EventKind"]
