"""One call before and one after the model, per turn: :class:`Protections`.

``before_model`` runs on the user's turn (after the input guard): crisis protocol, exit requests,
minors mode, AI disclosure and the honest answer to "are you human?", continuous-use reminders,
and the explicit label to put around the reply. ``after_model`` runs on the model's reply (after
the output guard): minors mode on the output and the correction of a reply that claims to be
human. Both are pure: time and state come in, a :class:`Decision` with the new state comes out.

Precedence on one turn: a crisis referral comes first and cancels an exit request in the same
turn (the session stays open so the referral is seen); an exit ends the turn with only the
acknowledgement; minors refusals skip the model; notices are ordered crisis referral, human
answer, disclosure, suitability, reminder, minors refusal.
"""

from __future__ import annotations

import logging
from datetime import datetime

from menshen.companion import timers
from menshen.companion.config import CompanionConfig, Protection
from menshen.companion.crisis import codes_at, detect_crisis, report_year
from menshen.companion.intents import find_exit, find_human_claim, find_human_question
from menshen.companion.labels import label_parts
from menshen.companion.minors import audience_for, intimate_persona, minors_policy, sexual_codes
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
from menshen.companion.texts import Messages, crisis_referral
from menshen.policy import Policy
from menshen.verdict import Audience, Verdict

logger = logging.getLogger(__name__)


def _which(
    everyone: int | None,
    minors: int | None,
    audience: Audience,
    general: Protection,
    minor: Protection,
) -> Protection:
    """Which of two schedules fired: the minors' one when it is the shorter that applies."""
    if (
        audience is Audience.MINOR
        and minors is not None
        and (everyone is None or minors < everyone)
    ):
        return minor
    return general


class _Turn:
    """Notices and audit notes collected while deciding one turn."""

    def __init__(self, config: CompanionConfig, now: datetime) -> None:
        self.config = config
        self.now = now
        self.notices: list[Notice] = []
        self.audit: list[AuditNote] = []

    def note(self, event: str, protection: Protection, detail: str = "") -> None:
        sources = self.config.sources_for(protection)
        self.audit.append(AuditNote(at=self.now, event=event, sources=sources, detail=detail))
        logger.info("companion %s (%s) %s", event, ", ".join(sources), detail)

    def show(self, kind: NoticeKind, text: str, protection: Protection, detail: str = "") -> None:
        sources = self.config.sources_for(protection)
        self.notices.append(Notice(kind=kind, text=text, sources=sources))
        self.note(kind.value, protection, detail)


