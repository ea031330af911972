"""Write classified records: JSONL keeps the verdict as an object, CSV/Parquet as JSON text."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from pydantic_core import to_json

from menshen.classify.records import Format

PARQUET_BATCH = 8192


class RecordWriter(Protocol):
    """Accepts output records one at a time, in order."""

    def write(self, record: dict[str, Any]) -> None:
        """Write one output record."""
        ...


class _JsonlWriter:
    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, record: dict[str, Any]) -> None:
        # pydantic-core's encoder is several times faster than json.dumps and keeps non-ASCII
        # text as UTF-8; records that hold other objects (a CSV/Parquet value it cannot encode)
        # fall back to str(), like json.dumps(default=str).
        line = to_json(record, fallback=str).decode("utf-8")
        self._stream.write(line + "\n")


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """Nested values (the verdict, lists) become JSON text for tabular formats."""
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in record.items()
    }


class _CsvWriter:
    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._writer: csv.DictWriter[str] | None = None

    def write(self, record: dict[str, Any]) -> None:
        row = _flat(record)
        if self._writer is None:
            self._writer = csv.DictWriter(self._stream, fieldnames=list(row), extrasaction="ignore")
            self._writer.writeheader()
        missing = [k for k in row if k not in self._writer.fieldnames]
        if missing:
            # A later record with new fields: keep them rather than drop them silently.
            row["_extra"] = json.dumps({k: row[k] for k in missing}, ensure_ascii=False)
        self._writer.writerow(row)


class _ParquetWriter:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._rows: list[dict[str, Any]] = []
        self._writer: Any = None
        self._columns: list[str] | None = None

    def write(self, record: dict[str, Any]) -> None:
        row = _flat(record)
        if self._columns is None:
            self._columns = list(row)
        for key in row:
            if key not in self._columns:
                self._columns.append(key)
        self._rows.append(row)
        if len(self._rows) >= PARQUET_BATCH:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows or self._columns is None:
            return
        columns = self._columns
        data = {
            c: [None if r.get(c) is None else str(r.get(c)) for r in self._rows] for c in columns
        }
        table = pa.table({c: pa.array(v, type=pa.string()) for c, v in data.items()})
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, table.schema)
        elif table.schema != self._writer.schema:
            table = table.select([c for c in self._writer.schema.names if c in columns])
        self._writer.write_table(table)
        self._rows = []

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()


@contextmanager
def open_writer(path: Path | None, fmt: Format) -> Iterator[RecordWriter]:
    """A writer for ``path`` (standard output when None) in ``fmt``."""
    if fmt is Format.PARQUET:
        if path is None:
            raise ValueError("Parquet output needs --output")
        writer = _ParquetWriter(path)
        try:
            yield writer
        finally:
            writer.close()
        return
    stream: IO[str] = sys.stdout if path is None else path.open("w", encoding="utf-8", newline="")
    try:
        yield _JsonlWriter(stream) if fmt is Format.JSONL else _CsvWriter(stream)
    finally:
        if path is not None:
            stream.close()
