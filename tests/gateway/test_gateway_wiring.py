"""The serving process's parts: JSON logs, the store sink, the guard from settings."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from menshen.gateway.logs import JsonFormatter, configure_logging
from menshen.gateway.settings import GatewaySettings
from menshen.gateway.sinks import sink_from_settings
from menshen.gateway.wiring import guard_from_settings
from menshen.store import AuditEvent, AuditLog, EventKind


def test_json_lines_keep_extra_fields_and_drop_colour_codes() -> None:
    record = logging.LogRecord("menshen.gateway", logging.INFO, __file__, 1, "decision", None, None)
    record.request_id = "chatcmpl-1"
    record.color_message = "\x1b[1mdecision\x1b[0m"
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "decision" and line["request_id"] == "chatcmpl-1"
    assert line["level"] == "info" and "color_message" not in line
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exc"]


def test_configure_logging_routes_everything_through_one_json_handler() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("debug")
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert logging.getLogger("uvicorn.access").propagate is True
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(logging.NOTSET)


def test_the_store_sink_records_into_the_audit_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    settings = GatewaySettings(upstream_url="http://127.0.0.1:9/v1", audit_url=url)
    sink = sink_from_settings(settings)
    assert sink is not None

    async def write() -> None:
        event = AuditEvent(kind=EventKind.INPUT, request_id="chatcmpl-x", action="allow")
        await sink.record(event)
        await sink.aclose()

    asyncio.run(write())
    with AuditLog.open(url, create=False) as log:
        assert [r.action for r in log.find("chatcmpl-x")] == ["allow"]
    off = GatewaySettings(
        upstream_url="http://127.0.0.1:9/v1", audit_url=None, audit_required=False
    )
    assert sink_from_settings(off) is None


def test_the_guard_follows_the_settings(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("name: strict\nversion: '7'\n", encoding="utf-8")
    settings = GatewaySettings(
        upstream_url="http://127.0.0.1:9/v1", model="none", policy=str(policy)
    )
    guard = guard_from_settings(settings)
    assert [d.name for d in guard.detectors] == ["keyword"]
    assert guard.check("你好").policy_version.startswith("strict@7#")
    default = guard_from_settings(GatewaySettings(upstream_url="http://127.0.0.1:9/v1"))
    assert [d.name for d in default.detectors] == ["keyword", "classifier"]
