"""Build the companion configuration: profiles combined, then the operator's overrides.

``companion_config(["cn", "us-ca"])`` combines the shipped profiles (strictest of each setting,
see :mod:`menshen.companion.settings`) and the shipped texts; keyword arguments, or a YAML file
read by :func:`load_companion_config`, override any setting, text or hotline. A bad value fails
here, at start-up, with the file, field and value named.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from menshen.companion.labels import is_valid_explicit_label
from menshen.companion.settings import ProfileSettings, combine
from menshen.companion.texts import Hotline, TextCatalog
from menshen.config_files import parse_yaml, read_yaml, validate
from menshen.errors import ConfigError

logger = logging.getLogger(__name__)

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_DATA = resources.files("menshen.companion") / "data"


class Protection(StrEnum):
    """The protections, as named in audit notes and in the profiles' ``sources``."""

    DISCLOSURE_START = "disclosure_start"
    DISCLOSURE_PERIODIC = "disclosure_periodic"
    DISCLOSURE_MINOR = "disclosure_minor"
    REDISCLOSURE = "redisclosure"
    HUMAN_ANSWER = "human_answer"
    MINORS_SUITABILITY = "minors_suitability"
    REMINDER = "reminder"
    REMINDER_MINOR = "reminder_minor"
    CRISIS = "crisis"
    ESCALATION = "escalation"
    REFERRAL_COUNT = "referral_count"
    MINOR_SEXUAL = "minor_sexual"
    MINOR_PERSONA = "minor_persona"
    EXIT = "exit"
    EXPLICIT_LABEL = "explicit_label"
    IMPLICIT_METADATA = "implicit_metadata"


OPERATOR = "operator setting"
"""The source named when a protection is on only because the operator turned it on."""


class ProfileEntry(BaseModel):
    """One shipped profile: its settings, the locale its texts default to, and the REQUIREMENTS
    row behind each protection it turns on."""

    model_config = _FROZEN

    default_locale: str
    """Locale used when a request names none (``zh-CN``, ``en-US`` …)."""
    sources: dict[Protection, str] = {}
    """Protection → REQUIREMENTS row, e.g. ``reminder: CN-AN-02``."""
    settings: ProfileSettings
    """The profile's settings; omitted fields are off."""


