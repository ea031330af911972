"""Gateway overhead: added latency, sustained rate and time to first token, printed as JSON.

Usage::

    .venv/bin/python benchmarks/gateway_bench.py                  # full run, about 3 minutes
    .venv/bin/python benchmarks/gateway_bench.py --quick          # smoke run, about 40 s
    .venv/bin/python benchmarks/gateway_bench.py --out benchmarks/out/gateway.json

What runs where: the fake upstream (``tests/fakes/fake_upstream.py``), each gateway
configuration (``menshen serve``, one worker, logs at info to a file) and the load generator
are separate processes on the same machine, so they share its cores.

Gateway configurations (``CONFIGS``): ``guard_inline`` (the default guard checked on the event
loop, no audit log), ``guard_inline_2_workers`` (the same with ``--workers 2``),
``keywords_only`` (``model: none``: what the HTTP path costs without the classifier),
``guard_in_threads`` (every check in the thread pool) and ``guard_inline_sqlite_audit`` (the
default ``menshen serve`` set-up: the audit log in SQLite through the store's writer).

How it measures:

* **Added latency at a fixed rate** (open loop): requests are scheduled every ``1/rate``
  seconds whatever the answers do, over keep-alive connections of a small raw-HTTP/1.1 client
  (asyncio streams, not httpx, so the client costs little). A request's latency runs from its
  *scheduled* time to the last byte of the answer, so queueing delay is counted (no coordinated
  omission). The same run goes once straight to the fake upstream and once through the gateway;
  added latency is the difference of the percentiles. Each request is a short Chinese chat turn
  (the guard checks the input and the output: keywords + classifier, the default guard).
* **Sustained rate**: a closed loop of ``--concurrency`` connections for ``--duration`` seconds
  (throughput = answers / seconds, errors counted), then an open-loop run at ``--sustain-rate``
  whose achieved rate and latency show whether that rate is held.
* **CPU per request** (``cpu_ms_per_request``): user + system CPU the gateway process (or, for
  ``direct``, the fake upstream) spent per answered request during a run, from ``/proc``. On a
  shared machine latency moves with the neighbours' load; CPU per request moves much less.
* **Time to first token** (streaming, sequential requests with httpx): time from sending to the
  first non-empty content delta, straight and through the gateway, for a 400-character reply sent
  in 2-character chunks, unpaced (as fast as the fake can) and paced (``--chunk-delay-ms`` per
  chunk). Paced, the gateway must wait for ``hold_back`` further characters before it releases
  the first ones; ``holdback_wait_ms`` is when the straight stream had delivered the first released
  text plus ``hold_back`` characters, and ``overhead_beyond_holdback_ms`` is what remains.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
FAKE = ROOT / "tests" / "fakes" / "fake_upstream.py"
MENSHEN = Path(sys.executable).with_name("menshen")
CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "你好，今天天气怎么样？"}]}


# -- processes ------------------------------------------------------------------------------


@contextmanager
def fake_upstream() -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen([sys.executable, str(FAKE)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1", proc.pid
    finally:
        proc.terminate()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children (worker processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += cpu_seconds(int(child))
    return total


def measured(pid: int, coro: Any) -> dict[str, Any]:
    """Run a load coroutine; add the CPU the process ``pid`` spent per answered request."""
    before = cpu_seconds(pid)
    result: dict[str, Any] = _run(coro)
    result["cpu_ms_per_request"] = round((cpu_seconds(pid) - before) / result["n"] * 1000, 3)
    return result


@contextmanager
def gateway(
    upstream: str, name: str, settings: dict[str, Any], workdir: Path
) -> Iterator[tuple[str, int]]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = workdir / f"{name}.yaml"  # written as JSON, which is YAML
    settings = dict(settings)
    log = (workdir / f"{name}.log").open("w")
    workers = str(settings.pop("workers", 1))
    config.write_text(json.dumps({"upstream_url": upstream, **settings}), encoding="utf-8")
    args = ["--config", str(config), "--port", str(port), "--workers", workers]
    proc = subprocess.Popen(
        [str(MENSHEN), "serve", *args],
        stdout=log,
        stderr=log,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"gateway exited; see {log.name}"
            assert time.monotonic() < deadline, "gateway did not start"
            started = Path(log.name).read_text().count("Application startup complete")
            try:
                if (
                    started >= int(workers)
                    and httpx.get(root + "/readyz", timeout=1).status_code == 200
                ):
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield root + "/v1", proc.pid
    finally:
        proc.terminate()
        proc.wait()
        log.close()


# -- a small raw HTTP/1.1 load generator ----------------------------------------------------


class Pool:
    """Keep-alive connections to one host; one request at a time per connection."""

    def __init__(self, base: str) -> None:
        rest = base.removeprefix("http://")
        hostport, _, prefix = rest.partition("/")
        self.host, port = hostport.split(":")
        self.port = int(port)
        body = json.dumps(CHAT, ensure_ascii=False).encode()
        self.request = (
            f"POST /{prefix}/chat/completions HTTP/1.1\r\nHost: {hostport}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer bench\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def call(self) -> tuple[int, bytes]:
        # Drop connections the server closed while they sat idle (its keep-alive timeout).
        while self.idle and self.idle[-1][0].at_eof():
            self.idle.pop()[1].close()
        conn = self.idle.pop() if self.idle else await self._open()
        reader, writer = conn
        writer.write(self.request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
        }
        if b"content-length" in headers:
            body = await reader.readexactly(int(headers[b"content-length"]))
        else:  # chunked
            parts = []
            while (size := int((await reader.readuntil(b"\r\n")).strip(), 16)) > 0:
                parts.append(await reader.readexactly(size + 2))
            await reader.readuntil(b"\r\n")
            body = b"".join(p[:-2] for p in parts)
        self.idle.append(conn)
        return status, body

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


def _ok(status: int, body: bytes) -> bool:
    """A normal answer (not a refusal, not an error)."""
    return status == 200 and b'"finish_reason":"stop"' in body.replace(b" ", b"")


async def open_loop(base: str, rate: float, duration: float) -> dict[str, Any]:
    """Requests scheduled at ``rate``; latency from the scheduled time."""
    pool = Pool(base)
    clock = time.perf_counter  # uvloop's loop.time() has millisecond resolution
    latencies: list[float] = []
    errors = 0

    statuses: Counter[str] = Counter()

    async def one(at: float) -> None:
        nonlocal errors
        try:
            status, body = await pool.call()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            statuses["connection error"] += 1
            return
        statuses[str(status)] += 1
        if not _ok(status, body):
            errors += 1
        latencies.append(clock() - at)

    total = int(rate * duration)
    start = clock() + 0.05
    tasks = []
    for i in range(total):
        at = start + i / rate
        delay = at - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(at)))
    await asyncio.gather(*tasks)
    elapsed = clock() - start
    pool.close()
    return {
        "target_rate": rate,
        "achieved_rate": round(len(latencies) / elapsed, 1),
        "requests": total,
        "errors": errors,
        "statuses": dict(statuses),
        "connections": pool.opened,
        **_percentiles(latencies),
    }


async def closed_loop(base: str, concurrency: int, duration: float) -> dict[str, Any]:
    """``concurrency`` clients, each sending its next request when the last one is answered."""
    pool = Pool(base)
    clock = time.perf_counter
    latencies: list[float] = []
    errors = 0
    stop = clock() + duration

    statuses: Counter[str] = Counter()

    async def client() -> None:
        nonlocal errors
        while clock() < stop:
            sent = clock()
            try:
                status, body = await pool.call()
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                statuses["connection error"] += 1
                continue
            statuses[str(status)] += 1
            errors += not _ok(status, body)
            latencies.append(clock() - sent)

    started = clock()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    pool.close()
    return {
        "concurrency": concurrency,
        "throughput_rps": round(len(latencies) / (clock() - started), 1),
        "errors": errors,
        "statuses": dict(statuses),
        **_percentiles(latencies),
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p99_ms": float("nan")}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50_ms": pick(0.50), "p90_ms": pick(0.90), "p99_ms": pick(0.99), "n": len(ordered)}


# -- time to first token --------------------------------------------------------------------


def stream_timings(base: str, delay_ms: int) -> tuple[float, str, list[tuple[float, int]]]:
    """Seconds to the first content, that content, and (seconds, characters so far) per delta."""
    marker = f" [delay:{delay_ms}]" if delay_ms else ""
    body = {
        "model": "fake-model",
        "stream": True,
        "messages": [{"role": "user", "content": "讲个故事吧 [long]" + marker}],
    }
    arrivals: list[tuple[float, int]] = []
    first: tuple[float, str] | None = None
    chars = 0
    with httpx.Client(timeout=30) as client:
        started = time.perf_counter()
        with client.stream("POST", base + "/chat/completions", json=body) as response:
            for line in response.iter_lines():
                if not line.startswith("data: {"):
                    continue
                for choice in json.loads(line[6:]).get("choices", []):
                    text = (choice.get("delta") or {}).get("content") or ""
                    if text:
                        now = time.perf_counter() - started
                        chars += len(text)
                        arrivals.append((now, chars))
                        if first is None:
                            first = (now, text)
    assert first is not None, "no content streamed"
    return first[0], first[1], arrivals


def ttft(direct: str, gated: str, delay_ms: int, runs: int, hold_back: int) -> dict[str, Any]:
    straight, through, waits = [], [], []
    for _ in range(runs):
        t_direct, _, arrivals = stream_timings(direct, delay_ms)
        t_gate, released, _ = stream_timings(gated, delay_ms)
        straight.append(t_direct)
        through.append(t_gate)
        needed = len(released) + hold_back
        reached = next((t for t, n in arrivals if n >= needed), arrivals[-1][0])
        waits.append(reached - t_direct)
    out = {
        "chunk_delay_ms": delay_ms,
        "runs": runs,
        "direct_p50_ms": round(statistics.median(straight) * 1000, 3),
        "gateway_p50_ms": round(statistics.median(through) * 1000, 3),
        "overhead_p50_ms": round(
            (statistics.median(through) - statistics.median(straight)) * 1000, 3
        ),
        "holdback_wait_p50_ms": round(statistics.median(waits) * 1000, 3),
    }
    out["overhead_beyond_holdback_ms"] = round(
        out["overhead_p50_ms"] - out["holdback_wait_p50_ms"], 3
    )
    return out


# -- the run --------------------------------------------------------------------------------


def _run(coro: Any) -> Any:
    try:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    except ImportError:
        return asyncio.run(coro)


CONFIGS: dict[str, dict[str, Any]] = {
    "guard_inline": {"audit_required": False, "audit_url": None},
    "guard_inline_2_workers": {"audit_required": False, "audit_url": None, "workers": 2},
    "keywords_only": {"audit_required": False, "audit_url": None, "model": "none"},
    "guard_in_threads": {"audit_required": False, "audit_url": None, "inline_check_chars": 0},
    "guard_inline_sqlite_audit": {"audit_text": "redacted"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--sustain-rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--ttft-runs", type=int, default=20)
    parser.add_argument("--chunk-delay-ms", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.duration, args.ttft_runs = 3.0, 5
    report: dict[str, Any] = {
        "load_average_before": os.getloadavg(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {k: v for k, v in vars(args).items() if k != "out"} | {"out": str(args.out)},
        "configs": CONFIGS,
    }
    with tempfile.TemporaryDirectory() as tmp, fake_upstream() as (upstream, fake_pid):
        workdir = Path(tmp)
        _run(open_loop(upstream, args.rate, 1.0))  # warm-up
        report["direct"] = {
            "fixed_rate": measured(fake_pid, open_loop(upstream, args.rate, args.duration)),
            "closed_loop": measured(
                fake_pid, closed_loop(upstream, args.concurrency, args.duration)
            ),
        }
        direct = report["direct"]["fixed_rate"]
        for name, settings in CONFIGS.items():
            # The audit log, when on, is a fresh SQLite file (WAL, synchronous=FULL).
            settings = {"audit_url": f"sqlite:///{tmp}/{name}.db", **settings}
            with gateway(upstream, name, settings, workdir) as (gated, pid):
                _run(open_loop(gated, args.rate, 1.0))  # warm-up
                fixed = measured(pid, open_loop(gated, args.rate, args.duration))
                result: dict[str, Any] = {
                    "fixed_rate": fixed,
                    "added_p50_ms": round(fixed["p50_ms"] - direct["p50_ms"], 3),
                    "added_p99_ms": round(fixed["p99_ms"] - direct["p99_ms"], 3),
                    "closed_loop": measured(
                        pid, closed_loop(gated, args.concurrency, args.duration)
                    ),
                    "sustain": measured(pid, open_loop(gated, args.sustain_rate, args.duration)),
                }
                if name == "guard_inline":
                    result["ttft_unpaced"] = ttft(upstream, gated, 0, args.ttft_runs, 48)
                    result["ttft_paced"] = ttft(
                        upstream, gated, args.chunk_delay_ms, args.ttft_runs, 48
                    )
                report[name] = result
                print(f"{name}: done", file=sys.stderr)
        report["load_average_after"] = os.getloadavg()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
