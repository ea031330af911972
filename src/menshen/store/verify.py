"""Walking the chain: does every record still match its hash and link to the one before?

One snapshot transaction, rows streamed in seq order (``yield_per``), two hashes of state kept:
memory does not grow with the log. The walk stops at the first problem and names its seq:

- a record whose content no longer matches its hash was **edited** (when it matches the hash it
  would have at a neighbouring seq, records were renumbered: one was **inserted** or **deleted**);
- a missing seq, at the start, in the middle or before the head, was **deleted**;
- a record that is consistent but does not link to its predecessor means the predecessor was
  rewritten with a recomputed hash, or (when both claim the same predecessor) was **inserted**;
- a record past the head row was **inserted** outside the store;
- after a purge the chain starts at the **anchor**, which must match the first kept record and
  be vouched for by the purge record the store wrote into the chain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select

from menshen.store.chain import anchor_claim, latest_anchor
from menshen.store.db import Database
from menshen.store.records import GENESIS_HASH, PURGE_KIND, Anchor, record_hash
from menshen.store.schema import HEAD_ID, ROW_COLUMNS, audit_head, audit_log


class Problem(StrEnum):
    """What verify found wrong."""

    EDITED = "edited"
    """A record's content was changed (possibly with its hash recomputed)."""
    DELETED = "deleted"
    """Records are missing."""
    INSERTED = "inserted"
    """A record was added outside the store."""
    ANCHOR = "anchor"
    """The retention anchor does not match the chain it claims to start."""


class VerifyReport(BaseModel):
    """The outcome of :func:`verify_chain`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    """True when the whole chain verifies."""
    checked: int
    """Records whose hash and link were checked before the walk ended."""
    first_seq: int | None
    """The first record walked (``None`` for an empty log)."""
    last_seq: int | None
    """The last record that verified."""
    head_seq: int
    """The chain head's seq; write it down elsewhere to detect a rewritten tail later."""
    head_hash: str
    """The chain head's hash."""
    anchor: Anchor | None
    """Where the chain starts after a retention purge."""
    bad_seq: int | None = None
    """The first record that is wrong (or where the first missing one belongs)."""
    problem: Problem | None = None
    """What is wrong there."""
    reason: str | None = None
    """The explanation, for people."""