class CompanionConfig(BaseModel):
    """Everything the protections need: the combined settings, texts and hotlines."""

    model_config = _FROZEN

    profiles: tuple[str, ...] = Field(min_length=1)
    """The profiles combined, in the order given."""
    default_locale: str
    """Locale for requests that name none; the first profile's unless overridden."""
    settings: ProfileSettings
    """The effective settings (profiles combined, then overrides)."""
    texts: TextCatalog
    """Texts per language and hotlines per region."""
    report_timezone: str = "America/Los_Angeles"
    """Time zone whose calendar year the referral counter uses (SB 243 reports per year)."""
    sources: dict[Protection, tuple[str, ...]] = {}
    """Protection → the REQUIREMENTS rows of the combined profiles that call for it."""

    def sources_for(self, protection: Protection) -> tuple[str, ...]:
        """The rows behind ``protection``, or :data:`OPERATOR` when no profile asks for it."""
        return self.sources.get(protection) or (OPERATOR,)

    @model_validator(mode="after")
    def _consistent(self) -> CompanionConfig:
        try:
            ZoneInfo(self.report_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown report_timezone {self.report_timezone!r}") from exc
        try:
            self.texts.messages_for(None, self.default_locale)
            self.texts.hotlines_for(None, self.default_locale)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from exc
        if self.settings.explicit_label:
            for language, messages in self.texts.messages.items():
                if not is_valid_explicit_label(messages.label):
                    raise ValueError(
                        f"messages.{language}.label {messages.label!r} is not a valid explicit "
                        'label: GB 45438 needs "AI" or "人工智能" and "生成" or "合成"'
                    )
        return self


class CompanionConfigFile(BaseModel):
    """The operator's configuration file (YAML)."""

    model_config = _FROZEN

    profiles: tuple[str, ...] = Field(min_length=1)
    """Profiles to combine: ``cn``, ``us-ca``, ``us-ny``, ``eu``."""
    default_locale: str | None = None
    """Overrides the first profile's default locale."""
    settings: dict[str, object] = {}
    """Overrides of :class:`ProfileSettings` fields, applied after combining."""
    messages: dict[str, dict[str, str]] = {}
    """Per language, overrides of :class:`Messages` fields; a new language lists them all."""
    hotlines: dict[str, tuple[Hotline, ...]] = {}
    """Per region, the hotlines (replacing the shipped list of that region)."""
    report_timezone: str | None = None
    """Overrides the referral counter's time zone."""


@cache
def builtin_profiles() -> Mapping[str, ProfileEntry]:
    """The shipped profiles by name."""
    source = "menshen/companion/data/profiles.yaml"
    raw = parse_yaml(_DATA.joinpath("profiles.yaml").read_text(encoding="utf-8"), source)
    return validate_profiles(raw, source)


def validate_profiles(raw: object, source: str) -> dict[str, ProfileEntry]:
    """Validate a mapping of profile name → entry."""
    adapter = TypeAdapter(dict[str, ProfileEntry])
    try:
        return adapter.validate_python(raw)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


@cache
def default_texts() -> TextCatalog:
    """The shipped texts and hotlines."""
    source = "menshen/companion/data/texts.yaml"
    raw = parse_yaml(_DATA.joinpath("texts.yaml").read_text(encoding="utf-8"), source)
    return validate(TextCatalog, raw, source)


def _looser(name: str, combined: ProfileSettings, final: ProfileSettings) -> bool:
    strictest = getattr(combine([combined, final]), name)
    return bool(strictest != getattr(final, name))


def _texts(
    messages: Mapping[str, Mapping[str, str]],
    hotlines: Mapping[str, Sequence[Hotline]],
    source: str,
) -> TextCatalog:
    base = default_texts()
    merged = {lang: m.model_dump() for lang, m in base.messages.items()}
    for language, fields in messages.items():
        merged[language] = {**merged.get(language, {}), **fields}
    raw = {
        "messages": merged,
        "hotlines": {**base.model_dump()["hotlines"], **{k: list(v) for k, v in hotlines.items()}},
    }
    return validate(TextCatalog, raw, source)


def companion_config(
    profiles: Sequence[str] = ("cn",),
    *,
    settings: Mapping[str, object] | None = None,
    messages: Mapping[str, Mapping[str, str]] | None = None,
    hotlines: Mapping[str, Sequence[Hotline]] | None = None,
    default_locale: str | None = None,
    report_timezone: str | None = None,
    source: str = "companion configuration",
) -> CompanionConfig:
    """Combine ``profiles`` and apply overrides; raises :class:`ConfigError` on a bad value."""
    known = builtin_profiles()
    unknown = [p for p in profiles if p not in known]
    if unknown or not profiles:
        raise ConfigError(
            f"{source}: field 'profiles': unknown profile(s) {unknown or list(profiles)}; "
            f"choose from {sorted(known)}"
        )
    entries = [known[p] for p in dict.fromkeys(profiles)]
    combined = combine([e.settings for e in entries])
    overrides = dict(settings or {})
    final = validate(
        ProfileSettings, {**combined.model_dump(), **overrides}, f"{source} (settings)"
    )
    for name in overrides:
        if _looser(name, combined, final):
            logger.warning(
                "companion setting %s=%r is less strict than the profiles %s give (%r)",
                name, overrides[name], list(profiles), getattr(combined, name),
            )  # fmt: skip
    sources: dict[Protection, dict[str, None]] = {}
    for entry in entries:
        for protection, row in entry.sources.items():
            sources.setdefault(protection, {})[row] = None
    raw: dict[str, object] = {
        "sources": {k: tuple(v) for k, v in sources.items()},
        "profiles": tuple(dict.fromkeys(profiles)),
        "default_locale": default_locale or entries[0].default_locale,
        "settings": final,
        "texts": _texts(messages or {}, hotlines or {}, source),
    }
    if report_timezone is not None:
        raw["report_timezone"] = report_timezone
    return validate(CompanionConfig, raw, source)


def load_companion_config(path: Path) -> CompanionConfig:
    """Read a configuration file (see :class:`CompanionConfigFile`)."""
    source = str(path)
    spec = validate(CompanionConfigFile, read_yaml(path, "companion configuration"), source)
    return companion_config(
        spec.profiles,
        settings=spec.settings,
        messages=spec.messages,
        hotlines=spec.hotlines,
        default_locale=spec.default_locale,
        report_timezone=spec.report_timezone,
        source=source,
    )
