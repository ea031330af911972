"""Batch classification of record files (JSONL, CSV, Parquet) in input order."""

from menshen.classify.records import Format, Record, detect_format, read_records
from menshen.classify.runner import ClassifySummary, Fields, classify_records
from menshen.classify.writers import open_writer

__all__ = [
    "ClassifySummary",
    "Fields",
    "Format",
    "Record",
    "classify_records",
    "detect_format",
    "open_writer",
    "read_records",
]
