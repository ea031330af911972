"""Persistence: the hash-chained audit log and the gateway's state (SQLAlchemy).

SQLite (WAL, ``synchronous=FULL``) is the embedded default; PostgreSQL needs the ``postgres``
extra. docs/store.md describes the URL, the tables, the hash encoding, the text policies and
retention.

The names backed by SQLAlchemy are imported on first use, so that importing the events (as the
gateway's helpers do) or starting the ``menshen`` command does not load SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from menshen.store.config import DEFAULT_MIN_RETENTION, DEFAULT_URL, URL_ENV
from menshen.store.events import AuditEvent, AuditSink, EventKind
from menshen.store.records import GENESIS_HASH, Anchor, AuditRecord, TextPolicy
from menshen.store.redact import redact

if TYPE_CHECKING:
    from menshen.store.audit import AuditLog, PreparedEvent
    from menshen.store.db import Database
    from menshen.store.retention import PurgeReport
    from menshen.store.verify import Problem, VerifyReport
    from menshen.store.writer import AuditWriter

_LAZY = {
    "AuditLog": "menshen.store.audit",
    "AuditWriter": "menshen.store.writer",
    "Database": "menshen.store.db",
    "PreparedEvent": "menshen.store.audit",
    "Problem": "menshen.store.verify",
    "PurgeReport": "menshen.store.retention",
    "VerifyReport": "menshen.store.verify",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'menshen.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_MIN_RETENTION",
    "DEFAULT_URL",
    "GENESIS_HASH",
    "URL_ENV",
    "Anchor",
    "AuditEvent",
    "AuditLog",
    "AuditRecord",
    "AuditSink",
    "AuditWriter",
    "Database",
    "EventKind",
    "PreparedEvent",
    "Problem",
    "PurgeReport",
    "TextPolicy",
    "VerifyReport",
    "redact",
]
