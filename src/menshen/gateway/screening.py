"""Running the guard for the gateway: inline or in one bounded thread pool, fail open or closed.

A check of a short text costs about half a millisecond, less than handing it to a thread and
back under load (see docs/gateway.md, "Where the guard runs"), so texts up to
``inline_check_chars`` are checked on the event loop and longer ones in the pool.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread

from menshen.gateway.metrics import GatewayMetrics
from menshen.gateway.settings import FailMode, GatewaySettings
from menshen.guard import Guard
from menshen.verdict import Action, Audience, Role, Verdict

logger = logging.getLogger(__name__)

T = TypeVar("T")

_PASSING = frozenset({Action.ALLOW, Action.FLAG})


@dataclass(frozen=True, slots=True)
class Screening:
    """The outcome of checking one text."""

    verdict: Verdict | None
    """The guard's verdict; None when the guard raised."""
    error: str | None
    """``ExceptionType: message`` when the guard raised."""
    blocked: bool
    """Whether the text must not pass (a blocking action, or a fail-closed guard error)."""
    cached: bool = False
    """Whether the verdict came from the system-prompt cache."""

    @property
    def action(self) -> str:
        """The action taken, for audit records: the verdict's, or ``block``/``allow`` when the
        text was blocked for another reason (a guard error, a blocked system prompt)."""
        verdict = self.verdict
        if verdict is not None and is_blocking(verdict.action) == self.blocked:
            return verdict.action.value
        return Action.BLOCK.value if self.blocked else Action.ALLOW.value

    @property
    def risks(self) -> tuple[str, ...]:
        """Risk codes, in the verdict's order, without repeats."""
        if self.verdict is None:
            return ()
        return tuple(dict.fromkeys(risk.code for risk in self.verdict.risks))


def is_blocking(action: Action) -> bool:
    """Whether ``action`` stops the text; actions added later than flag count as blocking."""
    return action not in _PASSING


class Screener:
    """Checks texts with one guard; remembers verdicts of system prompts by SHA-256."""

    def __init__(self, guard: Guard, settings: GatewaySettings, metrics: GatewayMetrics) -> None:
        self.guard = guard
        self._settings = settings
        self._metrics = metrics
        self._limiter = anyio.CapacityLimiter(settings.guard_threads)
        self._system: OrderedDict[str, Screening] = OrderedDict()

    async def check(self, text: str, role: Role, audience: Audience) -> Screening:
        """Check one text; a guard failure becomes the role's fail-open/closed outcome."""
        try:
            verdict = await self.run(
                partial(self.guard.check, text, role=role, audience=audience), len(text)
            )
        except Exception as exc:  # any failure of the guard is decided by the fail mode
            return self._failed(exc, role)
        self._metrics.verdict(verdict)
        return Screening(verdict=verdict, error=None, blocked=is_blocking(verdict.action))

    async def run(self, call: Callable[[], T], size: int) -> T:
        """``call()`` on the event loop when ``size`` (characters) is small, else in the pool."""
        if size <= self._settings.inline_check_chars:
            return call()
        return await anyio.to_thread.run_sync(call, limiter=self._limiter)

    def _failed(self, exc: Exception, role: Role) -> Screening:
        mode = (
            self._settings.input_guard_errors
            if role is Role.INPUT
            else self._settings.output_guard_errors
        )
        self._metrics.guard_errors.labels(role.value).inc()
        logger.error(
            "guard raised; failing %s",
            mode.value,
            extra={"role": role.value, "error_type": type(exc).__name__},
        )
        return Screening(
            verdict=None, error=f"{type(exc).__name__}: {exc}", blocked=mode is FailMode.CLOSED
        )

    async def check_system(self, text: str, audience: Audience) -> Screening:
        """Check a system prompt, or return the remembered verdict for the same text."""
        size = self._settings.system_cache_size
        key = hashlib.sha256(f"{audience.value}\0{text}".encode()).hexdigest()
        found = self._system.get(key)
        if found is not None:
            self._system.move_to_end(key)
            return Screening(found.verdict, found.error, found.blocked, cached=True)
        screening = await self.check(text, Role.INPUT, audience)
        if size and screening.verdict is not None:
            self._system[key] = screening
            if len(self._system) > size:
                self._system.popitem(last=False)
        return screening


@dataclass(frozen=True, slots=True)
class InputScreening:
    """The input side of one request: the newest user turn and each system prompt."""

    user: Screening
    systems: tuple[Screening, ...]
    seconds: float

    @property
    def blocked(self) -> bool:
        """Whether anything in the request must not pass."""
        return self.user.blocked or any(s.blocked for s in self.systems)


async def screen_input(
    screener: Screener, user_text: str, system_texts: tuple[str, ...], audience: Audience
) -> InputScreening:
    """Check the newest user turn and the system prompts of one request."""
    started = time.perf_counter()
    systems = [await screener.check_system(text, audience) for text in system_texts if text]
    user = await screener.check(user_text, Role.INPUT, audience)
    return InputScreening(user, tuple(systems), time.perf_counter() - started)
