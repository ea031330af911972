"""Companion protections by jurisdiction profile (``cn``, ``us-ca``, ``us-ny``, ``eu``).

A pure library for the gateway: no I/O on the request path, time and state passed in, frozen
records out. One call before the model and one after, per turn::

    protections = Protections(companion_config(["cn", "us-ca"]))
    before = protections.before_model(state, info, input_verdict, now)
    ...  # call the model unless before.skip_model
    after = protections.after_model(before.state, reply_text, now, output_verdict)

See docs/companion.md for every protection, its legal source row and its settings.
"""

from menshen.companion.config import (
    CompanionConfig,
    CompanionConfigFile,
    Protection,
    builtin_profiles,
    companion_config,
    load_companion_config,
)
from menshen.companion.crisis import ReferralCounter, detect_crisis
from menshen.companion.enforcement import (
    EnforcementConfig,
    EnforcementResult,
    EnforcementState,
    Level,
    appeal,
    expire,
    level_message,
    record_input,
    reset,
    resolve_appeal,
)
from menshen.companion.headers import HEADERS, request_info_from_headers
from menshen.companion.intents import find_crisis, find_exit, find_human_claim, find_human_question
from menshen.companion.labels import apply_label, is_valid_explicit_label, label_parts
from menshen.companion.metadata import AigcLabel, AigcMetadata, aigc_block, parse_aigc_metadata
from menshen.companion.minors import audience_for, minors_policy
from menshen.companion.protections import Protections, compose
from menshen.companion.records import (
    AgeStatus,
    AuditNote,
    CompanionState,
    Decision,
    EscalationRecord,
    Notice,
    NoticeKind,
    RequestInfo,
)
from menshen.companion.settings import Placement, ProfileSettings, combine
from menshen.companion.texts import Hotline, Messages, TextCatalog

__all__ = [
    "HEADERS",
    "AgeStatus",
    "AigcLabel",
    "AigcMetadata",
    "AuditNote",
    "CompanionConfig",
    "CompanionConfigFile",
    "CompanionState",
    "Decision",
    "EnforcementConfig",
    "EnforcementResult",
    "EnforcementState",
    "EscalationRecord",
    "Hotline",
    "Level",
    "Messages",
    "Notice",
    "NoticeKind",
    "Placement",
    "ProfileSettings",
    "Protection",
    "Protections",
    "ReferralCounter",
    "RequestInfo",
    "TextCatalog",
    "aigc_block",
    "appeal",
    "apply_label",
    "audience_for",
    "builtin_profiles",
    "combine",
    "companion_config",
    "compose",
    "detect_crisis",
    "expire",
    "find_crisis",
    "find_exit",
    "find_human_claim",
    "find_human_question",
    "is_valid_explicit_label",
    "label_parts",
    "level_message",
    "load_companion_config",
    "minors_policy",
    "parse_aigc_metadata",
    "record_input",
    "request_info_from_headers",
    "reset",
    "resolve_appeal",
]
