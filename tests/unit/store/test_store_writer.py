"""AuditWriter: group commit for asyncio callers, errors to the awaiting caller, kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from store_helpers import event, raw_rows

from menshen.errors import StoreError
from menshen.store import AuditLog, AuditWriter

LOAD = Path(__file__).with_name("audit_load.py")


@contextmanager
def write_lock(url: str) -> Iterator[None]:
    """Hold the chain's write lock from another connection, as a stuck writer would."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(str(make_url(url).database), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(url)
    try:
        with engine.begin() as pg:
            pg.execute(text("SELECT seq FROM audit_head FOR UPDATE"))
            yield
    finally:
        engine.dispose()


def test_concurrent_tasks_are_group_committed(log: AuditLog) -> None:
    async def client(writer: AuditWriter, k: int) -> list[int]:
        seqs = []
        for i in range(10):
            record = await writer.submit(event(k * 100 + i))
            # resolved only after the commit: another connection already sees the record
            assert log.find(record.request_id) == [record]
            seqs.append(record.seq)
        return seqs

    async def main() -> tuple[list[list[int]], int]:
        async with AuditWriter(log) as writer:
            seqs = await asyncio.gather(*(client(writer, k) for k in range(64)))
        return seqs, writer.commits

    seqs, commits = asyncio.run(main())
    flat = sorted(s for per_client in seqs for s in per_client)
    assert flat == list(range(1, 641))
    assert commits < 640  # several events shared a transaction
    assert log.verify().ok


def test_record_returns_none_and_is_durable(log: AuditLog) -> None:
    async def main() -> None:
        async with AuditWriter(log) as writer:
            assert await writer.record(event(1)) is None

    asyncio.run(main())
    assert [r.request_id for r in log.find("chatcmpl-1")] == ["chatcmpl-1"]


def test_failed_commit_raises_to_the_caller_and_the_writer_recovers(db_url: str) -> None:
    async def main(log: AuditLog) -> None:
        async with AuditWriter(log) as writer:
            with write_lock(db_url), pytest.raises(StoreError, match="locked by another writer"):
                await writer.record(event(1))
            await writer.record(event(2))

    with AuditLog.open(db_url, busy_timeout_s=0.2) as log:
        asyncio.run(main(log))
        assert [r.request_id for r in log.find("chatcmpl-2")] == ["chatcmpl-2"]
        assert log.find("chatcmpl-1") == []
        assert log.verify().ok


def test_full_queue_waits_then_fails_with_a_clear_error(db_url: str) -> None:
    async def main(log: AuditLog) -> list[BaseException | None]:
        async with AuditWriter(log, max_batch=1, max_queue=1, put_timeout_s=0.05) as writer:
            with write_lock(db_url):
                tasks = [asyncio.create_task(writer.record(event(n))) for n in range(4)]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            await asyncio.gather(*tasks, return_exceptions=True)
            return [task.exception() for task in tasks]

    with AuditLog.open(db_url, busy_timeout_s=30) as log:
        outcomes = asyncio.run(main(log))
        full = [e for e in outcomes if e is not None]
        assert full and all("audit queue stayed full" in str(e) for e in full)
        assert log.verify().head_seq == outcomes.count(None) > 0


def test_small_queue_applies_backpressure_without_losing_events(log: AuditLog) -> None:
    async def main() -> None:
        async with AuditWriter(log, max_batch=2, max_queue=2) as writer:
            await asyncio.gather(*(writer.record(event(n)) for n in range(50)))

    asyncio.run(main())
    assert log.verify().head_seq == 50


def test_close_drains_the_queue_and_then_refuses(log: AuditLog) -> None:
    async def main() -> None:
        writer = AuditWriter(log)
        tasks = [asyncio.create_task(writer.record(event(n))) for n in range(100)]
        await asyncio.sleep(0)  # every task has queued its event
        await writer.aclose()
        await asyncio.gather(*tasks)
        with pytest.raises(StoreError, match="closed"):
            await writer.record(event(101))
        await writer.aclose()

    asyncio.run(main())
    assert log.verify().head_seq == 100


def test_cancelled_caller_does_not_break_the_writer(log: AuditLog) -> None:
    async def main() -> None:
        async with AuditWriter(log) as writer:
            task = asyncio.create_task(writer.record(event(1)))
            await asyncio.sleep(0)
            task.cancel()
            await writer.record(event(2))

    asyncio.run(main())
    assert log.verify().head_seq == 2


def test_unstorable_event_fails_before_it_is_queued(log: AuditLog) -> None:
    async def main() -> None:
        async with AuditWriter(log) as writer:
            with pytest.raises(StoreError, match="JSON"):
                await writer.record(event(1, detail={"x": float("inf")}))
            await writer.record(event(2))

    asyncio.run(main())
    assert log.verify().head_seq == 1


def test_bad_sizes_are_refused(log: AuditLog) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AuditWriter(log, max_queue=0)


def test_every_acknowledged_record_survives_kill_9(db_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(LOAD), db_url, "--clients", "16"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    acknowledged: list[str] = []
    watchdog = threading.Timer(120, proc.kill)  # a hung child must not hang the suite
    watchdog.start()
    try:
        while len(acknowledged) < 300:
            line = proc.stdout.readline()
            assert line, f"the load process stopped: {proc.stderr.read()}"
            acknowledged.append(line.strip())
        os.kill(proc.pid, signal.SIGKILL)
        acknowledged += [line.strip() for line in proc.stdout]  # printed before the kill
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    stored = {row["request_id"] for row in raw_rows(db_url, "SELECT request_id FROM audit_log")}
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged records were lost"
    with AuditLog.open(db_url, create=False) as log:
        report = log.verify()
    assert report.ok, report.reason
    assert report.head_seq == len(stored) >= len(acknowledged)


def test_ping_answers_while_the_log_is_reachable_and_fails_when_not(log: AuditLog) -> None:
    async def main() -> None:
        writer = AuditWriter(log)
        await writer.ping()
        with log.db.write("test") as conn:
            conn.execute(text("DELETE FROM audit_head"))
        with pytest.raises(StoreError, match="no head row"):
            await writer.ping()
        await writer.aclose()
        with pytest.raises(StoreError, match="not running"):
            await writer.ping()

    asyncio.run(main())
