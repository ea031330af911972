"""Fake servers in their own processes: start one (it prints ``PORT <n>`` once it listens), and
read back what it received (its ``GET /log``)."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def served(script: Path, what: str, start_timeout: float = 20.0) -> Iterator[str]:
    """Run ``script``; yield its base URL (``http://127.0.0.1:<port>/v1``); stop it after."""
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            assert sel.select(timeout=start_timeout), f"{what} did not start"
        line = proc.stdout.readline()
        assert line.startswith("PORT "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def requests_log(base_url: str) -> list[dict[str, Any]]:
    """What the fake server at ``base_url`` (with ``/v1``) received so far."""
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/log", timeout=5) as reply:
        log: list[dict[str, Any]] = json.load(reply)
    return log


def sent_with(base_url: str, marker: str) -> list[dict[str, Any]]:
    """Request bodies the fake server received whose messages mention ``marker``."""
    return [
        entry["body"]
        for entry in requests_log(base_url)
        if any(marker in str(m.get("content")) for m in entry["body"]["messages"])
    ]
