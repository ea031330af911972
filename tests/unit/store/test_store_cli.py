"""``menshen audit-log``: verify (exit 0 / 1 / 2), purge, show."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_helpers import event, raw_sql
from typer.testing import CliRunner

from menshen.cli import app
from menshen.store import AuditLog

runner = CliRunner()
OLD = datetime.now(UTC) - timedelta(days=400)


@pytest.fixture
def filled(log: AuditLog) -> AuditLog:
    log.append_many([event(n, at=OLD + timedelta(minutes=n)) for n in range(1, 4)])
    log.append_many([event(n) for n in range(4, 7)])
    return log


def test_verify_intact_log(filled: AuditLog, db_url: str) -> None:
    result = runner.invoke(app, ["audit-log", "verify", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "checked 6 records (seq 1–6)" in result.output and "ok" in result.output


def test_verify_reads_the_url_from_the_environment(filled: AuditLog, db_url: str) -> None:
    result = runner.invoke(app, ["audit-log", "verify", "--json"], env={"MENSHEN_DB_URL": db_url})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["ok"], report["checked"], report["head_seq"]) == (True, 6, 6)


def test_verify_names_the_edited_record(filled: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "UPDATE audit_log SET action = 'allow', text = '改过' WHERE seq = 5")
    result = runner.invoke(app, ["audit-log", "verify", "--db", db_url])
    assert result.exit_code == 1
    assert "TAMPERED at seq 5 (edited)" in result.output
    result = runner.invoke(app, ["audit-log", "verify", "--db", db_url, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["bad_seq"] == 5


def test_verify_without_a_database_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit-log", "verify", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "no database at" in result.output
    assert not (tmp_path / "x.db").exists()


def test_purge_refuses_recent_records(filled: AuditLog, db_url: str) -> None:
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    result = runner.invoke(app, ["audit-log", "purge", "--before", day, "--db", db_url])
    assert result.exit_code == 2
    assert "minimum retention is 183 days" in result.output


def test_purge_then_verify(filled: AuditLog, db_url: str) -> None:
    before = f"{datetime.now(UTC) - timedelta(days=200):%Y-%m-%d}"
    args = ["audit-log", "purge", "--before", before, "--db", db_url, "--reason", "test"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "deleted 3 records; the chain now starts after seq 3" in result.output
    result = runner.invoke(app, ["audit-log", "verify", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "retention anchor: seq 3 (3 records purged" in result.output


def test_purge_json_with_a_shorter_minimum_and_force(filled: AuditLog, db_url: str) -> None:
    args = ["audit-log", "purge", "--db", db_url, "--json", "--min-retention-days", "1"]
    day = f"{datetime.now(UTC) - timedelta(days=2):%Y-%m-%d}"
    result = runner.invoke(app, [*args, "--before", day])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["deleted"] == 3
    tomorrow = f"{datetime.now(UTC) + timedelta(days=1):%Y-%m-%d}"
    result = runner.invoke(app, [*args, "--before", tomorrow, "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["anchor"]["seq"] == 7


def test_show_a_request(filled: AuditLog, db_url: str) -> None:
    result = runner.invoke(app, ["audit-log", "show", "--request-id", "chatcmpl-2", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "第2条消息" in result.output
    args = ["audit-log", "show", "--request-id", "chatcmpl-2", "--db", db_url, "--json"]
    [record] = json.loads(runner.invoke(app, args).output)
    assert (record["seq"], record["text_policy"]) == (2, "full")


def test_show_an_unknown_request(filled: AuditLog, db_url: str) -> None:
    args = ["audit-log", "show", "--request-id", "chatcmpl-404", "--db", db_url]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "no records for request id chatcmpl-404" in result.output


def test_show_text_kept_as_hash_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with AuditLog.open(url, text_policy="hash") as log:
        log.append_many([event(1)])
    result = runner.invoke(app, ["audit-log", "show", "--request-id", "chatcmpl-1", "--db", url])
    assert result.exit_code == 0, result.output
    assert "sha256" in result.output and "第1条消息" not in result.output


def test_starting_the_command_does_not_load_sqlalchemy() -> None:
    code = (
        "import sys, menshen.store, menshen.store.cli;"
        "print('sqlalchemy' in sys.modules);"
        "from menshen.store import AuditLog;"
        "print('sqlalchemy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
