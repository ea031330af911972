"""The parts one gateway app is made of, built once at start-up and shared by every request."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import httpx

from menshen.errors import ConfigError
from menshen.gateway.audit import Auditor
from menshen.gateway.hooks import Companion, NoCompanion
from menshen.gateway.metrics import GatewayMetrics
from menshen.gateway.screening import Screener
from menshen.gateway.settings import GatewaySettings
from menshen.gateway.upstream import Upstream
from menshen.guard import Guard
from menshen.store.events import AuditSink


@dataclass(frozen=True, slots=True)
class Gateway:
    """Settings, guard, upstream client, audit log, metrics and companion hooks."""

    settings: GatewaySettings
    metrics: GatewayMetrics
    screener: Screener
    upstream: Upstream
    auditor: Auditor
    companion: Companion

    @classmethod
    def build(
        cls,
        settings: GatewaySettings,
        guard: Guard,
        sink: AuditSink | None,
        companion: Companion | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Gateway:
        """Wire the parts; a required audit log without a sink is a configuration error."""
        if sink is None and settings.audit_required:
            raise ConfigError(
                "audit_required is on but no audit sink was given; pass one (the store's "
                "AuditWriter) or set audit_required: false"
            )
        metrics = GatewayMetrics()
        return cls(
            settings=settings,
            metrics=metrics,
            screener=Screener(guard, settings, metrics),
            upstream=Upstream(settings, metrics, transport),
            auditor=Auditor(sink, settings, metrics),
            companion=companion or NoCompanion(),
        )


def settle_process(guard: Guard) -> None:
    """Warm the guard up, then take everything built so far out of the garbage collector's scans.

    The guard's tables are tens of thousands of long-lived objects; a full collection walks them
    all (about 50 ms, measured) and showed up as the p99 of request latency. Frozen objects are
    never scanned again. Only the serving process calls this (``menshen serve``): it changes the
    whole process, so embedders decide for themselves.
    """
    guard.check("warm-up 预热")
    gc.collect()
    gc.freeze()


def guard_from_settings(settings: GatewaySettings) -> Guard:
    """The guard the settings name (library, classifier model, policy)."""
    from menshen.policy import load_policy

    policy = load_policy(Path(settings.policy)) if settings.policy else None
    model = None if settings.model == "none" else settings.model
    return Guard.default(policy, lexicon=list(settings.lexicon), model=model)
