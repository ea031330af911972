"""The fixed texts the protections show, per language, and the crisis hotlines, per region.

Texts are looked up by the language of the request's locale (``zh-CN`` → ``zh``), hotlines by its
region (``zh-CN`` → ``CN``; an EU member state falls back to ``EU``); anything missing falls back
to the configured default locale (and texts, finally, to English). The shipped texts and hotlines
are in ``data/texts.yaml``. Operators must verify the hotlines for every locale they serve and
configure their own.
"""

from __future__ import annotations

import re
import string
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")

EU_COUNTRIES = frozenset(
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
     "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
)  # fmt: skip
"""EU member states (ISO 3166-1 alpha-2): their requests use the ``EU`` hotlines unless the
country has its own entry."""

FALLBACK_LANGUAGE = "en"
"""Texts used when neither the request's nor the default locale's language has any."""
_REGION = re.compile(r"^[A-Za-z]{2}$")


class Hotline(BaseModel):
    """One place to get help."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    """The service's name, e.g. ``988 Suicide & Crisis Lifeline``."""
    contact: str = Field(min_length=1)
    """How to reach it, e.g. ``call or text 988``."""


class Messages(BaseModel):
    """Every fixed text of the protections in one language."""

    model_config = _FROZEN

    disclosure: str = Field(min_length=1)
    """The AI disclosure ("you are talking to an AI, not a human")."""
    minors_suitability: str = Field(min_length=1)
    """The "may not be suitable for some minors" notice."""
    reminder: str = Field(min_length=1)
    """The continuous-use reminder; ``{duration}`` is replaced by the time used."""
    hours_unit: str = Field(min_length=1)
    """Unit after the hours of a duration (``小时``, `` h``)."""
    minutes_unit: str = Field(min_length=1)
    """Unit after the minutes of a duration (``分钟``, `` min``)."""
    unit_separator: str = ""
    """Between the hours and the minutes of a duration."""
    human_answer: str = Field(min_length=1)
    """The honest answer to "are you human?", shown before the model's reply."""
    honesty_instruction: str = Field(min_length=1)
    """An instruction for the model's system prompt: never claim to be human."""
    exit_ack: str = Field(min_length=1)
    """The acknowledgement of an exit request: short, and no plea to stay."""
    crisis_intro: str = Field(min_length=1)
    """The crisis referral's first line, before the hotlines."""
    crisis_outro: str = Field(min_length=1)
    """The crisis referral's last line, after the hotlines."""
    minor_persona_refused: str = Field(min_length=1)
    """Refusal of an intimate-partner or virtual-relative character for a minor."""
    minor_content_blocked: str = Field(min_length=1)
    """Replacement of sexual content for a minor."""
    label: str = Field(min_length=1)
    """The explicit AIGC label put on generated text."""
    strike_warning: str = Field(min_length=1)
    """Shown to a user whose inducement attempt earned a strike."""
    limited: str = Field(min_length=1)
    """Shown to a user whose features are limited."""
    suspended: str = Field(min_length=1)
    """Shown to a suspended user."""

    @field_validator("reminder")
    @classmethod
    def _one_placeholder(cls, value: str) -> str:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        if fields - {"duration"}:
            raise ValueError(f"only the {{duration}} placeholder is allowed, found {fields}")
        return value

    def duration(self, span: timedelta) -> str:
        """``span`` in whole hours and minutes, e.g. ``2小时5分钟`` or ``2 h 5 min``."""
        minutes = max(0, int(span.total_seconds() // 60))
        hours, rest = divmod(minutes, 60)
        parts = [f"{hours}{self.hours_unit}"] if hours else []
        if rest or not hours:
            parts.append(f"{rest}{self.minutes_unit}")
        return self.unit_separator.join(parts)


class TextCatalog(BaseModel):
    """Texts per language and hotlines per region."""

    model_config = _FROZEN

    messages: dict[str, Messages]
    """Language code (``zh``, ``en``) → texts."""
    hotlines: dict[str, tuple[Hotline, ...]]
    """Region code (``CN``, ``US``, ``EU`` …) → hotlines, in the order shown."""

    @model_validator(mode="after")
    def _codes(self) -> TextCatalog:
        for region in self.hotlines:
            if not _REGION.match(region) or region != region.upper():
                raise ValueError(f"hotline region {region!r} must be two upper-case letters")
        for language in self.messages:
            if language != language.lower() or "-" in language:
                raise ValueError(f"message language {language!r} must be a lower-case code")
        return self

    def messages_for(self, locale: str | None, default_locale: str) -> Messages:
        """The texts for ``locale``'s language, else the default locale's, else English."""
        for candidate in (locale, default_locale, FALLBACK_LANGUAGE):
            language, _ = split_locale(candidate)
            if language in self.messages:
                return self.messages[language]
        raise KeyError(f"no messages for {locale!r} nor the default locale {default_locale!r}")

    def hotlines_for(self, locale: str | None, default_locale: str) -> tuple[Hotline, ...]:
        """The hotlines for ``locale``'s region (EU states fall back to ``EU``), else the
        default locale's."""
        for candidate in (locale, default_locale):
            _, region = split_locale(candidate)
            if region in self.hotlines:
                return self.hotlines[region]
            if region in EU_COUNTRIES and "EU" in self.hotlines:
                return self.hotlines["EU"]
        raise KeyError(f"no hotlines for {locale!r} nor the default locale {default_locale!r}")


def split_locale(locale: str | None) -> tuple[str, str]:
    """``("zh", "CN")`` for ``zh-CN``, ``zh_Hans_CN`` or ``zh-hans-cn``; empty parts when absent."""
    if not locale:
        return "", ""
    parts = locale.replace("_", "-").split("-")
    region = next((p.upper() for p in reversed(parts[1:]) if _REGION.match(p)), "")
    return parts[0].lower(), region


def crisis_referral(messages: Messages, hotlines: tuple[Hotline, ...]) -> str:
    """The deterministic referral text: intro, one line per hotline, outro."""
    lines = [messages.crisis_intro, *(f"- {h.name}: {h.contact}" for h in hotlines)]
    return "\n".join([*lines, messages.crisis_outro])
