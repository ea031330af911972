"""``menshen serve`` as a real process: settings file, flags, the store, JSON logs, SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest
from gateway_support import free_port

from menshen.store import AuditLog

pytestmark = pytest.mark.integration

MENSHEN = Path(sys.executable).with_name("menshen")


def wait_ready(root: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "menshen serve did not become ready"
        try:
            if httpx.get(root + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_audits_to_the_store_logs_json_and_stops_on_sigterm(
    tmp_path: Path, upstream: str, workers: int
) -> None:
    db = tmp_path / "audit.db"
    config = tmp_path / "gateway.yaml"
    config.write_text(
        f"upstream_url: http://127.0.0.1:9/v1\naudit_url: sqlite:///{db}\nblock_mode: soft\n",
        encoding="utf-8",
    )
    port = free_port()
    args = ["--config", str(config), "--port", str(port), "--upstream", upstream]
    proc = subprocess.Popen(
        [str(MENSHEN), "serve", *args, "--log-level", "debug", "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        root = f"http://127.0.0.1:{port}"
        wait_ready(root, proc)
        client = openai.OpenAI(base_url=root + "/v1", api_key="k", max_retries=0)
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "你好，今天过得怎么样"}]
        )
        assert reply.choices[0].message.content.startswith("好的")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status reports it.
    assert proc.returncode in (0, -signal.SIGTERM), stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert "Application shutdown complete." in [line["msg"] for line in lines]
    decisions = [line for line in lines if line["msg"] == "decision"]
    assert {d["kind"] for d in decisions} == {"input", "output"}
    assert all(d["request_id"] == reply.id for d in decisions)
    assert "你好，今天过得怎么样" not in stderr  # no raw text in the logs by default
    with AuditLog.open(f"sqlite:///{db}", create=False) as log:
        records = log.find(reply.id)
        assert [r.kind for r in records] == ["input", "output"]
        assert log.verify().ok


def test_serve_refuses_a_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("upstream_url: http://127.0.0.1:9/v1\nblock_mode: quiet\n", encoding="utf-8")
    result = subprocess.run(
        [str(MENSHEN), "serve", "--config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "block_mode" in result.stderr and "gateway.yaml" in result.stderr
