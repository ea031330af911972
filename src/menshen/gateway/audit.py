"""Turning decisions into :class:`~menshen.store.events.AuditEvent` and handing them to the sink.

With ``audit_required`` (the default) the caller awaits :meth:`Auditor.record` before it
releases anything, and a failing sink raises :class:`AuditUnavailableError` (503): a store
failure is not a policy decision. Without it, a failing sink is logged and counted, and the
reply goes out.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any

from menshen.gateway.errors import AuditUnavailableError
from menshen.gateway.inbound import Speaker
from menshen.gateway.metrics import GatewayMetrics
from menshen.gateway.screening import Screening
from menshen.gateway.settings import GatewaySettings
from menshen.store.events import AuditEvent, AuditSink, EventKind

logger = logging.getLogger(__name__)


class Auditor:
    """Builds events for one gateway and records them in its sink."""

    def __init__(
        self, sink: AuditSink | None, settings: GatewaySettings, metrics: GatewayMetrics
    ) -> None:
        self.sink = sink
        self._required = settings.audit_required
        self._tenant = settings.tenant
        self._log_text = settings.log_text
        self._metrics = metrics

    def event(
        self,
        kind: EventKind,
        request_id: str,
        speaker: Speaker,
        screening: Screening,
        text: str,
        **detail: Any,
    ) -> AuditEvent:
        """The event for one checked text; ``detail`` adds to the verdict's versions and scores."""
        verdict = screening.verdict
        info: dict[str, Any] = {"audience": speaker.audience.value}
        if verdict is not None:
            info["policy_version"] = verdict.policy_version
            info["lexicon_version"] = verdict.lexicon_version
            scores: dict[str, float] = {}
            for risk in verdict.risks:  # one code may come from several detectors
                scores[risk.code] = max(scores.get(risk.code, 0.0), risk.score)
            info["scores"] = scores
        if screening.error is not None:
            info["guard_error"] = screening.error
        info.update(detail)
        return AuditEvent(
            kind=kind,
            request_id=request_id,
            tenant=self._tenant,
            user=speaker.user,
            session=speaker.session,
            action=screening.action,
            risks=screening.risks,
            text=text,
            detail=info,
        )

    def log(self, events: Sequence[AuditEvent]) -> None:
        """One structured log line per event: ids, action, risks, length and hash of the text.

        Plain allows go to debug (the access log already has one line per request), everything
        else to info. The raw text is logged only with ``log_text``; the audit log is where
        text belongs.
        """
        for event in events:
            level = logging.DEBUG if event.action == "allow" and not event.risks else logging.INFO
            if not logger.isEnabledFor(level):
                continue
            text = event.text or ""
            fields: dict[str, Any] = {
                "request_id": event.request_id,
                "kind": event.kind.value,
                "action": event.action,
                "risks": list(event.risks),
                "chars": len(text),
                "sha256": hashlib.sha256(text.encode()).hexdigest()[:16],
                "outcome": event.detail.get("outcome"),
            }
            if self._log_text:
                fields["text"] = text
            logger.log(level, "decision", extra=fields)

    async def record(self, events: Sequence[AuditEvent]) -> None:
        """Record ``events`` in order; see the module docstring for what a failure does."""
        self.log(events)
        if self.sink is None:
            return
        started = time.perf_counter()
        try:
            for event in events:
                await self.sink.record(event)
        except Exception as exc:  # whatever the sink raises, the event is not durable
            self._metrics.audit_errors.inc()
            logger.error(
                "audit sink failed",
                extra={
                    "request_id": events[0].request_id if events else None,
                    "error_type": type(exc).__name__,
                },
            )
            if self._required:
                raise AuditUnavailableError() from exc
        finally:
            self._metrics.stage_seconds.labels("audit").observe(time.perf_counter() - started)
