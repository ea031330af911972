"""Audit a character card before it is published.

Every text of the card goes through the guard, as ``input`` (it steers the model: system prompt,
description, lorebook …) or ``output`` (it is the model's voice: greetings and example dialogue).
The card may be published when no text is blocked and, for minors, when it does not offer an
intimate partner or a virtual relative (see :mod:`menshen.cards.persona`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from menshen.cards.model import Card, CardFinding, CardReport, PersonaEvidence
from menshen.cards.persona import card_persona
from menshen.cards.reader import read_card
from menshen.errors import InputError
from menshen.guard import Guard
from menshen.verdict import Action, Audience, Role, Verdict

_SEVERITY = {Action.ALLOW: 0, Action.FLAG: 1, Action.BLOCK: 2}


@cache
def _default_guard() -> Guard:
    return Guard()


def _persona_reason(evidence: list[PersonaEvidence]) -> str:
    kinds = sorted({e.kind.value for e in evidence})
    first = evidence[0]
    return (
        f"intimate persona ({', '.join(kinds)}) is not allowed for minors: "
        f"{first.path}: {first.span.text!r}"
    )


def audit_card(
    card: Card, guard: Guard | None = None, *, audience: Audience | str = Audience.ADULT
) -> CardReport:
    """Check every text of ``card`` and decide whether it may be published for ``audience``.

    ``guard`` defaults to ``Guard()`` (the starter library and the default policy), built once
    per process. A text longer than the guard accepts raises :class:`InputError` naming the field.
    """
    guard = guard or _default_guard()
    audience = Audience(audience)
    verdicts: dict[tuple[str, Role], Verdict] = {}
    findings: list[CardFinding] = []
    reasons: list[str] = []
    errors: list[str] = []
    worst = Action.ALLOW
    for field in card.fields:
        key = (field.text, field.role)
        verdict = verdicts.get(key)
        if verdict is None:
            try:
                verdict = guard.check(field.text, role=field.role, audience=audience)
            except InputError as exc:
                raise InputError(f"{card.source}: {field.path}: {exc}") from exc
            verdicts[key] = verdict
        for risk in verdict.risks:
            action = guard.policy.thresholds(risk.code, audience).action(risk.score)
            findings.append(
                CardFinding(
                    path=field.path,
                    role=field.role,
                    code=risk.code,
                    score=risk.score,
                    action=action,
                    detector=risk.detector,
                    spans=risk.spans,
                    evidence=risk.evidence,
                )
            )
        errors.extend(f"{field.path}: {message}" for message in verdict.errors)
        if _SEVERITY[verdict.action] > _SEVERITY[worst]:
            worst = verdict.action
        if verdict.action is Action.BLOCK:
            codes = sorted({r.code for r in verdict.risks if r.score > 0}) or ["detector error"]
            reasons.append(f"{field.path}: blocked ({', '.join(codes)})")
    persona = card_persona(card)
    if persona and audience is Audience.MINOR:
        reasons.append(_persona_reason(persona))
    return CardReport(
        source=card.source,
        spec=card.spec,
        name=card.name,
        audience=audience,
        publishable=not reasons,
        action=worst,
        reasons=tuple(reasons),
        fields_checked=len(card.fields),
        findings=tuple(findings),
        intimate_persona=bool(persona),
        persona_evidence=tuple(persona),
        errors=tuple(errors),
        notes=card.notes,
        policy_version=guard.policy.fingerprint,
        lexicon_version=guard.lexicon_version,
    )


def audit_file(
    path: str | Path, guard: Guard | None = None, *, audience: Audience | str = Audience.ADULT
) -> CardReport:
    """Read a card file (JSON, PNG or ``.charx``) and audit it; see :func:`audit_card`."""
    return audit_card(read_card(path), guard, audience=audience)
