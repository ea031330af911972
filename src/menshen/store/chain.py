"""The chain's two ends: extending it at the head, and the retention anchor at its start.

:func:`extend_chain` is the one place rows get their seq, prev_hash and hash.

The caller holds a write transaction (:meth:`menshen.store.db.Database.write`); the head row is
read ``FOR UPDATE`` so that PostgreSQL writers in other processes queue behind it, as SQLite
writers queue behind ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from menshen.errors import StoreError
from menshen.store.records import Anchor, iso_utc, record_hash, utc
from menshen.store.schema import HEAD_ID, audit_anchor, audit_head, audit_log, raw_time


def extend_chain(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Append ``rows`` (columns without seq, prev_hash and hash); return them completed."""
    query = (
        select(audit_head.c.seq, audit_head.c.hash)
        .where(audit_head.c.id == HEAD_ID)
        .with_for_update()
    )
    head = conn.execute(query).one_or_none()
    if head is None:
        raise StoreError(
            "the audit log's head row (audit_head) is missing, so the chain cannot be extended; "
            "run `menshen audit-log verify` and investigate"
        )
    seq, prev = int(head.seq), str(head.hash)
    completed: list[dict[str, Any]] = []
    for values in rows:
        seq += 1
        row = {**values, "seq": seq, "prev_hash": prev}
        row["hash"] = prev = record_hash(row)
        completed.append(row)
    conn.execute(insert(audit_log), completed)
    conn.execute(update(audit_head).where(audit_head.c.id == HEAD_ID).values(seq=seq, hash=prev))
    return completed


def latest_anchor(conn: Connection) -> Anchor | None:
    """The anchor of the most recent purge, or ``None`` when nothing was ever purged."""
    columns = [raw_time(c) if c.name in ("purged_at", "before") else c for c in audit_anchor.c]
    query = select(*columns).order_by(audit_anchor.c.seq.desc()).limit(1)
    row = conn.execute(query).mappings().one_or_none()
    if row is None:
        return None
    return Anchor(
        seq=row["seq"],
        hash=row["hash"],
        purged_at=utc(row["purged_at"]),
        before=utc(row["before"]),
        records=row["records"],
        purged_by=row["purged_by"],
        reason=row["reason"],
    )


def anchor_claim(anchor: Anchor) -> dict[str, Any]:
    """The ``detail`` of the purge record that vouches for ``anchor`` inside the chain."""
    return {
        "anchor_seq": anchor.seq,
        "anchor_hash": anchor.hash,
        "before": iso_utc(anchor.before),
        "purged_at": iso_utc(anchor.purged_at),
        "records": anchor.records,
        "purged_by": anchor.purged_by,
        "reason": anchor.reason,
    }
