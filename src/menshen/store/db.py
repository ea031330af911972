"""The database behind the store: an SQLAlchemy engine for SQLite or PostgreSQL.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``: a transaction that
returned from ``COMMIT`` survives ``kill -9`` and power loss, and readers (``verify``) never block
the writer. Python's ``sqlite3`` is put in autocommit mode and the engine's ``begin`` event issues
``BEGIN`` itself, so that writers can take the write lock up front with ``BEGIN IMMEDIATE``
instead of failing to upgrade a read lock half-way through a transaction.

Every driver error leaves this module as a :class:`menshen.errors.StoreError` that says what to
do about it (see :meth:`Database.errors`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from menshen.errors import PrerequisiteError, StoreError
from menshen.store.config import DEFAULT_URL, URL_ENV

logger = logging.getLogger(__name__)

_BEGIN_OPTION = "menshen_sqlite_begin"


class Database:
    """An engine for one database URL, with locked write and snapshot read transactions."""

    def __init__(
        self, url: str = DEFAULT_URL, *, busy_timeout_s: float = 5.0, must_exist: bool = False
    ) -> None:
        """Open ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``).

        ``busy_timeout_s`` bounds how long a writer waits for another writer's lock;
        ``must_exist`` refuses to create a new SQLite file (for commands that only read).
        """
        self.url = _parse(url)
        self.display = self.url.render_as_string(hide_password=True)
        """The URL with any password hidden, for messages and logs."""
        self.busy_timeout_s = busy_timeout_s
        if self.url.get_backend_name() == "sqlite":
            _check_sqlite_path(self.url, must_exist)
            self.engine = _sqlite_engine(self.url, busy_timeout_s)
        else:
            self.engine = _postgres_engine(self.url, busy_timeout_s)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    @contextmanager
    def write(self, what: str) -> Iterator[Connection]:
        """A transaction that holds SQLite's write lock from its start; commits on success."""
        with self.errors(what), self.engine.connect() as conn:
            conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self, what: str) -> Iterator[Connection]:
        """A transaction that sees one snapshot of the database throughout."""
        with self.errors(what), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn driver and SQLAlchemy errors raised inside into a :class:`StoreError`."""
        try:
            yield
        except sa_exc.DBAPIError as exc:
            raise StoreError(self._explain(what, exc.orig)) from exc
        except sa_exc.SQLAlchemyError as exc:
            raise StoreError(f"{what} failed on {self.display}: {exc}") from exc

    def close(self) -> None:
        """Close every pooled connection (SQLite checkpoints its WAL on the last close)."""
        self.engine.dispose()

    def _explain(self, what: str, orig: BaseException | None) -> str:
        name = str(getattr(orig, "sqlite_errorname", ""))
        state = str(getattr(orig, "sqlstate", "") or "")
        message = str(orig).strip()
        where = self.display
        if name.startswith("SQLITE_BUSY") or state == "55P03":
            return (
                f"{what}: {where} stayed locked by another writer for more than "
                f"{self.busy_timeout_s:g} s; retry, or give the store a longer busy timeout"
            )
        if name.startswith("SQLITE_READONLY") or state == "25006":
            return (
                f"{what}: {where} is read-only; check the permissions of the file and its "
                "directory (SQLite also writes the -wal and -shm files next to it)"
            )
        if name == "SQLITE_FULL" or state == "53100":
            return (
                f"{what}: the disk holding {where} is full; free space, or purge old records "
                "with `menshen audit-log purge`"
            )
        if name.startswith("SQLITE_CANTOPEN"):
            return f"{what}: cannot open {where}; check that the path exists and is writable"
        if name.startswith("SQLITE_IOERR"):
            return f"{what}: disk I/O error on {where} ({message}); check the disk"
        # psycopg reports failed connections without an SQLSTATE: only the message tells
        lowered = message.lower()
        if state == "3D000" or ("database" in lowered and "does not exist" in lowered):
            return f"{what}: the database in {where} does not exist; create it (createdb)"
        if state.startswith("28") or "authentication failed" in lowered:
            return f"{what}: {where} refused the credentials: {message}"
        if "connect" in lowered and "fail" in lowered:
            return (
                f"{what}: cannot connect to PostgreSQL at {where}; is the server running and "
                f"the URL right? ({message})"
            )
        return f"{what} failed on {where}: {message}"


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError as exc:
        raise StoreError(
            "cannot parse the database URL; expected sqlite:///path.db or "
            "postgresql+psycopg://user:password@host:5432/dbname"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgres" or parsed.drivername == "postgresql":
        # SQLAlchemy's default PostgreSQL driver is psycopg2; Menshen's postgres extra is psycopg 3
        return parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {parsed.drivername!r} in the store URL: "
            "Menshen's store runs on SQLite (sqlite:///path.db) or PostgreSQL (postgresql+psycopg://…)"
        )
    return parsed


def _check_sqlite_path(url: URL, must_exist: bool) -> None:
    database = url.database or ""
    if url.query.get("uri") == "true":
        return  # a file: URI (e.g. ?mode=ro); SQLite reports what is wrong with it
    if database in ("", ":memory:"):
        raise StoreError(
            "an in-memory SQLite store cannot be shared by the audit writer's thread and its "
            "callers; give a file, e.g. sqlite:///menshen.db"
        )
    path = Path(database)
    if must_exist and not path.is_file():
        raise StoreError(f"no database at {path}; check --db or {URL_ENV}")
    if not path.parent.is_dir():
        raise StoreError(
            f"cannot create the SQLite database {path}: the directory {path.parent} does not "
            "exist; create it first"
        )


def _sqlite_engine(url: URL, busy_timeout_s: float) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # no implicit BEGIN: _on_begin issues it
        cursor = dbapi_conn.cursor()
        try:
            mode = _enable_wal(cursor, busy_timeout_s)
            if mode != "wal":
                logger.warning("SQLite journal mode is %s, not WAL, for %s", mode, url.database)
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _enable_wal(cursor: sqlite3.Cursor, busy_timeout_s: float) -> str:
    """Switch to WAL (persistent, so usually already done); return the journal mode."""
    deadline = time.monotonic() + busy_timeout_s
    while True:
        mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0])
        if mode == "wal":
            return mode
        try:
            return str(cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            # the switch needs an exclusive lock and SQLite answers "busy" at once instead of
            # waiting, which happens when several processes open a new database together
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _postgres_engine(url: URL, busy_timeout_s: float) -> Engine:
    lock_ms = max(1, round(busy_timeout_s * 1000))
    try:
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10, "options": f"-c lock_timeout={lock_ms}"},
        )
    except ImportError as exc:
        raise PrerequisiteError("the PostgreSQL store", "postgres") from exc
