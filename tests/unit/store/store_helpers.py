"""Helpers for the store tests: events, raw SQL behind the store's back, an auditor's hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

from menshen.store import AuditEvent, EventKind


def event(n: int, **fields: Any) -> AuditEvent:
    """A mild audit event; ``fields`` override the defaults."""
    base: dict[str, Any] = {
        "kind": EventKind.INPUT,
        "request_id": f"chatcmpl-{n}",
        "user": "u-1",
        "session": "s-1",
        "action": "allow",
        "text": f"今天天气很好，第{n}条消息",
        "detail": {"policy": "default@1", "score": 0.25},
    }
    return AuditEvent(**{**base, **fields})


def raw_sql(url: str, sql: str, **params: Any) -> None:
    """Run ``sql`` behind the store's back, as someone tampering with the database would."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def raw_rows(url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of ``sql``, read behind the store's back."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql), params).mappings()]
    finally:
        engine.dispose()


def auditor_hash(row: dict[str, Any]) -> str:
    """The record hash exactly as docs/store.md tells an auditor to compute it."""
    at = row["at"]
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    payload = {
        name: row[name]
        for name in (
            "seq", "kind", "request_id", "tenant", "user_id", "session_id", "action",
            "text", "text_policy", "text_sha256", "prev_hash",
        )
    }  # fmt: skip
    payload["at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload["risks"] = json.loads(row["risks"])
    payload["detail"] = json.loads(row["detail"])
    encoded = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
