"""The audit log: append events as hash-chained records, read them back, verify, purge.

:class:`AuditLog` is the synchronous API; :class:`menshen.store.writer.AuditWriter` puts it
behind a queue for the asyncio gateway. Appending is safe from many threads and processes at
once: each append holds the chain head's lock for one short transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from pydantic_core import PydanticSerializationError, to_jsonable_python
from sqlalchemy import select

from menshen.errors import StoreError
from menshen.store.chain import extend_chain
from menshen.store.config import DEFAULT_MIN_RETENTION, DEFAULT_URL
from menshen.store.db import Database
from menshen.store.events import AuditEvent
from menshen.store.records import AuditRecord, TextPolicy, canonical_json, record_from_row, utc
from menshen.store.redact import stored_text
from menshen.store.retention import PurgeReport, purge
from menshen.store.schema import HEAD_ID, ROW_COLUMNS, audit_head, audit_log, ensure_schema
from menshen.store.verify import VerifyReport, verify_chain


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """An event turned into column values under the text policy, waiting for its seq."""

    values: dict[str, Any]
    """Column name → value, without ``seq``, ``prev_hash`` and ``hash``."""


class AuditLog:
    """The hash-chained audit log in one database."""

    def __init__(
        self,
        db: Database,
        *,
        text_policy: TextPolicy | str = TextPolicy.REDACTED,
        min_retention: timedelta = DEFAULT_MIN_RETENTION,
    ) -> None:
        """Use ``db``, whose schema the caller has checked (:meth:`open` does both)."""
        self.db = db
        self.text_policy = TextPolicy(text_policy)
        self.min_retention = min_retention

    @classmethod
    def open(
        cls,
        url: str = DEFAULT_URL,
        *,
        text_policy: TextPolicy | str = TextPolicy.REDACTED,
        min_retention: timedelta = DEFAULT_MIN_RETENTION,
        busy_timeout_s: float = 5.0,
        create: bool = True,
    ) -> AuditLog:
        """Open the log at ``url``; create its tables unless ``create`` is false."""
        db = Database(url, busy_timeout_s=busy_timeout_s, must_exist=not create)
        try:
            ensure_schema(db, create=create)
        except BaseException:
            db.close()
            raise
        return cls(db, text_policy=text_policy, min_retention=min_retention)

    def prepare(self, event: AuditEvent) -> PreparedEvent:
        """Apply the text policy and encode ``event``; raise StoreError if it cannot be stored."""
        text, digest = stored_text(event.text, self.text_policy)
        try:
            detail = canonical_json(to_jsonable_python(event.detail))
        except (ValueError, PydanticSerializationError) as exc:
            raise StoreError(
                f"the detail of audit event {event.request_id!r} cannot be stored as JSON: {exc}"
            ) from exc
        return PreparedEvent(
            {
                "at": utc(event.at) if event.at else datetime.now(UTC),
                "kind": event.kind.value,
                "request_id": event.request_id,
                "tenant": event.tenant,
                "user_id": event.user,
                "session_id": event.session,
                "action": event.action,
                "risks": canonical_json(list(event.risks)),
                "text": text,
                "text_policy": self.text_policy.value,
                "text_sha256": digest,
                "detail": detail,
            }
        )

    def append_many(self, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        """Append ``events`` in order, in one transaction; return their records once committed."""
        return self.append_prepared([self.prepare(event) for event in events])

    def append_prepared(self, prepared: Sequence[PreparedEvent]) -> list[AuditRecord]:
        """Append events already :meth:`prepare`-d, in one transaction."""
        return [record_from_row(row) for row in self.commit_rows(prepared)]

    def commit_rows(self, prepared: Sequence[PreparedEvent]) -> list[dict[str, Any]]:
        """Like :meth:`append_prepared`, returning the raw rows (column → value), which is
        cheaper when the caller only needs to know that they are committed."""
        if not prepared:
            return []
        with self.db.write("appending to the audit log") as conn:
            return extend_chain(conn, [p.values for p in prepared])

    def ping(self) -> None:
        """Return when the database answers and the chain's head row is there; else raise
        :class:`StoreError` (what the gateway's ``/readyz`` asks)."""
        with self.db.read("checking the audit log") as conn:
            head = conn.execute(select(audit_head.c.seq).where(audit_head.c.id == HEAD_ID))
            if head.one_or_none() is None:
                raise StoreError(
                    f"the audit log at {self.db.display} has no head row (audit_head); "
                    "run `menshen audit-log verify` and investigate"
                )

    def find(self, request_id: str) -> list[AuditRecord]:
        """The records of one request id, in chain order."""
        query = select(*ROW_COLUMNS).where(audit_log.c.request_id == request_id)
        with self.db.read("reading the audit log") as conn:
            rows = conn.execute(query.order_by(audit_log.c.seq)).mappings().all()
        try:
            return [record_from_row(row) for row in rows]
        except ValueError as exc:
            raise StoreError(
                f"a record of {request_id!r} cannot be decoded ({exc}); "
                "run `menshen audit-log verify`"
            ) from exc

    def verify(self) -> VerifyReport:
        """Walk the whole chain; see :func:`menshen.store.verify.verify_chain`."""
        return verify_chain(self.db)

    def purge(
        self, before: datetime, *, force: bool = False, by: str = "menshen", reason: str = ""
    ) -> PurgeReport:
        """Delete records from before ``before``; see :mod:`menshen.store.retention`."""
        return purge(
            self.db,
            before,
            text_policy=self.text_policy,
            min_retention=self.min_retention,
            force=force,
            by=by,
            reason=reason,
        )

    def close(self) -> None:
        """Release the database connections."""
        self.db.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
