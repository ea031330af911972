"""The detector protocol and the registry that names detectors for config, CLI and docs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from menshen.errors import ConfigError
from menshen.verdict import Audience, RiskFinding, Role


@dataclass(frozen=True, slots=True)
class DetectContext:
    """What a detector may know besides the text."""

    role: Role = Role.INPUT
    audience: Audience = Audience.ADULT
    extra: dict[str, Any] = field(default_factory=dict)
    """Caller-supplied context (character id, conversation id …); detectors may ignore it."""


class Detector(Protocol):
    """Reports risks in a text. Must be thread-safe and side-effect free."""

    name: str

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        """Return the risks found, each with a score in [0, 1] and evidence."""
        ...


D = TypeVar("D", bound=type)


class Registry:
    """Detector classes by registry name."""

    def __init__(self) -> None:
        self._classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[D], D]:
        """Class decorator: make a detector reachable by ``name``."""

        def wrap(cls: D) -> D:
            if name in self._classes:
                raise ConfigError(f"detector name {name!r} is registered twice")
            self._classes[name] = cls
            return cls

        return wrap

    def get(self, name: str) -> type:
        """The detector class registered as ``name``."""
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes))
            raise ConfigError(f"unknown detector {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._classes)


registry = Registry()
