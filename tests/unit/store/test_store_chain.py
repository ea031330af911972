"""Appending: seqs without gaps, hashes an auditor can recompute, text policies, lookups.

Every test taking ``db_url`` (or ``log``) runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_helpers import auditor_hash, event, raw_rows

from menshen.errors import StoreError
from menshen.store import GENESIS_HASH, AuditLog, EventKind, TextPolicy

LOAD = Path(__file__).with_name("audit_load.py")


def test_records_chain_from_genesis_without_gaps(log: AuditLog, db_url: str) -> None:
    first = log.append_many([event(1), event(2)])
    second = log.append_many([event(3)])
    records = [*first, *second]
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    rows = raw_rows(db_url, "SELECT * FROM audit_log ORDER BY seq")
    assert [auditor_hash(row) for row in rows] == [r.hash for r in records]
    head = raw_rows(db_url, "SELECT seq, hash FROM audit_head")
    assert head == [{"seq": 3, "hash": records[-1].hash}]


def test_record_keeps_the_event_fields(log: AuditLog) -> None:
    at = datetime(2025, 3, 1, 16, 30, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    detail = {"policy": "default@1", "scores": {"A.1": 0.9}, "当时": [1, 2.5, None]}
    ev = event(7, kind=EventKind.CRISIS, risks=("X.self_harm",), detail=detail, at=at)
    [record] = log.append_many([ev])
    [found] = log.find("chatcmpl-7")
    assert found == record
    assert record.at == at.astimezone(UTC)
    assert (record.kind, record.user, record.session) == ("crisis", "u-1", "s-1")
    assert record.risks == ("X.self_harm",) and record.detail == detail


def test_naive_event_time_is_taken_as_utc(log: AuditLog) -> None:
    [record] = log.append_many([event(1, at=datetime(2025, 1, 2, 3, 4, 5))])
    assert record.at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_find_returns_every_record_of_a_request_in_order(log: AuditLog) -> None:
    log.append_many([event(1), event(2, kind=EventKind.OUTPUT, request_id="chatcmpl-1")])
    log.append_many([event(3)])
    assert [(r.seq, r.kind) for r in log.find("chatcmpl-1")] == [(1, "input"), (2, "output")]
    assert log.find("chatcmpl-404") == []


def test_empty_append_writes_nothing(log: AuditLog) -> None:
    assert log.append_many([]) == []
    assert log.verify().head_seq == 0


PII_TEXT = "我的手机是13812345678，邮箱 xiaoming@example.com"


@pytest.mark.parametrize(
    ("policy", "kept"),
    [
        (TextPolicy.FULL, PII_TEXT),
        (TextPolicy.REDACTED, "我的手机是[PHONE]，邮箱 [EMAIL]"),
        (TextPolicy.HASH, None),
    ],
)
def test_text_policy_decides_what_is_stored(
    db_url: str, policy: TextPolicy, kept: str | None
) -> None:
    with AuditLog.open(db_url, text_policy=policy) as log:
        log.append_many([event(1, text=PII_TEXT)])
        assert log.verify().ok
    [row] = raw_rows(db_url, "SELECT text, text_policy, text_sha256 FROM audit_log")
    assert row["text"] == kept
    assert row["text_policy"] == policy.value
    assert row["text_sha256"] == "11c0d32cfb99d4718c07942351557b3ef8f47da616579a88dcc0ac74096f60af"


def test_event_without_text_stores_no_hash(log: AuditLog) -> None:
    [record] = log.append_many([event(1, text=None)])
    assert record.text is None and record.text_sha256 is None


def test_detail_that_is_not_json_is_refused(log: AuditLog) -> None:
    with pytest.raises(StoreError, match=r"chatcmpl-1.*cannot be stored as JSON"):
        log.append_many([event(1, detail={"score": float("nan")})])
    assert log.verify().head_seq == 0


def test_detail_values_are_stored_as_json(log: AuditLog) -> None:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    [record] = log.append_many([event(1, detail={"when": when, "codes": ("a", "b")})])
    assert record.detail == {"when": "2025-01-01T00:00:00Z", "codes": ["a", "b"]}


def test_processes_appending_at_once_share_one_chain(db_url: str) -> None:
    AuditLog.open(db_url).close()  # create the tables before the race
    procs = [
        subprocess.Popen(
            [sys.executable, str(LOAD), db_url, "--clients", "4", "--limit", "40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
    ids = [line for out, _ in outputs for line in out.split() if line.startswith("chatcmpl-")]
    assert len(ids) == len(set(ids)) == 3 * 4 * 40
    with AuditLog.open(db_url, create=False) as log:
        report = log.verify()
    assert report.ok, report.reason
    assert report.checked == report.head_seq == len(ids)
    stored = raw_rows(db_url, "SELECT request_id FROM audit_log")
    assert {row["request_id"] for row in stored} == set(ids)


def test_stored_json_is_canonical(log: AuditLog, db_url: str) -> None:
    log.append_many([event(1, risks=("b", "a"), detail={"z": 1, "a": "中"})])
    [row] = raw_rows(db_url, "SELECT risks, detail FROM audit_log")
    assert row["risks"] == '["b","a"]'
    assert row["detail"] == '{"a":"中","z":1}'
    assert json.loads(row["detail"]) == {"a": "中", "z": 1}
