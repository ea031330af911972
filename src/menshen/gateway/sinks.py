"""The audit sink ``menshen serve`` writes to: the store's group-committing writer."""

from __future__ import annotations

from menshen.gateway.settings import GatewaySettings
from menshen.store import AuditLog, AuditWriter, TextPolicy


def sink_from_settings(settings: GatewaySettings) -> AuditWriter | None:
    """The writer for ``audit_url`` (its tables are created when missing), or None when unset."""
    if settings.audit_url is None:
        return None
    log = AuditLog.open(settings.audit_url, text_policy=TextPolicy(settings.audit_text))
    return AuditWriter(log)
