"""The audit log's records and the canonical encoding their hashes are computed over.

Every row of ``audit_log`` carries ``hash = sha256(canonical(payload))`` where the payload is the
row's columns (all but ``hash``) with ``at`` as a UTC ISO string and ``risks``/``detail`` as JSON
values, and ``prev_hash`` is the hash of the row before. docs/store.md spells the encoding out so
that an auditor can recompute it without Menshen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1
"""Version of the store's tables; a database with a newer one is refused."""

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first record of a chain."""

PURGE_KIND = "purge"
"""The ``kind`` of the records the store appends itself when a retention purge runs."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class TextPolicy(StrEnum):
    """How much of an event's raw text the store keeps."""

    FULL = "full"
    """The text as it was judged."""
    REDACTED = "redacted"
    """The text with phone numbers, e-mail addresses, ID card and bank card numbers masked."""
    HASH = "hash"
    """No text; only its SHA-256 (``text_sha256``, which every policy keeps)."""


class AuditRecord(BaseModel):
    """One row of the audit log, as stored."""

    model_config = _FROZEN

    schema_version: int = SCHEMA_VERSION
    """Version of the store's tables this record was read from."""
    seq: int
    """Position in the chain: 1, 2, 3, … without gaps."""
    at: datetime
    """When it happened (UTC, microseconds)."""
    kind: str
    """An :class:`menshen.store.events.EventKind` value, or ``purge`` for a retention purge."""
    request_id: str
    """The response or admin request id the event belongs to."""
    tenant: str
    """The tenant whose key made the request."""
    user: str | None
    """The service's user id, when known."""
    session: str | None
    """The conversation or session id, when known."""
    action: str
    """The action taken."""
    risks: tuple[str, ...]
    """Risk codes found."""
    text: str | None
    """The text as the text policy kept it (``None`` under ``hash`` or when there was none)."""
    text_policy: TextPolicy
    """The text policy in force when the record was written."""
    text_sha256: str | None
    """SHA-256 (hex) of the raw UTF-8 text, whatever the policy."""
    detail: dict[str, Any]
    """Everything else the writer recorded."""
    prev_hash: str
    """The ``hash`` of the record before (``0`` × 64 for the first record)."""
    hash: str
    """SHA-256 (hex) of the canonical encoding of this record, ``prev_hash`` included."""


class Anchor(BaseModel):
    """Where the chain starts after a retention purge: the last purged record's seq and hash."""

    model_config = _FROZEN

    seq: int
    """Seq of the last purged record; the first kept record has ``seq + 1``."""
    hash: str
    """Hash of the last purged record; the first kept record's ``prev_hash``."""
    purged_at: datetime
    """When the purge ran (UTC)."""
    before: datetime
    """The purge cut-off: records from before this time were deleted."""
    records: int
    """How many records the purge deleted."""
    purged_by: str
    """Who ran it."""
    reason: str
    """Why."""


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text (not ``\\u`` escapes), no NaN or infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def utc(value: datetime | str) -> datetime:
    """``value`` as an aware UTC datetime; naive values (SQLite's storage) are taken as UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """The encoding's time format: ``2025-01-31T08:00:00.000000Z``, always six digits."""
    return utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 encoding of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a row given by column name; ``risks`` and ``detail`` hold JSON text.

    Raises ``ValueError`` when a column cannot be decoded (which verify reports as an edit).
    """
    payload = {
        "seq": int(row["seq"]),
        "at": iso_utc(row["at"]),
        "kind": row["kind"],
        "request_id": row["request_id"],
        "tenant": row["tenant"],
        "user_id": row["user_id"],
        "session_id": row["session_id"],
        "action": row["action"],
        "risks": json.loads(row["risks"]),
        "text": row["text"],
        "text_policy": row["text_policy"],
        "text_sha256": row["text_sha256"],
        "detail": json.loads(row["detail"]),
        "prev_hash": row["prev_hash"],
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def record_from_row(row: Mapping[Any, Any]) -> AuditRecord:
    """The :class:`AuditRecord` of a row given by column name."""
    return AuditRecord(
        seq=row["seq"],
        at=utc(row["at"]),
        kind=row["kind"],
        request_id=row["request_id"],
        tenant=row["tenant"],
        user=row["user_id"],
        session=row["session_id"],
        action=row["action"],
        risks=tuple(json.loads(row["risks"])),
        text=row["text"],
        text_policy=TextPolicy(row["text_policy"]),
        text_sha256=row["text_sha256"],
        detail=json.loads(row["detail"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )
