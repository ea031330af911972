"""Menshen's exception hierarchy.

Every error the library raises on purpose derives from :class:`MenshenError`::

    MenshenError
    ├── ConfigError          a setting, policy or file has a bad value (names file, field, value)
    │   └── LexiconError     a keyword library file cannot be read or compiled
    ├── PolicyError          a policy cannot be evaluated
    ├── DetectorError        a detector failed while checking text
    ├── PrerequisiteError    an optional extra is missing (says which ``pip install``)
    ├── InputError           user-supplied data (a record, a file) cannot be processed
    ├── StoreError           the database cannot be reached, written or verified
    └── GatewayError         answered with an OpenAI-shaped error (menshen.gateway.errors)
"""

from __future__ import annotations


class MenshenError(Exception):
    """Root of every error Menshen raises on purpose."""


class ConfigError(MenshenError):
    """A configuration value is invalid; the message names where it came from."""


class LexiconError(ConfigError):
    """A keyword library cannot be loaded or compiled."""


class PolicyError(MenshenError):
    """A policy cannot be applied to detector output."""


class DetectorError(MenshenError):
    """A detector failed; the guard turns this into the policy's ``on_error`` outcome."""


class PrerequisiteError(MenshenError):
    """An optional dependency is missing.

    The message always carries the install command, e.g. ``pip install 'menshen[pinyin]'``.
    """

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs the '{extra}' extra: pip install 'menshen[{extra}]'")
        self.feature = feature
        self.extra = extra


class InputError(MenshenError):
    """A user-supplied record or file cannot be processed."""


class StoreError(MenshenError):
    """The store cannot read or write (database down, locked, full disk, schema mismatch)."""
