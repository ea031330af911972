"""Stream records out of JSONL, CSV or Parquet files, turning bad lines into error records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from menshen.errors import InputError


class Format(StrEnum):
    """Supported record file formats."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


@dataclass(frozen=True, slots=True)
class Record:
    """One input record: its fields, or why it could not be read."""

    number: int
    """1-based record number (the line number for JSONL)."""
    fields: dict[str, Any]
    """The record's fields as read; for a bad record, ``_line`` and ``_raw``."""
    error: str | None = None
    """Why the record could not be read; the record is still written out."""


def optional_text_field(record: Record, name: str) -> str | None:
    """The text in field ``name``, or None when absent; InputError when it is not text."""
    value = record.fields.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError(f"record {record.number}: field {name!r} is not text")
    return value


def text_field(record: Record, name: str) -> str:
    """The text in field ``name``; InputError naming the record when it is missing or not text."""
    value = optional_text_field(record, name)
    if value is None:
        raise InputError(f"record {record.number}: no field {name!r}")
    return value


@dataclass
class RunSummary:
    """Counts shared by every record-file command: records, errors, a sample of the errors."""

    records: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def count(self, out: dict[str, Any]) -> bool:
        """Count one output record; False when it carries an error (nothing more to count)."""
        self.records += 1
        if "error" not in out:
            return True
        self.errors += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(str(out["error"]))
        return False


def detect_format(path: Path, given: str | None) -> Format:
    """The format named by ``given`` or by the file extension."""
    if given:
        try:
            return Format(given)
        except ValueError:
            raise InputError(f"unknown format {given!r}; use jsonl, csv or parquet") from None
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return Format.JSONL
    if suffix in ("csv", "parquet"):
        return Format(suffix)
    raise InputError(f"{path}: cannot tell the format from the extension; pass --format")


def _decode(raw: bytes, number: int) -> tuple[str | None, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"record {number}: not UTF-8 ({exc.reason} at byte {exc.start})"


def _jsonl(stream: IO[bytes]) -> Iterator[Record]:
    for number, raw in enumerate(stream, 1):
        line, error = _decode(raw.rstrip(b"\r\n"), number)
        if line is None:
            shown = raw.decode("utf-8", "replace").rstrip("\r\n")
            yield Record(number, {"_line": number, "_raw": shown}, error)
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(number, {"_line": number, "_raw": line}, f"invalid JSON: {exc.msg}")
            continue
        if not isinstance(value, dict):
            yield Record(number, {"_line": number, "_raw": line}, "not a JSON object")
            continue
        yield Record(number, value)


def _csv(stream: IO[bytes]) -> Iterator[Record]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
    try:
        yield from _csv_rows(text)
    finally:
        text.detach()  # the caller owns (and closes) the byte stream


def _csv_rows(text: IO[str]) -> Iterator[Record]:
    reader = csv.DictReader(text)
    for number, row in enumerate(reader, 1):
        fields = {k: v for k, v in row.items() if k is not None}
        bad = [k for k, v in fields.items() if isinstance(v, str) and _has_surrogates(v)]
        if bad:
            clean = {k: _scrub(v) for k, v in fields.items()}
            yield Record(number, clean, f"record {number}: not UTF-8 in field(s) {bad}")
        else:
            yield Record(number, fields)


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def _parquet(path: Path) -> Iterator[Record]:
    import pyarrow.parquet as pq

    number = 0
    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=8192):
            for row in batch.to_pylist():
                number += 1
                yield Record(number, row)


def read_records(path: Path, fmt: Format) -> Iterator[Record]:
    """Stream records from ``path`` (``-`` is standard input for JSONL and CSV)."""
    if fmt is Format.PARQUET:
        if str(path) == "-":
            raise InputError("Parquet cannot be read from standard input; give a file")
        yield from _parquet(path)
        return
    import sys

    stream: IO[bytes] = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    try:
        yield from _jsonl(stream) if fmt is Format.JSONL else _csv(stream)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
