"""Read keyword libraries (YAML files or folders, CSV) into resolved rules."""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from menshen.config_files import parse_yaml, validate
from menshen.errors import ConfigError, LexiconError
from menshen.lexicon.model import ALL_VARIANTS, Entry, LexiconFile, Variant
from menshen.taxonomy import validate_code

logger = logging.getLogger(__name__)

STARTER = "starter"
"""Name that selects the library shipped with Menshen."""


@dataclass(frozen=True, slots=True)
class Rule:
    """An entry with the file defaults applied and its risk code validated."""

    id: str
    risk: str
    weight: float
    variants: frozenset[Variant]
    term: str | None
    parts: tuple[str, ...]
    within: int | None
    unless: tuple[str, ...]
    whitelist: tuple[str, ...]
    pinyin: tuple[str, ...]
    file_index: int


@dataclass(frozen=True, slots=True)
class Library:
    """A loaded keyword library: rules from one or more files."""

    files: tuple[LexiconFile, ...]
    """File headers (name, version, defaults, whitelist); entries live on as :attr:`rules`."""
    sources: tuple[str, ...]
    rules: tuple[Rule, ...]
    digest: str
    version: str
    """Newest file timestamp plus a content digest, e.g. ``2026-11-25T00:00:00Z+1a2b3c4d``."""
    origin: tuple[str, ...] = ()
    """The paths it was loaded from (files, folders or ``starter``), for reloading."""

    def stamp(self) -> tuple[tuple[str, int, int], ...]:
        """Name, size and modification time of every file now under :attr:`origin`."""
        stamps = []
        for path in _expand(self.origin):
            try:
                st = path.stat()
            except OSError:
                continue
            stamps.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(stamps)

    @property
    def newest(self) -> datetime | None:
        """Timestamp of the most recently edited file."""
        return max((f.version for f in self.files), default=None)


def _resolve(file: LexiconFile, index: int, source: str) -> list[Rule]:
    rules = []
    for n, entry in enumerate(file.entries):
        risk = entry.risk or file.defaults.risk
        where = f"{source}: entry {n} ({entry.term or entry.all})"
        if risk is None:
            raise LexiconError(f"{where}: no 'risk' and no defaults.risk in the file")
        try:
            risk = validate_code(risk)
        except ConfigError as exc:
            raise LexiconError(f"{where}: {exc}") from exc
        rules.append(
            Rule(
                id=entry.id or f"{file.name}:{n}",
                risk=risk,
                weight=entry.weight if entry.weight is not None else file.defaults.weight,
                variants=entry.variants if entry.variants is not None else file.defaults.variants,
                term=entry.term,
                parts=entry.all or (),
                within=entry.within,
                unless=entry.unless,
                whitelist=entry.whitelist,
                pinyin=entry.pinyin,
                file_index=index,
            )
        )
    return rules


def _parse_yaml(path: Path, text: str) -> LexiconFile:
    raw = parse_yaml(text, str(path), LexiconError)
    if not isinstance(raw, dict):
        raise LexiconError(f"{path}: expected a mapping at the top level")
    return validate(LexiconFile, raw, str(path), LexiconError)


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split("|") if p.strip())


def _parse_csv(path: Path, text: str) -> LexiconFile:
    entries: list[Entry] = []
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or "term" not in reader.fieldnames:
        raise LexiconError(f"{path}: CSV needs a header with at least 'term' and 'risk'")
    for lineno, row in enumerate(reader, 2):
        try:
            variants = _split(row.get("variants"))
            entries.append(
                Entry(
                    term=(row.get("term") or "").strip(),
                    risk=(row.get("risk") or "").strip() or None,
                    weight=float(row["weight"]) if (row.get("weight") or "").strip() else None,
                    variants=frozenset(Variant(v) for v in variants) if variants else None,
                    whitelist=_split(row.get("whitelist")),
                    unless=_split(row.get("unless")),
                    pinyin=_split(row.get("pinyin")),
                    note=row.get("note") or None,
                )
            )
        except (ValidationError, ValueError) as exc:
            raise LexiconError(f"{path}:{lineno}: {exc}") from exc
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return LexiconFile(name=path.stem, version=mtime, entries=tuple(entries))


def read_file(path: Path) -> LexiconFile:
    """Parse one library file (``.yaml``/``.yml`` or ``.csv``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read: {exc.strerror}") from exc
    if path.suffix.lower() == ".csv":
        return _parse_csv(path, text)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _parse_yaml(path, text)
    raise LexiconError(f"{path}: unknown library format (use .yaml, .yml or .csv)")


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if str(p) == STARTER:
            root = resources.files("menshen.lexicon").joinpath("data", "starter")
            out.extend(sorted(Path(str(root)).glob("*.yaml")))
            continue
        out.extend(files_under(Path(p), (".yaml", ".yml", ".csv"), "library"))
    return out


def files_under(path: Path, suffixes: tuple[str, ...], what: str) -> list[Path]:
    """``path`` itself, or the files under a folder whose suffix is one of ``suffixes``, sorted."""
    if path.is_dir():
        found = sorted(q for q in path.rglob("*") if q.suffix.lower() in suffixes)
        if not found:
            raise LexiconError(f"{path}: folder has no {what} files ({', '.join(suffixes)})")
        return found
    if path.exists():
        return [path]
    raise LexiconError(f"{path}: no such {what} file or folder")


def build_library(
    files: Sequence[LexiconFile], sources: Sequence[str], origin: Sequence[str] = ()
) -> Library:
    """Resolve already-parsed files into a :class:`Library`."""
    rules: list[Rule] = []
    for index, (file, source) in enumerate(zip(files, sources, strict=True)):
        rules.extend(_resolve(file, index, source))
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise LexiconError(f"duplicate entry id {rule.id!r} ({seen[rule.id]})")
        seen[rule.id] = sources[rule.file_index]
    digest = hashlib.sha256()
    for file in files:
        # Entry by entry: one JSON document of a 65k-entry file would double the peak memory.
        digest.update(file.model_dump_json(exclude={"entries"}).encode())
        for entry in file.entries:
            digest.update(entry.model_dump_json().encode())
    # Rules carry everything the matcher needs; keeping only the file headers halves the memory
    # of a large library.
    headers = tuple(file.model_copy(update={"entries": ()}) for file in files)
    newest = max((f.version for f in files), default=datetime(1970, 1, 1, tzinfo=UTC))
    version = f"{newest.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}+{digest.hexdigest()[:8]}"
    return Library(
        headers, tuple(sources), tuple(rules), digest.hexdigest(), version, tuple(origin)
    )


def load_library(paths: Iterable[str | Path] = (STARTER,)) -> Library:
    """Load libraries from files, folders, or ``"starter"`` (the shipped library)."""
    origin = [str(p) for p in paths]
    files = _expand(origin)
    if not files:
        raise LexiconError("no keyword library files given")
    parsed = [read_file(p) for p in files]
    library = build_library(parsed, [str(p) for p in files], origin)
    logger.info(
        "lexicon loaded",
        extra={"files": len(files), "rules": len(library.rules), "version": library.version},
    )
    return library


__all__ = ["ALL_VARIANTS", "STARTER", "Library", "Rule", "build_library", "load_library"]
