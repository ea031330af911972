"""Minors mode: audience, stricter policy, sexual content always blocked, no intimate personas.

* :func:`audience_for` says whether a turn is handled as a minor's (known minors; unknown ages too
  when ``treat_unknown_age_as_minor``).
* :func:`minors_policy` returns the gateway's policy with the minors thresholds tightened so that
  every ``minor_sexual_codes`` finding that reaches the flag threshold blocks (CN-AN-07,
  US-CA-04). The policy's own ``minor`` thresholds are already stricter than the adult ones.
* :func:`intimate_persona` reuses the card audit's persona detection
  (:func:`menshen.cards.find_persona`); such characters are refused for minors (CN-AN-06).
"""

from __future__ import annotations

from menshen.cards.persona import find_persona
from menshen.companion.crisis import codes_at
from menshen.companion.records import AgeStatus, RequestInfo
from menshen.companion.settings import ProfileSettings
from menshen.policy import Policy, RiskRule, Thresholds
from menshen.verdict import Audience, Role, Verdict


def audience_for(age: AgeStatus, settings: ProfileSettings) -> Audience:
    """The audience a user with ``age`` is served as."""
    if age is AgeStatus.MINOR or (age is AgeStatus.UNKNOWN and settings.treat_unknown_age_as_minor):
        return Audience.MINOR
    return Audience.ADULT


def minors_policy(policy: Policy, settings: ProfileSettings) -> Policy:
    """``policy`` with sexual findings blocking minors at their flag threshold.

    Unchanged when ``minor_block_sexual`` is off. Adult thresholds are never touched.
    """
    if not settings.minor_block_sexual:
        return policy
    codes = settings.minor_sexual_codes
    rules = list(policy.rules)
    for code in codes:
        flag = policy.thresholds(code, Audience.MINOR).flag
        strict = Thresholds(flag=flag, block=flag)
        at = next((i for i, r in enumerate(rules) if r.code == code), None)
        if at is None:
            rules.append(RiskRule(code=code, minor=strict))
        else:
            rules[at] = rules[at].model_copy(update={"minor": strict})
    return policy.model_copy(update={"rules": tuple(rules), "version": f"{policy.version}+minors"})


def sexual_codes(
    verdict: Verdict | None, policy: Policy, settings: ProfileSettings
) -> tuple[str, ...]:
    """The minors-mode codes of ``verdict`` at or above their minor flag threshold."""
    if verdict is None or not settings.minor_block_sexual:
        return ()
    found = []
    for code in codes_at(verdict, settings.minor_sexual_codes, 0.0):
        score = max(r.score for r in verdict.risks if r.code == code)
        if score >= policy.thresholds(code, Audience.MINOR).flag:
            found.append(code)
    return tuple(found)


def intimate_persona(info: RequestInfo) -> bool:
    """Whether the turn's character is an intimate partner or virtual relative: the card audit's
    flag when known, else the persona detection run on the character prompt."""
    if info.intimate_persona is not None:
        return info.intimate_persona
    if info.character_prompt:
        return bool(find_persona(info.character_prompt, role=Role.INPUT))
    return False
