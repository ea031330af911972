"""Persistence: the hash-chained audit log and the gateway's state (SQLAlchemy)."""

from menshen.store.events import AuditEvent, AuditSink, EventKind

__all__ = ["AuditEvent", "AuditSink", "EventKind"]
