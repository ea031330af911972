"""Read refusal rule files (YAML) and compile their patterns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from menshen.config_files import read_yaml, validate
from menshen.errors import ConfigError
from menshen.refusal.model import RuleFile, RuleKind

_DATA = resources.files("menshen.refusal") / "data"
DEFAULT_RULE_FILES: tuple[Path, ...] = tuple(
    Path(str(_DATA / name)) for name in ("refusal_zh.yaml", "refusal_en.yaml")
)
"""The shipped rule files, Chinese and English."""

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "＇": "'", "′": "'"})
"""Applied to texts (one character for one, so offsets stay) and phrases before matching."""
FLAGS = re.IGNORECASE | re.MULTILINE


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to match."""

    id: str
    kind: RuleKind
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class CompiledExclusion:
    """An exclusion ready to match, with the kinds it cancels."""

    id: str
    kinds: frozenset[RuleKind]
    pattern: re.Pattern[str]


def phrase_regex(phrase: str) -> str:
    """A literal phrase as a pattern: any white space between words, word edges for Latin."""
    body = r"\s+".join(re.escape(part) for part in phrase.translate(APOSTROPHES).split())
    head = r"\b" if phrase[:1].isascii() and phrase[:1].isalnum() else ""
    tail = r"\b" if phrase[-1:].isascii() and phrase[-1:].isalnum() else ""
    return head + body + tail


def _compile(source: str, regex: str | None, phrases: Sequence[str], what: str) -> re.Pattern[str]:
    text = regex if regex is not None else "|".join(phrase_regex(p) for p in phrases)
    try:
        pattern = re.compile(text, FLAGS)
    except re.error as exc:
        raise ConfigError(f"{source}: {what}: bad regular expression: {exc}") from None
    if pattern.search("") is not None:
        raise ConfigError(f"{source}: {what}: the pattern matches the empty string")
    return pattern


def read_rule_file(path: str | Path) -> RuleFile:
    """Read and validate one rule file; problems raise ConfigError naming the file and field."""
    path = Path(path)
    return validate(RuleFile, read_yaml(path, "refusal rules"), str(path))


def load_rules(paths: Sequence[str | Path] | None = None) -> tuple[RuleFile, ...]:
    """Read refusal rule files (default: the shipped Chinese and English ones)."""
    return tuple(read_rule_file(p) for p in (paths or DEFAULT_RULE_FILES))


def compile_rules(
    files: Sequence[RuleFile],
) -> tuple[list[CompiledRule], list[CompiledExclusion]]:
    """Compile every rule and exclusion; a rule id used twice raises ConfigError."""
    rules: list[CompiledRule] = []
    exclusions: list[CompiledExclusion] = []
    seen: set[str] = set()
    for rf in files:
        for spec in rf.rules:
            if spec.id in seen:
                raise ConfigError(f"{rf.name}: rule id {spec.id!r} is used twice")
            seen.add(spec.id)
            pattern = _compile(rf.name, spec.regex, spec.phrases, f"rule {spec.id}")
            rules.append(CompiledRule(spec.id, spec.kind, spec.weight, pattern))
        for ex in rf.exclusions:
            pattern = _compile(rf.name, ex.regex, ex.phrases, f"exclusion {ex.id}")
            kinds = frozenset(ex.kinds or tuple(RuleKind))
            exclusions.append(CompiledExclusion(ex.id, kinds, pattern))
    return rules, exclusions
