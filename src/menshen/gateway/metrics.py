"""Prometheus metrics of one gateway app (its own registry, so apps never share counters)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from menshen.verdict import Verdict

# Guard checks take a fraction of a millisecond; the upstream takes seconds.
_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""Media type of the ``/metrics`` body."""


class GatewayMetrics:
    """The counters, gauges and histograms the gateway exports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "menshen_gateway_requests",
            "Requests answered, by endpoint and HTTP status.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.verdicts = Counter(
            "menshen_gateway_verdicts",
            "Guard decisions, by role (input/output), action and risk code ('none' when clean).",
            ["role", "action", "risk"],
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "menshen_gateway_stage_seconds",
            "Time spent per stage: input_guard, upstream, output_guard, audit.",
            ["stage"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "menshen_gateway_upstream_errors",
            "Upstream failures, by kind (connect, timeout, status, bad_response, disconnect).",
            ["kind"],
            registry=self.registry,
        )
        self.guard_errors = Counter(
            "menshen_gateway_guard_errors",
            "Times the guard raised, by role; the fail-open/closed setting decided the outcome.",
            ["role"],
            registry=self.registry,
        )
        self.audit_errors = Counter(
            "menshen_gateway_audit_errors",
            "Audit events the sink failed to record.",
            registry=self.registry,
        )
        self.stream_cuts = Counter(
            "menshen_gateway_stream_cuts",
            "Streamed replies cut off, by reason (policy, guard_error).",
            ["reason"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "menshen_gateway_in_flight_requests",
            "Requests to /v1/ being served now (the ones max_concurrent_requests limits).",
            registry=self.registry,
        )

    def verdict(self, verdict: Verdict) -> None:
        """Count one verdict under each of its risk codes."""
        role, action = verdict.role.value, verdict.action.value
        codes = {risk.code for risk in verdict.risks} or {"none"}
        for code in codes:
            self.verdicts.labels(role, action, code).inc()

    def render(self) -> bytes:
        """The text exposition of every metric."""
        return generate_latest(self.registry)
