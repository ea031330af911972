"""The gateway's audit sink: group commit on a background thread.

``await writer.record(event)`` returns only after the transaction holding the event has
committed, so a response is never released before its audit record is durable. Committing each
event on its own would cost one fsync per event; instead one thread takes whatever is waiting in
the queue (up to ``max_batch`` events) and commits it as one transaction, so the commit rate
follows the disk while the event rate follows the traffic. There is no deliberate wait for a
batch to fill: while one commit runs, the next batch gathers.

The queue is bounded: when the database falls behind, ``record`` waits for room (up to
``put_timeout_s``) and then raises, rather than letting memory grow without limit.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from menshen.errors import StoreError
from menshen.store.audit import AuditLog, PreparedEvent
from menshen.store.events import AuditEvent
from menshen.store.records import AuditRecord, record_from_row

logger = logging.getLogger(__name__)

_FULL_POLL_S = 0.005


@dataclass(frozen=True, slots=True)
class _Pending:
    prepared: PreparedEvent
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[dict[str, Any]]


_STOP = object()


class AuditWriter:
    """An :class:`~menshen.store.events.AuditSink` that group-commits to an :class:`AuditLog`."""

    def __init__(
        self,
        log: AuditLog,
        *,
        max_batch: int = 512,
        max_queue: int = 10_000,
        put_timeout_s: float = 30.0,
    ) -> None:
        """Start the writer thread for ``log``; :meth:`close` drains and stops it."""
        if max_batch < 1 or max_queue < 1:
            raise ValueError("max_batch and max_queue must be at least 1")
        self.log = log
        self.max_batch = max_batch
        self.put_timeout_s = put_timeout_s
        self.commits = 0
        """Transactions committed so far."""
        self.committed = 0
        """Events committed so far."""
        self._queue: queue.Queue[_Pending | object] = queue.Queue(max_queue)
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="menshen-audit-writer", daemon=True)
        self._thread.start()

    async def record(self, event: AuditEvent) -> None:
        """Persist ``event``; return once it is committed, raise StoreError if it is not."""
        await self._commit_row(event)

    async def submit(self, event: AuditEvent) -> AuditRecord:
        """Like :meth:`record`, returning the committed record (with its seq and hash)."""
        return record_from_row(await self._commit_row(event))

    async def _commit_row(self, event: AuditEvent) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        pending = _Pending(self.log.prepare(event), loop, loop.create_future())
        deadline = time.monotonic() + self.put_timeout_s
        while not self._offer(pending):
            if time.monotonic() > deadline:
                raise StoreError(
                    f"the audit queue stayed full for {self.put_timeout_s:g} s: the database at "
                    f"{self.log.db.display} is too slow or unreachable"
                )
            await asyncio.sleep(_FULL_POLL_S)
        return await pending.future

    def _offer(self, pending: _Pending) -> bool:
        with self._lock:  # so that nothing is queued behind the stop marker
            if self._closed:
                raise StoreError("the audit writer is closed")
            try:
                self._queue.put_nowait(pending)
            except queue.Full:
                return False
            return True

    async def ping(self) -> None:
        """Return when the writer runs and its database answers; raise :class:`StoreError`
        otherwise (the gateway's ``/readyz`` asks)."""
        if self._closed or not self._thread.is_alive():
            raise StoreError("the audit writer is not running")
        await asyncio.to_thread(self.log.ping)

    def close(self) -> None:
        """Commit everything queued, then stop the thread. Idempotent."""
        with self._lock:
            already, self._closed = self._closed, True
        if not already:
            self._queue.put(_STOP)
        self._thread.join()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    async def __aenter__(self) -> AuditWriter:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._commit([p for p in batch if isinstance(p, _Pending)])

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            rows = self.log.commit_rows([p.prepared for p in batch])
        except Exception as exc:
            logger.error("audit commit of %d events failed: %s", len(batch), exc)
            for pending in batch:
                failure = StoreError(str(exc))  # one instance per caller: tracebacks grow on raise
                failure.__cause__ = exc
                _resolve(pending, failure)
            return
        self.commits += 1
        self.committed += len(rows)
        for pending, row in zip(batch, rows, strict=True):
            _resolve(pending, row)


def _resolve(pending: _Pending, outcome: dict[str, Any] | StoreError) -> None:
    def settle() -> None:
        if pending.future.done():  # the caller was cancelled; the record is committed anyway
            return
        if isinstance(outcome, StoreError):
            pending.future.set_exception(outcome)
        else:
            pending.future.set_result(outcome)

    try:
        pending.loop.call_soon_threadsafe(settle)
    except RuntimeError:
        logger.debug("audit writer: the caller's event loop is closed")
