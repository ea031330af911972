"""Opening the store: URLs, schema versions, and driver errors turned into clear StoreErrors."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from store_helpers import event, raw_rows, raw_sql

from menshen.errors import StoreError
from menshen.store import AuditLog, Database


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        with db.read("reading pragmas") as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        db.close()
    assert (mode, sync) == ("wal", 2)  # 2 = FULL


def test_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"directory .*nowhere does not exist; create it"):
        AuditLog.open(f"sqlite:///{tmp_path / 'nowhere' / 'audit.db'}")


def test_reading_commands_do_not_create_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        AuditLog.open(f"sqlite:///{tmp_path / 'audit.db'}", create=False)
    assert not (tmp_path / "audit.db").exists()


def test_database_without_an_audit_log_is_refused_when_reading(db_url: str) -> None:
    Database(db_url).close()
    if db_url.startswith("sqlite"):
        raw_sql(db_url, "CREATE TABLE other (x INTEGER)")
    with pytest.raises(StoreError, match="holds no Menshen audit log"):
        AuditLog.open(db_url, create=False)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("not a url", "cannot parse the database URL"),
        ("mysql://u@localhost/menshen", "unsupported database 'mysql'"),
    ],
)
def test_unusable_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        Database(url)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgres_urls_use_psycopg_3_and_hide_the_password(scheme: str) -> None:
    db = Database(f"{scheme}://menshen:s3cret@127.0.0.1:1/audit")
    try:
        assert db.url.drivername == "postgresql+psycopg"
        assert "s3cret" not in db.display
    finally:
        db.close()


def test_refused_connection_says_what_to_check() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to PostgreSQL.*server running") as info:
        AuditLog.open("postgresql://menshen:s3cret@127.0.0.1:1/audit")
    assert "s3cret" not in str(info.value)


def test_missing_postgres_database_is_named(postgres_admin_url: str) -> None:
    url = make_url(postgres_admin_url).set(database="menshen_no_such_db")
    with pytest.raises(StoreError, match="does not exist; create it"):
        AuditLog.open(url.render_as_string(hide_password=False))


def test_newer_schema_is_refused(db_url: str) -> None:
    AuditLog.open(db_url).close()
    raw_sql(db_url, "UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match=r"newer Menshen .*version 99.*upgrade menshen"):
        AuditLog.open(db_url)


def test_concurrent_first_opens_create_the_schema_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_append(n: int) -> None:
        try:
            with AuditLog.open(db_url) as log:
                log.append_many([event(n)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_append, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert raw_rows(db_url, "SELECT seq FROM audit_head") == [{"seq": 6}]


def test_missing_head_row_stops_appends(log: AuditLog, db_url: str) -> None:
    raw_sql(db_url, "DELETE FROM audit_head")
    with pytest.raises(StoreError, match=r"head row .* is missing"):
        log.append_many([event(1)])


def test_lock_held_too_long_is_reported(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "audit.db"
    with AuditLog.open(f"sqlite:///{path}", busy_timeout_s=0.1) as log:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match=r"locked by another writer for more than 0.1 s"):
                log.append_many([event(1)])
        finally:
            holder.close()


def test_read_only_database_can_be_verified_but_not_written(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    with AuditLog.open(f"sqlite:///{path}") as log:
        log.append_many([event(1)])
    with AuditLog.open(f"sqlite:///file:{path}?mode=ro&uri=true", create=False) as log:
        assert log.verify().ok
        with pytest.raises(StoreError, match="is read-only; check the permissions"):
            log.append_many([event(2)])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files anyway")
def test_read_only_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    AuditLog.open(f"sqlite:///{path}").close()
    path.chmod(0o444)
    with (
        AuditLog.open(f"sqlite:///{path}", create=False) as log,
        pytest.raises(StoreError, match="read-only"),
    ):
        log.append_many([event(1)])


def test_full_disk_is_reported(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'small.db'}")
    try:
        with (
            pytest.raises(StoreError, match=r"disk holding .* is full; free space"),
            db.write("filling the disk") as conn,
        ):
            conn.exec_driver_sql("CREATE TABLE filler (b BLOB)")
            conn.exec_driver_sql("PRAGMA max_page_count = 8")  # a disk of eight pages
            conn.exec_driver_sql("INSERT INTO filler VALUES (zeroblob(100000))")
    finally:
        db.close()
