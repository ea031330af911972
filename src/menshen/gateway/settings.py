"""The gateway's settings: one frozen model, read from a YAML file and ``MENSHEN_*`` variables.

Precedence, lowest first: defaults, the YAML file, the environment, explicit overrides (the
``menshen serve`` flags). Every field can be set from the environment as ``MENSHEN_`` plus the
field name in upper case (``MENSHEN_UPSTREAM_URL``, ``MENSHEN_BLOCK_MODE``); list-valued fields
take a JSON list there. Variables with the prefix that name no field are left alone, since other
parts of Menshen share the prefix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from menshen.config_files import read_yaml, validate
from menshen.errors import ConfigError
from menshen.verdict import Audience

ENV_PREFIX = "MENSHEN_"


class BlockMode(StrEnum):
    """How a blocked turn is answered."""

    SOFT = "soft"
    """200 with a refusal in the user's language and ``finish_reason: "content_filter"``."""
    LOUD = "loud"
    """400 with an OpenAI-shaped ``content_filter`` error (streams: an error event)."""


class FailMode(StrEnum):
    """What happens when the guard itself raises."""

    OPEN = "open"
    """Let the text through (the failure is counted, logged and audited)."""
    CLOSED = "closed"
    """Treat the text as blocked."""


class GatewaySettings(BaseModel):
    """Everything ``menshen serve`` and :func:`menshen.gateway.app.create_app` need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    upstream_url: str
    """Base URL of the OpenAI-compatible upstream, including ``/v1`` (``https://host/v1``)."""
    upstream_api_key: SecretStr | None = None
    """Key sent to the upstream; unset: the client's own ``Authorization`` header is passed on."""
    client_api_keys: tuple[SecretStr, ...] = ()
    """Keys clients must present as ``Authorization: Bearer …`` on ``/v1/``; empty: no check
    (then bind to a private address: with ``upstream_api_key`` set, anyone who reaches the
    gateway spends your key)."""
    connect_timeout_s: float = Field(default=5.0, gt=0)
    """Seconds to open a connection to the upstream."""
    read_timeout_s: float = Field(default=60.0, gt=0)
    """Seconds to wait for the upstream's next bytes (the whole reply, or the next stream chunk)."""
    upstream_transport: Literal["fast", "httpx"] = "fast"
    """``fast``: the gateway's lean HTTP/1.1 pool; ``httpx``: httpx's own (honours proxy
    variables), at about 1–2 ms more CPU per call."""
    upstream_retries: int = Field(default=2, ge=0, le=5)
    """Extra attempts after a connect error or a 5xx, only before anything reached the client."""
    retry_backoff_s: float = Field(default=0.2, ge=0)
    """Wait before the first retry; doubles for each further one."""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    """Largest request body accepted; larger ones get 413."""
    max_concurrent_requests: int = Field(default=256, ge=1)
    """Requests served at once (a stream counts until it ends); more get 429 at once."""
    block_mode: BlockMode = BlockMode.SOFT
    """How a blocked turn is answered: ``soft`` or ``loud``."""
    refusal_zh: str = "抱歉，这个话题我不能继续。我们聊点别的吧。"
    """Soft-mode refusal when the user writes mostly Chinese."""
    refusal_en: str = "Sorry, I can't continue with that. Let's talk about something else."
    """Soft-mode refusal otherwise."""
    cut_notice_zh: str = "\n（后续内容因违反安全规范已被截断。）"
    """Soft-mode text appended when a stream is cut, for Chinese-speaking users."""
    cut_notice_en: str = "\n(The rest of this reply was withheld by the safety filter.)"
    """Soft-mode text appended when a stream is cut, otherwise."""
    hold_back_chars: int = Field(default=48, ge=0, le=4096)
    """Characters of a streamed reply kept back behind the newest checked text."""
    stream_check_chars: int = Field(default=24, ge=1)
    """New characters that trigger the next incremental check (a sentence end triggers one too)."""
    stream_context_chars: int = Field(default=200, ge=0)
    """Already-released characters each incremental check re-reads before the held-back text."""
    input_guard_errors: FailMode = FailMode.OPEN
    """Outcome when the guard raises on an input (the output is still checked)."""
    output_guard_errors: FailMode = FailMode.CLOSED
    """Outcome when the guard raises on an output."""
    audit_required: bool = True
    """Release nothing until the audit sink has recorded the decision; a failing sink → 503."""
    audit_url: str | None = "sqlite:///menshen.db"
    """Database of the audit log for ``menshen serve`` (SQLite or PostgreSQL URL, see
    docs/store.md); null: no audit log, which needs ``audit_required: false``."""
    audit_text: Literal["full", "redacted", "hash"] = "redacted"
    """How much raw text the audit log keeps: all of it, PII-masked, or only its SHA-256."""
    shutdown_timeout_s: int = Field(default=30, ge=1)
    """On SIGTERM, seconds to let requests in flight (streams included) finish."""
    default_audience: Audience = Audience.ADULT
    """Audience of requests that do not name one."""
    tenant: str = Field(default="default", min_length=1)
    """Tenant name written into every audit event."""
    system_cache_size: int = Field(default=4096, ge=0)
    """System prompts whose verdicts are remembered (by SHA-256); 0 checks every time."""
    inline_check_chars: int = Field(default=4096, ge=0)
    """Texts up to this length are checked on the event loop; longer ones in the thread pool."""
    guard_threads: int = Field(default=4, ge=1)
    """Threads of the pool that checks long texts."""
    lexicon: tuple[str, ...] = ("starter",)
    """Keyword library files or folders (``starter``: the shipped library)."""
    model: str = "shipped"
    """Classifier model file, ``shipped``, or ``none`` for keywords only."""
    policy: str | None = None
    """Policy YAML file; unset: the built-in policy."""
    log_text: bool = False
    """Put raw user and model text into logs (off: logs carry lengths and hashes only)."""

    @model_validator(mode="after")
    def _keys_pair(self) -> GatewaySettings:
        if self.client_api_keys and self.upstream_api_key is None:
            raise ValueError(
                "client_api_keys needs upstream_api_key: clients present the gateway's keys, "
                "which the upstream does not know"
            )
        return self

    @field_validator("upstream_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The fields set by ``MENSHEN_<FIELD>`` variables; list fields are parsed as JSON."""
    found: dict[str, Any] = {}
    for name, field in GatewaySettings.model_fields.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        if get_origin(field.annotation) is tuple:
            try:
                found[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}{name.upper()}: expected a JSON list, got {raw!r}"
                ) from exc
        else:
            found[name] = raw
    return found


def load_settings(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> GatewaySettings:
    """Settings from ``path`` (YAML), then the environment, then ``overrides``.

    A bad value fails here, once, with a :class:`~menshen.errors.ConfigError` naming where it
    came from.
    """
    merged: dict[str, Any] = {}
    source = "gateway settings"
    if path is not None:
        raw = read_yaml(path, "gateway settings") or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: gateway settings must be a mapping of field: value")
        merged.update(raw)
        source = str(path)
    env = env_overrides(os.environ if environ is None else environ)
    merged.update(env)
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    if env:
        source += " + environment (" + ", ".join(ENV_PREFIX + k.upper() for k in env) + ")"
    if "upstream_url" not in merged:
        raise ConfigError(
            f"{source}: no upstream_url; set it in the file, as MENSHEN_UPSTREAM_URL or with "
            "--upstream"
        )
    return validate(GatewaySettings, merged, source)
