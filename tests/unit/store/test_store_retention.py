"""Retention: purge deletes a prefix, anchors the chain, and verify still proves the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from store_helpers import auditor_hash, event, raw_rows, raw_sql

from menshen.errors import StoreError
from menshen.store import AuditLog, Problem, retention

NOW = datetime.now(UTC)  # for times far from now; near ones are taken when used
OLD = NOW - timedelta(days=400)
CUTOFF = NOW - timedelta(days=200)


@pytest.fixture
def aged(log: AuditLog) -> AuditLog:
    """Records 1–6 are 400 days old, 7–9 are recent."""
    log.append_many([event(n, at=OLD + timedelta(minutes=n)) for n in range(1, 7)])
    log.append_many([event(n) for n in range(7, 10)])
    return log


def seqs(url: str) -> list[int]:
    return [row["seq"] for row in raw_rows(url, "SELECT seq FROM audit_log ORDER BY seq")]


def test_purge_deletes_old_records_and_the_rest_verifies(aged: AuditLog, db_url: str) -> None:
    sixth = aged.find("chatcmpl-6")[0]
    report = aged.purge(CUTOFF, by="auditor", reason="quarterly retention")
    assert report.deleted == 6
    assert report.anchor is not None
    assert (report.anchor.seq, report.anchor.hash, report.anchor.records) == (6, sixth.hash, 6)
    assert report.record is not None and report.record.kind == "purge"
    assert report.record.seq == 10
    assert report.record.detail["anchor_hash"] == sixth.hash
    assert seqs(db_url) == [7, 8, 9, 10]
    verified = aged.verify()
    assert verified.ok, verified.reason
    assert (verified.first_seq, verified.checked, verified.anchor) == (7, 4, report.anchor)


def test_records_after_a_purge_keep_chaining(aged: AuditLog) -> None:
    aged.purge(CUTOFF)
    [record] = aged.append_many([event(11)])
    assert record.seq == 11
    assert aged.verify().ok


def test_purge_inside_the_minimum_retention_is_refused(aged: AuditLog, db_url: str) -> None:
    with pytest.raises(StoreError, match=r"minimum retention is 183 days.*--force"):
        aged.purge(NOW - timedelta(days=30))
    assert seqs(db_url) == list(range(1, 10))


def test_forced_purge_inside_the_retention_runs(aged: AuditLog, db_url: str) -> None:
    report = aged.purge(datetime.now(UTC) + timedelta(minutes=1), force=True, reason="test data")
    assert report.deleted == 9
    assert seqs(db_url) == [10]
    assert aged.verify().ok


def test_purge_keeps_everything_after_a_late_stamped_record(log: AuditLog, db_url: str) -> None:
    log.append_many([event(1, at=OLD), event(2), event(3, at=OLD)])
    assert log.purge(CUTOFF).deleted == 1
    assert seqs(db_url) == [2, 3, 4]


def test_purge_with_nothing_old_enough_changes_nothing(aged: AuditLog, db_url: str) -> None:
    report = aged.purge(OLD - timedelta(days=1))
    assert (report.deleted, report.anchor, report.record) == (0, None, None)
    assert seqs(db_url) == list(range(1, 10))


def test_second_purge_moves_the_anchor(aged: AuditLog, db_url: str) -> None:
    aged.purge(CUTOFF)
    report = aged.purge(datetime.now(UTC) + timedelta(minutes=1), force=True)
    assert report.anchor is not None and report.anchor.seq == 10
    assert report.deleted == 4
    assert seqs(db_url) == [11]
    assert aged.verify().ok


def test_purge_refuses_a_chain_that_does_not_verify(aged: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "UPDATE audit_log SET text = 'changed' WHERE seq = 3")
    with pytest.raises(StoreError, match=r"does not verify.*seq 3"):
        aged.purge(CUTOFF)
    assert seqs(db_url) == list(range(1, 10))


def test_purge_deletes_in_chunks(
    aged: AuditLog, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "_CHUNK", 2)
    assert aged.purge(CUTOFF).deleted == 6
    assert seqs(db_url) == [7, 8, 9, 10]


def _copy(url: str, seqs: range) -> list[dict[str, Any]]:
    first, last = seqs.start, seqs.stop - 1
    query = "SELECT * FROM audit_log WHERE seq BETWEEN :a AND :b ORDER BY seq"
    return raw_rows(url, query, a=first, b=last)


def _restore(url: str, rows: list[dict[str, Any]]) -> None:
    for values in rows:
        names = ", ".join(values)
        raw_sql(url, f"INSERT INTO audit_log ({names}) VALUES (:{', :'.join(values)})", **values)


def test_interrupted_purge_verifies_and_finishes_next_time(aged: AuditLog, db_url: str) -> None:
    # an interrupted purge leaves the newest purged records: here 4–6 are put back after it
    leftovers = _copy(db_url, range(4, 7))
    aged.purge(CUTOFF)
    _restore(db_url, leftovers)
    report = aged.verify()
    assert report.ok, report.reason
    assert (report.first_seq, report.checked) == (4, 7)
    raw_sql(db_url, "UPDATE audit_log SET text = 'changed' WHERE seq = 5")
    assert (aged.verify().bad_seq, aged.verify().problem) == (5, Problem.EDITED)
    raw_sql(db_url, "UPDATE audit_log SET text = :t WHERE seq = 5", t=leftovers[1]["text"])
    assert aged.purge(CUTOFF).deleted == 3
    assert seqs(db_url) == [7, 8, 9, 10]


def test_leftovers_must_reach_the_anchor(aged: AuditLog, db_url: str) -> None:
    leftovers = _copy(db_url, range(4, 6))
    aged.purge(CUTOFF)
    _restore(db_url, leftovers)
    report = aged.verify()
    assert (report.bad_seq, report.problem) == (6, Problem.DELETED)


def test_edited_anchor_is_caught(aged: AuditLog, db_url: str) -> None:
    aged.purge(CUTOFF)
    raw_sql(db_url, "UPDATE audit_anchor SET reason = 'something else'")
    report = aged.verify()
    assert (report.bad_seq, report.problem) == (6, Problem.ANCHOR)


def test_anchor_moved_to_hide_more_deletions_is_caught(aged: AuditLog, db_url: str) -> None:
    aged.purge(CUTOFF)
    seventh = raw_rows(db_url, "SELECT hash FROM audit_log WHERE seq = 7")[0]["hash"]
    raw_sql(db_url, "DELETE FROM audit_log WHERE seq = 7")
    raw_sql(db_url, "UPDATE audit_anchor SET seq = 7, hash = :h", h=seventh)
    assert aged.verify().problem is Problem.ANCHOR


def test_deleted_anchor_leaves_the_purged_records_missing(aged: AuditLog, db_url: str) -> None:
    aged.purge(CUTOFF)
    raw_sql(db_url, "DELETE FROM audit_anchor")
    assert (aged.verify().bad_seq, aged.verify().problem) == (1, Problem.DELETED)


def test_first_record_not_linking_to_the_anchor_is_caught(aged: AuditLog, db_url: str) -> None:
    aged.purge(CUTOFF)
    [seventh] = raw_rows(db_url, "SELECT * FROM audit_log WHERE seq = 7")
    edited = {**seventh, "prev_hash": "4" * 64}
    raw_sql(
        db_url,
        "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = 7",
        p=edited["prev_hash"],
        h=auditor_hash(edited),
    )
    assert (aged.verify().bad_seq, aged.verify().problem) == (7, Problem.ANCHOR)


def test_unreadable_anchor_is_reported(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with AuditLog.open(url) as log:
        log.append_many([event(1, at=OLD), event(2)])
        log.purge(CUTOFF)
        raw_sql(url, "UPDATE audit_anchor SET before = 'last spring'")
        report = log.verify()
    assert (report.ok, report.problem) == (False, Problem.ANCHOR)
