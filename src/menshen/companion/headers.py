"""Request metadata → :class:`RequestInfo`: the documented headers a client sends.

==========================  ====================================================================
Header                      Meaning
==========================  ====================================================================
``X-Menshen-User``          pseudonymous end-user id (state key; escalation records)
``X-Menshen-Session``       conversation id; a new id starts a new session
``X-Menshen-Age``           ``adult``, ``minor`` or ``unknown`` (what registration established)
``X-Menshen-Locale``        BCP 47 locale, e.g. ``zh-CN``, ``en-US``, ``de-DE``
``X-Request-ID``            request id, to find the turn in the audit log
==========================  ====================================================================

The store's record (age from registration, the character's card audit) wins over headers when
the gateway has one: it passes ``age`` and ``intimate_persona`` explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping

from menshen.companion.records import AgeStatus, RequestInfo
from menshen.errors import InputError

HEADERS = {
    "user_id": "X-Menshen-User",
    "session_id": "X-Menshen-Session",
    "age": "X-Menshen-Age",
    "locale": "X-Menshen-Locale",
    "request_id": "X-Request-ID",
}
"""Field of :class:`RequestInfo` → header name (matched case-insensitively)."""


def request_info_from_headers(
    headers: Mapping[str, str],
    text: str,
    *,
    age: AgeStatus | None = None,
    intimate_persona: bool | None = None,
    character_prompt: str | None = None,
) -> RequestInfo:
    """Build the turn's :class:`RequestInfo`; ``age`` (from the store) overrides the header."""
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    found = {field: lower.get(name.lower()) or None for field, name in HEADERS.items()}
    header_age = found.pop("age")
    if age is None:
        try:
            age = AgeStatus((header_age or "unknown").lower())
        except ValueError:
            choices = ", ".join(a.value for a in AgeStatus)
            raise InputError(
                f"header {HEADERS['age']}: {header_age!r} is not one of {choices}"
            ) from None
    return RequestInfo(
        text=text,
        age=age,
        intimate_persona=intimate_persona,
        character_prompt=character_prompt,
        **found,
    )
