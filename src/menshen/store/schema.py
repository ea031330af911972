"""The store's tables and their version check.

No migration framework: ``schema_version`` holds one row per component (``audit``) and a database
written by a newer Menshen is refused rather than misread. docs/store.md describes every column.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
    text,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from menshen.errors import StoreError
from menshen.store.config import URL_ENV
from menshen.store.db import Database
from menshen.store.records import GENESIS_HASH, SCHEMA_VERSION

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("component", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("request_id", String(200), nullable=False, index=True),
    Column("tenant", String(200), nullable=False),
    Column("user_id", String(200)),
    Column("session_id", String(200)),
    Column("action", String(64), nullable=False),
    Column("risks", Text, nullable=False),
    Column("text", Text),
    Column("text_policy", String(16), nullable=False),
    Column("text_sha256", String(64)),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)
"""One row (``id = 1``): the last record's seq and hash. Writers lock it to extend the chain."""

audit_anchor = Table(
    "audit_anchor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("hash", String(64), nullable=False),
    Column("purged_at", DateTime(timezone=True), nullable=False),
    Column("before", DateTime(timezone=True), nullable=False),
    Column("records", BigInteger, nullable=False),
    Column("purged_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
)


def raw_time(column: Column[object]) -> ColumnElement[str]:
    """``column`` read without SQLAlchemy's date parsing (SQLite hands back its stored text).

    A timestamp edited into garbage must show up in ``verify`` as an edit, not as a crash
    inside the result iterator; :func:`menshen.store.records.utc` parses what comes back.
    """
    return type_coerce(column, String).label(column.name)


ROW_COLUMNS = [raw_time(c) if c.name == "at" else c for c in audit_log.c]
"""The columns to select for :func:`menshen.store.records.record_from_row` and ``record_hash``."""

COMPONENT = "audit"
HEAD_ID = 1
_PG_SCHEMA_LOCK = 0x4D454E5348454E  # "MENSHEN": serialises concurrent first-time creation


def ensure_schema(db: Database, *, create: bool) -> None:
    """Check the audit tables' version; create them when missing and ``create`` is set."""
    with db.read("reading the store's schema version") as conn:
        version = _version(conn)
    if version is None:
        if not create:
            raise StoreError(f"{db.display} holds no Menshen audit log; check --db or {URL_ENV}")
        with db.write("creating the audit log tables") as conn:
            if db.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SCHEMA_LOCK})
            version = _version(conn)
            if version is None:
                metadata.create_all(conn)
                conn.execute(
                    insert(schema_version).values(component=COMPONENT, version=SCHEMA_VERSION)
                )
                conn.execute(insert(audit_head).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
                version = SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{db.display} was written by a newer Menshen (audit schema version {version}; this "
            f"one reads version {SCHEMA_VERSION}); upgrade menshen to use it"
        )


def _version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_version"):
        return None
    query = select(schema_version.c.version).where(schema_version.c.component == COMPONENT)
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)