class Protections:
    """The companion protections for one configuration (thread-safe: it holds no state)."""

    def __init__(self, config: CompanionConfig, policy: Policy | None = None) -> None:
        self.config = config
        self.settings = config.settings
        self.policy = policy or Policy()
        self._minors_policy = minors_policy(self.policy, self.settings)

    def audience(self, state: CompanionState, info: RequestInfo) -> Audience:
        """The audience to run the input guard for on this turn."""
        age = info.age if info.age is not AgeStatus.UNKNOWN else state.age
        return audience_for(age, self.settings)

    def policy_for(self, audience: Audience) -> Policy:
        """The policy for the guard: minors get sexual findings blocked at the flag threshold."""
        return self._minors_policy if audience is Audience.MINOR else self.policy

    def messages(self, locale: str | None) -> Messages:
        """The texts for ``locale`` (the default locale's when it has none)."""
        return self.config.texts.messages_for(locale, self.config.default_locale)

    def before_model(
        self,
        state: CompanionState,
        info: RequestInfo,
        input_verdict: Verdict | None,
        now: datetime,
    ) -> Decision:
        """Decide a user turn before the model is called."""
        s = self.settings
        timers.check_aware(now)
        age = info.age if info.age is not AgeStatus.UNKNOWN else state.age
        audience = audience_for(age, s)
        clock = timers.advance(state, info.session_id, now, s)
        st = clock.state.model_copy(update={"age": age, "locale": info.locale or state.locale})
        locale = st.locale or self.config.default_locale
        msgs = self.messages(locale)
        turn = _Turn(self.config, now)
        skip = False
        escalation: EscalationRecord | None = None
        referral_year: int | None = None

        crisis = detect_crisis(info.text, input_verdict, s)
        if crisis is not None:
            detail = f"codes={list(crisis.codes)} rules={list(crisis.rules)}"
            if s.crisis_referral:
                hotlines = self.config.texts.hotlines_for(locale, self.config.default_locale)
                skip = s.crisis_gates_model
                turn.show(
                    NoticeKind.CRISIS_REFERRAL,
                    crisis_referral(msgs, hotlines),
                    Protection.CRISIS,
                    f"{detail} gated={skip}",
                )
                if s.crisis_escalation:
                    escalation = EscalationRecord(
                        created_at=now,
                        user_id=info.user_id,
                        session_id=st.session_id,
                        request_id=info.request_id,
                        codes=crisis.codes,
                        rules=crisis.rules,
                        locale=locale,
                        gated=skip,
                    )
                    turn.note("escalation", Protection.ESCALATION, detail)
                if s.count_referrals:
                    referral_year = report_year(now, self.config.report_timezone)
                    turn.note("referral_counted", Protection.REFERRAL_COUNT, str(referral_year))
            else:
                turn.note("crisis_detected", Protection.CRISIS, f"{detail} referral=off")
        elif s.honour_exit and (exit_match := find_exit(info.text)) is not None:
            turn.show(NoticeKind.EXIT, msgs.exit_ack, Protection.EXIT, exit_match.rule)
            ended = st.model_copy(update={"session_ended": True})
            return Decision(
                state=ended,
                audience=audience,
                notices=tuple(turn.notices),
                skip_model=True,
                reply=msgs.exit_ack,
                session_ended=True,
                audit=tuple(turn.audit),
            )

        st = self._disclose(turn, clock, st, info, input_verdict, audience, msgs)
        if timers.reminder_due(st, now, s, audience):
            used = timers.continuous_use(st, now)
            protection = _which(
                s.reminder_every_minutes,
                s.minor_reminder_every_minutes,
                audience,
                Protection.REMINDER,
                Protection.REMINDER_MINOR,
            )
            turn.show(
                NoticeKind.REMINDER,
                msgs.reminder.format(duration=msgs.duration(used)),
                protection,
                f"continuous_minutes={int(used.total_seconds() // 60)}",
            )
            st = timers.reminded(st, now)
        if audience is Audience.MINOR:
            skip = self._minors_input(turn, info, input_verdict, msgs) or skip
        return self._decision(turn, st, audience, msgs, skip, escalation, referral_year)

    def _minors_input(
        self, turn: _Turn, info: RequestInfo, verdict: Verdict | None, msgs: Messages
    ) -> bool:
        """Minors mode on the input; True when the model must not be called."""
        s = self.settings
        if s.minor_refuse_intimate_persona and intimate_persona(info):
            turn.show(
                NoticeKind.MINOR_REFUSAL,
                msgs.minor_persona_refused,
                Protection.MINOR_PERSONA,
                "intimate persona",
            )
            return True
        codes = sexual_codes(verdict, self.policy_for(Audience.MINOR), s)
        if codes:
            turn.show(
                NoticeKind.MINOR_REFUSAL,
                msgs.minor_content_blocked,
                Protection.MINOR_SEXUAL,
                f"input codes={list(codes)}",
            )
            return True
        return False

    def _disclose(
        self,
        turn: _Turn,
        clock: timers.Clock,
        st: CompanionState,
        info: RequestInfo,
        verdict: Verdict | None,
        audience: Audience,
        msgs: Messages,
    ) -> CompanionState:
        """Disclosure, the honest answer and the suitability notice; the state after them."""
        s, now = self.settings, turn.now
        reasons: list[Protection] = []
        if timers.start_disclosure_due(clock, now, s):
            reasons.append(Protection.DISCLOSURE_START)
        if timers.periodic_disclosure_due(st, now, s, audience):
            reasons.append(
                _which(
                    s.disclosure_every_minutes,
                    s.minor_disclosure_every_minutes,
                    audience,
                    Protection.DISCLOSURE_PERIODIC,
                    Protection.DISCLOSURE_MINOR,
                )
            )
        if (
            s.redisclose_on_dependence
            and codes_at(verdict, s.dependence_codes, s.dependence_min_score)
            and timers.redisclosure_allowed(st, now, s)
        ):
            reasons.append(Protection.REDISCLOSURE)
        asked = find_human_question(info.text) if s.answer_are_you_human else None
        if asked is not None:
            turn.show(
                NoticeKind.HUMAN_ANSWER, msgs.human_answer, Protection.HUMAN_ANSWER, asked.rule
            )
        for reason in reasons:
            if asked is None and reason is reasons[0]:
                turn.show(NoticeKind.DISCLOSURE, msgs.disclosure, reason, reason.value)
            else:  # one "you are talking to an AI" per turn is enough; the rest are recorded
                turn.note("disclosure", reason, f"{reason.value} (covered)")
        if reasons or asked is not None:
            at_start = Protection.DISCLOSURE_START in reasons
            st = timers.disclosed(st, now, at_start=at_start)
        if Protection.DISCLOSURE_START in reasons and s.minors_suitability_notice:
            turn.show(
                NoticeKind.MINORS_SUITABILITY,
                msgs.minors_suitability,
                Protection.MINORS_SUITABILITY,
            )
        return st

    def _decision(
        self,
        turn: _Turn,
        st: CompanionState,
        audience: Audience,
        msgs: Messages,
        skip: bool,
        escalation: EscalationRecord | None,
        referral_year: int | None,
    ) -> Decision:
        s = self.settings
        notices = tuple(turn.notices)
        parts = label_parts(msgs.label, s.label_placement) if s.explicit_label else None
        return Decision(
            state=st,
            audience=audience,
            notices=notices,
            skip_model=skip,
            reply="\n\n".join(n.text for n in notices) if skip else None,
            prepend="" if skip else "".join(n.text + "\n\n" for n in notices),
            label_prefix=parts.prefix if parts and not skip else "",
            label_suffix=parts.suffix if parts and not skip else "",
            label=msgs.label if s.explicit_label else None,
            model_instructions=(msgs.honesty_instruction,) if s.answer_are_you_human else (),
            escalation=escalation,
            referral_year=referral_year,
            audit=tuple(turn.audit),
        )

    def after_model(
        self,
        state: CompanionState,
        reply_text: str,
        now: datetime,
        output_verdict: Verdict | None = None,
    ) -> Decision:
        """Decide on the model's reply (``state`` is the one ``before_model`` returned)."""
        s = self.settings
        timers.check_aware(now)
        audience = audience_for(state.age, s)
        msgs = self.messages(state.locale)
        turn = _Turn(self.config, now)
        codes = (
            sexual_codes(output_verdict, self.policy_for(Audience.MINOR), s)
            if audience is Audience.MINOR
            else ()
        )
        if codes:
            turn.show(
                NoticeKind.MINOR_REFUSAL,
                msgs.minor_content_blocked,
                Protection.MINOR_SEXUAL,
                f"output codes={list(codes)}",
            )
            return Decision(
                state=state,
                audience=audience,
                notices=tuple(turn.notices),
                reply=msgs.minor_content_blocked,
                audit=tuple(turn.audit),
            )
        claim = find_human_claim(reply_text) if s.correct_human_claims else None
        if claim is None:
            return Decision(state=state, audience=audience)
        turn.show(NoticeKind.DISCLOSURE, msgs.disclosure, Protection.HUMAN_ANSWER, claim.rule)
        return Decision(
            state=timers.disclosed(state, now, at_start=False),
            audience=audience,
            notices=tuple(turn.notices),
            append="\n\n" + msgs.disclosure,
            audit=tuple(turn.audit),
        )


def compose(before: Decision, model_text: str = "", after: Decision | None = None) -> str:
    """The full text to send for a non-streamed turn.

    ``before.reply`` when the model was skipped; otherwise the notices, then the labelled model
    text (or ``after.reply`` unlabelled, when the reply had to be replaced), then ``after.append``.
    """
    if before.skip_model:
        return before.reply or ""
    tail = after.append if after else ""
    if after is not None and after.reply is not None:
        return before.prepend + after.reply + tail
    return before.prepend + before.label_prefix + model_text + before.label_suffix + tail
