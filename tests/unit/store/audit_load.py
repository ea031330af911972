"""Load for the store tests, run as a separate process: clients appending through AuditWriter.

``python audit_load.py URL [--clients N] [--limit M]``: N asyncio clients each record events
(forever, or M each) and print a response id on stdout only after ``record`` has returned, i.e.
once its audit record is committed, as the gateway releases a response. The kill -9 test reads
these ids and then looks for every one of them in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os

from menshen.store import AuditEvent, AuditLog, AuditWriter, EventKind, TextPolicy


async def client(writer: AuditWriter, name: str, limit: int) -> None:
    counter = itertools.count() if limit == 0 else iter(range(limit))
    for i in counter:
        request_id = f"chatcmpl-{name}-{i}"
        event = AuditEvent(
            kind=EventKind.OUTPUT, request_id=request_id, action="allow", text=f"第{i}条回复"
        )
        await writer.record(event)
        print(request_id, flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    with AuditLog.open(args.url, text_policy=TextPolicy.FULL) as log:
        async with AuditWriter(log, max_batch=64) as writer:
            names = [f"{os.getpid()}.{k}" for k in range(args.clients)]
            await asyncio.gather(*(client(writer, name, args.limit) for name in names))


if __name__ == "__main__":
    asyncio.run(main())
