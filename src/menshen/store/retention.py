"""Retention: deleting old records while the chain stays verifiable.

A purge

1. refuses a cut-off inside the minimum retention (default 183 days) unless forced, and refuses
   to run on a chain that does not verify (it would destroy the evidence);
2. in one transaction under the head lock, stores an anchor (seq and hash of the last record to
   delete) in ``audit_anchor`` and appends a ``purge`` record to the chain whose detail repeats
   the anchor, so that the anchor table cannot be edited unnoticed;
3. deletes the records up to the anchor in chunks of short transactions, oldest first, so that
   the gateway's writers are never held up for long; if it is interrupted, the records left
   below the anchor still verify and the next purge deletes them.

Only a prefix of the chain is ever deleted: the records before the first one at or after the
cut-off, so a late-stamped record keeps everything after it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, func, insert, select

from menshen.errors import StoreError
from menshen.store.chain import anchor_claim, extend_chain, latest_anchor
from menshen.store.config import DEFAULT_MIN_RETENTION
from menshen.store.db import Database
from menshen.store.records import (
    PURGE_KIND,
    Anchor,
    AuditRecord,
    TextPolicy,
    canonical_json,
    record_from_row,
    utc,
)
from menshen.store.schema import HEAD_ID, audit_anchor, audit_head, audit_log
from menshen.store.verify import verify_chain

logger = logging.getLogger(__name__)

_CHUNK = 5000


class PurgeReport(BaseModel):
    """What a purge did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deleted: int
    """Records deleted by this call."""
    anchor: Anchor | None
    """The anchor the chain now starts from (``None`` when nothing was ever purged)."""
    record: AuditRecord | None
    """The ``purge`` record appended to the chain (``None`` when no new records were old enough).
    """


def purge(
    db: Database,
    before: datetime,
    *,
    text_policy: TextPolicy,
    min_retention: timedelta = DEFAULT_MIN_RETENTION,
    force: bool = False,
    by: str,
    reason: str,
) -> PurgeReport:
    """Delete the records from before ``before`` (naive times are UTC); see the module doc."""
    before, now = utc(before), datetime.now(UTC)
    keep_from = now - min_retention
    if before > keep_from and not force:
        raise StoreError(
            f"refusing to purge records up to {before:%Y-%m-%d %H:%M} UTC: the minimum retention "
            f"is {min_retention.days} days, so everything since {keep_from:%Y-%m-%d %H:%M} UTC "
            "must be kept; choose an earlier date, or force it (--force)"
        )
    report = verify_chain(db)
    if not report.ok:
        raise StoreError(
            f"refusing to purge: the audit log does not verify (seq {report.bad_seq}: "
            f"{report.reason}); purging could destroy the evidence, investigate first"
        )
    with db.write("purging the audit log") as conn:
        anchor = latest_anchor(conn)
        start = anchor.seq if anchor else 0
        first_kept = conn.execute(
            select(func.min(audit_log.c.seq)).where(audit_log.c.at >= before)
        ).scalar_one_or_none()
        head_seq = conn.execute(
            select(audit_head.c.seq).where(audit_head.c.id == HEAD_ID)
        ).scalar_one()
        cut = int(first_kept) - 1 if first_kept is not None else int(head_seq)
        row: dict[str, Any] | None = None
        if cut > start:
            last_hash = conn.execute(
                select(audit_log.c.hash).where(audit_log.c.seq == cut)
            ).scalar_one()
            anchor = Anchor(
                seq=cut,
                hash=last_hash,
                purged_at=now,
                before=before,
                records=cut - start,
                purged_by=by,
                reason=reason,
            )
            conn.execute(insert(audit_anchor).values(anchor.model_dump()))
            [row] = extend_chain(conn, [_purge_values(anchor, text_policy)])
    deleted = _delete_through(db, anchor.seq) if anchor else 0
    logger.info("audit purge before %s: %d records deleted, anchor %s", before, deleted, anchor)
    return PurgeReport(deleted=deleted, anchor=anchor, record=record_from_row(row) if row else None)


def _purge_values(anchor: Anchor, text_policy: TextPolicy) -> dict[str, Any]:
    return {
        "at": anchor.purged_at,
        "kind": PURGE_KIND,
        "request_id": f"purge-{uuid.uuid4().hex}",
        "tenant": "default",
        "user_id": None,
        "session_id": None,
        "action": PURGE_KIND,
        "risks": "[]",
        "text": None,
        "text_policy": text_policy.value,
        "text_sha256": None,
        "detail": canonical_json(anchor_claim(anchor)),
    }


def _delete_through(db: Database, last: int) -> int:
    """Delete records with seq ≤ ``last``, oldest first, ``_CHUNK`` per transaction."""
    deleted = 0
    while True:
        with db.write("deleting purged audit records") as conn:
            low = conn.execute(select(func.min(audit_log.c.seq))).scalar_one_or_none()
            if low is None or low > last:
                return deleted
            upto = min(int(low) + _CHUNK - 1, last)
            deleted += conn.execute(delete(audit_log).where(audit_log.c.seq <= upto)).rowcount
