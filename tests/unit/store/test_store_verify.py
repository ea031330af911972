"""verify names the first edited, inserted or deleted record; the tampering is raw SQL.

Each test writes ten records (seq 1–10) and changes the database behind the store's back, the
way someone with database access would, from a careless edit to a rewrite that recomputes hashes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from store_helpers import auditor_hash, event, raw_rows, raw_sql

from menshen.store import AuditLog, Problem, VerifyReport

COLUMNS = (
    "seq, at, kind, request_id, tenant, user_id, session_id, action, risks, text, text_policy, "
    "text_sha256, detail, prev_hash, hash"
)


@pytest.fixture
def ten(log: AuditLog) -> AuditLog:
    log.append_many([event(n) for n in range(1, 5)])
    log.append_many([event(n) for n in range(5, 11)])
    return log


def bad(log: AuditLog) -> tuple[int | None, Problem | None]:
    report = log.verify()
    assert not report.ok and report.reason
    return report.bad_seq, report.problem


def row(url: str, seq: int) -> dict[str, Any]:
    [found] = raw_rows(url, f"SELECT {COLUMNS} FROM audit_log WHERE seq = :seq", seq=seq)
    return found


def insert_row(url: str, values: dict[str, Any]) -> None:
    names = ", ".join(values)
    raw_sql(url, f"INSERT INTO audit_log ({names}) VALUES (:{', :'.join(values)})", **values)


def shift(url: str, first: int, by: int) -> None:
    """Renumber records from ``first`` on by ``by`` (in two steps: seq is a primary key)."""
    raw_sql(url, "UPDATE audit_log SET seq = -seq WHERE seq >= :first", first=first)
    raw_sql(url, "UPDATE audit_log SET seq = -seq + :by WHERE seq < 0", by=by)


def test_intact_chain_verifies(ten: AuditLog) -> None:
    report = ten.verify()
    assert report == VerifyReport(
        ok=True,
        checked=10,
        first_seq=1,
        last_seq=10,
        head_seq=10,
        head_hash=report.head_hash,
        anchor=None,
    )
    assert report.head_hash == ten.find("chatcmpl-10")[0].hash


def test_empty_log_verifies(log: AuditLog) -> None:
    report = log.verify()
    assert report.ok and report.checked == 0 and report.first_seq is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("text", "今天天气不好"),
        ("action", "block"),
        ("kind", "output"),
        ("request_id", "chatcmpl-other"),
        ("user_id", None),
        ("risks", '["A.1.a"]'),
        ("detail", '{"policy":"default@1","score":0.5}'),
        ("detail", "{not json"),
        ("at", datetime(2025, 1, 1, tzinfo=UTC)),
        ("text_policy", "hash"),
        ("prev_hash", "1" * 64),
        ("hash", "2" * 64),
    ],
)
def test_any_edit_names_the_record(ten: AuditLog, db_url: str, column: str, value: Any) -> None:
    raw_sql(db_url, f"UPDATE audit_log SET {column} = :v WHERE seq = 5", v=value)
    assert bad(ten) == (5, Problem.EDITED)


def test_deleted_record_is_named(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "DELETE FROM audit_log WHERE seq IN (5, 6)")
    report = ten.verify()
    assert (report.bad_seq, report.problem) == (5, Problem.DELETED)
    assert report.reason == "records 5–6 are missing"
    assert report.checked == 4


def test_deleted_first_record_is_named(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "DELETE FROM audit_log WHERE seq = 1")
    assert bad(ten) == (1, Problem.DELETED)


def test_deleted_tail_is_found_from_the_head(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "DELETE FROM audit_log WHERE seq >= 9")
    assert bad(ten) == (9, Problem.DELETED)


def test_deleted_head_row_is_reported(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "DELETE FROM audit_head")
    assert bad(ten) == (None, Problem.DELETED)


def test_record_appended_behind_the_stores_back_is_named(ten: AuditLog, db_url: str) -> None:
    forged = {**row(db_url, 10), "seq": 11, "request_id": "chatcmpl-forged"}
    forged["prev_hash"] = row(db_url, 10)["hash"]
    forged["hash"] = auditor_hash(forged)
    insert_row(db_url, forged)
    assert bad(ten) == (11, Problem.INSERTED)


def test_inserted_record_with_renumbering_is_named(ten: AuditLog, db_url: str) -> None:
    shift(db_url, 5, +1)
    forged = {**row(db_url, 6), "seq": 5, "text": "补录的一条", "prev_hash": row(db_url, 4)["hash"]}
    forged["hash"] = auditor_hash(forged)
    insert_row(db_url, forged)
    assert bad(ten) == (5, Problem.INSERTED)


def test_inserted_record_with_the_next_one_rehashed_is_named(ten: AuditLog, db_url: str) -> None:
    shift(db_url, 5, +1)
    forged = {**row(db_url, 6), "seq": 5, "text": "补录的一条"}
    forged["hash"] = auditor_hash(forged)
    insert_row(db_url, forged)
    moved = row(db_url, 6)
    raw_sql(db_url, "UPDATE audit_log SET hash = :h WHERE seq = 6", h=auditor_hash(moved))
    assert bad(ten) == (5, Problem.INSERTED)


def test_deleted_record_with_renumbering_is_named(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "DELETE FROM audit_log WHERE seq = 5")
    shift(db_url, 6, -1)
    raw_sql(db_url, "UPDATE audit_head SET seq = 9")
    assert bad(ten) == (5, Problem.DELETED)


def test_reordered_records_are_named(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "UPDATE audit_log SET seq = -1 WHERE seq = 4")
    raw_sql(db_url, "UPDATE audit_log SET seq = 4 WHERE seq = 5")
    raw_sql(db_url, "UPDATE audit_log SET seq = 5 WHERE seq = -1")
    assert bad(ten)[0] == 4


def test_rewrite_with_recomputed_hash_names_the_rewritten_record(
    ten: AuditLog, db_url: str
) -> None:
    edited = {**row(db_url, 5), "action": "block"}
    raw_sql(
        db_url,
        "UPDATE audit_log SET action = 'block', hash = :h WHERE seq = 5",
        h=auditor_hash(edited),
    )
    assert bad(ten) == (5, Problem.EDITED)


def test_rewritten_first_record_is_named(ten: AuditLog, db_url: str) -> None:
    edited = {**row(db_url, 1), "prev_hash": "3" * 64}
    raw_sql(
        db_url,
        "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = 1",
        p=edited["prev_hash"],
        h=auditor_hash(edited),
    )
    assert bad(ten) == (1, Problem.EDITED)


def test_rewritten_last_record_is_caught_by_the_head(ten: AuditLog, db_url: str) -> None:
    edited = {**row(db_url, 10), "text": "改过的"}
    raw_sql(
        db_url,
        "UPDATE audit_log SET text = :t, hash = :h WHERE seq = 10",
        t=edited["text"],
        h=auditor_hash(edited),
    )
    assert bad(ten) == (10, Problem.EDITED)


def test_appending_after_a_failed_verify_still_works(ten: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "UPDATE audit_log SET text = 'x' WHERE seq = 2")
    ten.append_many([event(11)])
    report = ten.verify()
    assert (report.bad_seq, report.head_seq) == (2, 11)


def test_unreadable_time_on_sqlite_is_an_edit(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with AuditLog.open(url) as log:
        log.append_many([event(1), event(2)])
        raw_sql(url, "UPDATE audit_log SET at = 'yesterday' WHERE seq = 2")
        report = log.verify()
    assert (report.bad_seq, report.problem) == (2, Problem.EDITED)
    assert "cannot be decoded" in (report.reason or "")