class _Walk:
    """The state of one walk: what the next record must look like."""

    def __init__(self, head_seq: int, anchor: Anchor | None) -> None:
        self.head_seq = head_seq
        self.anchor = anchor
        self.expected_seq = anchor.seq + 1 if anchor else 1
        self.expected_prev = anchor.hash if anchor else GENESIS_HASH
        self.before_prev: str | None = None  # the predecessor the previous record claimed
        self.confirmed = anchor is None
        self.checked = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.bad: tuple[int | None, Problem, str] | None = None

    def fail(self, seq: int | None, problem: Problem, reason: str) -> bool:
        self.bad = (seq, problem, reason)
        return False

    def step(self, row: Mapping[Any, Any]) -> bool:
        """Check one record; False when it is the first bad one."""
        seq = int(row["seq"])
        if self.first_seq is None:
            self.first_seq = seq
            if self.anchor is not None and seq <= self.anchor.seq:
                # rows an interrupted purge has not deleted yet: their own first link is gone
                self.expected_seq, self.expected_prev = seq, str(row["prev_hash"])
        if seq > self.head_seq:
            return self.fail(
                seq, Problem.INSERTED, f"record {seq} is past the chain head ({self.head_seq})"
            )
        if seq != self.expected_seq:
            return self.fail(self.expected_seq, Problem.DELETED, self._missing(seq))
        if not self._hash_ok(row, seq):
            return False
        if row["prev_hash"] != self.expected_prev:
            return self._broken_link(row, seq)
        if self.anchor is not None and seq == self.anchor.seq and row["hash"] != self.anchor.hash:
            return self.fail(
                seq, Problem.ANCHOR, f"record {seq} does not match the retention anchor's hash"
            )
        if not self.confirmed and row["kind"] == PURGE_KIND:
            self.confirmed = _vouches(row, self.anchor)
        self.before_prev, self.expected_prev = str(row["prev_hash"]), str(row["hash"])
        self.expected_seq, self.last_seq = seq + 1, seq
        self.checked += 1
        return True

    def finish(self, head_hash: str) -> None:
        """Checks that need the whole walk: the tail against the head, the anchor's voucher."""
        if self.expected_seq <= self.head_seq:
            self.fail(self.expected_seq, Problem.DELETED, self._missing(self.head_seq + 1))
        elif self.checked and self.expected_prev != head_hash:
            self.fail(
                self.last_seq,
                Problem.EDITED,
                f"record {self.last_seq} does not match the chain head's hash: the record was "
                "rewritten or the head row edited",
            )
        elif not self.confirmed and self.anchor is not None:
            self.fail(
                self.anchor.seq,
                Problem.ANCHOR,
                f"no purge record in the chain vouches for the retention anchor at seq "
                f"{self.anchor.seq}: the audit_anchor table was edited",
            )

    def _missing(self, next_seq: int) -> str:
        first, last = self.expected_seq, next_seq - 1
        span = f"record {first} is" if first == last else f"records {first}–{last} are"
        return f"{span} missing"

    def _hash_ok(self, row: Mapping[Any, Any], seq: int) -> bool:
        try:
            if record_hash(row) == row["hash"]:
                return True
        except (ValueError, TypeError) as exc:
            return self.fail(seq, Problem.EDITED, f"record {seq} cannot be decoded ({exc})")
        for moved, problem, how in (
            (seq - 1, Problem.INSERTED, "a record was inserted before it"),
            (seq + 1, Problem.DELETED, "a record before it was deleted, or records reordered"),
        ):
            if record_hash({**row, "seq": moved}) == row["hash"]:
                bad = seq - 1 if problem is Problem.INSERTED else seq
                why = f"the record at seq {seq} was written as seq {moved}: {how}"
                return self.fail(bad, problem, why)
        return self.fail(seq, Problem.EDITED, f"record {seq} does not match its hash")

    def _broken_link(self, row: Mapping[Any, Any], seq: int) -> bool:
        if self.checked == 0:
            start = f"the retention anchor (seq {self.anchor.seq})" if self.anchor else "genesis"
            problem = Problem.ANCHOR if self.anchor else Problem.EDITED
            return self.fail(seq, problem, f"record {seq} does not link to {start}")
        if row["prev_hash"] == self.before_prev:
            why = f"records {seq - 1} and {seq} both link to record {seq - 2}"
            return self.fail(seq - 1, Problem.INSERTED, why)
        why = f"record {seq} does not link to record {seq - 1}: it was rewritten or replaced"
        return self.fail(seq - 1, Problem.EDITED, why)


def _vouches(row: Mapping[Any, Any], anchor: Anchor | None) -> bool:
    return anchor is not None and json.loads(row["detail"]) == anchor_claim(anchor)


def verify_chain(db: Database, *, batch: int = 2000) -> VerifyReport:
    """Walk the whole audit log of ``db`` and report the first problem, if any."""
    with db.read("verifying the audit log") as conn:
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID)
        ).one_or_none()
        head_seq, head_hash = (int(head.seq), str(head.hash)) if head else (0, GENESIS_HASH)
        try:
            anchor = latest_anchor(conn)
        except (ValueError, ValidationError) as exc:
            return _report(_Walk(head_seq, None), head_hash, None, exc)
        walk = _Walk(head_seq, anchor)
        if head is None:
            walk.fail(None, Problem.DELETED, "the chain head row (audit_head) was deleted")
        else:
            query = (
                select(*ROW_COLUMNS).order_by(audit_log.c.seq).execution_options(yield_per=batch)
            )
            result = conn.execute(query)
            try:
                if all(walk.step(row) for row in result.mappings()):
                    walk.finish(head_hash)
            finally:
                result.close()  # a PostgreSQL server-side cursor left open after a failure
    return _report(walk, head_hash, anchor, None)


def _report(
    walk: _Walk, head_hash: str, anchor: Anchor | None, anchor_error: Exception | None
) -> VerifyReport:
    if anchor_error is not None:
        walk.fail(None, Problem.ANCHOR, f"the retention anchor cannot be read: {anchor_error}")
    seq, problem, reason = walk.bad or (None, None, None)
    return VerifyReport(
        ok=walk.bad is None,
        checked=walk.checked,
        first_seq=walk.first_seq,
        last_seq=walk.last_seq,
        head_seq=walk.head_seq,
        head_hash=head_hash,
        anchor=anchor,
        bad_seq=seq,
        problem=problem,
        reason=reason,
    )
