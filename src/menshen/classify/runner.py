"""Classify a stream of records with a Guard, in input order, optionally across processes."""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from typing import Any

from menshen.classify.records import Record, RunSummary, text_field
from menshen.errors import InputError
from menshen.guard import MAX_TEXT_CHARS, Guard
from menshen.taxonomy import rollup
from menshen.verdict import Audience, Role

CHUNK = 256
"""Records checked together (one ``check_batch`` per role), and per task sent to a worker."""
AHEAD = 4
"""Chunks in flight per worker: enough to keep workers busy, few enough to bound memory."""

_worker_guard: Guard | None = None


@dataclass
class ClassifySummary(RunSummary):
    """Counts over one classification run."""

    flagged: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    by_risk: Counter[str] = field(default_factory=Counter)
    """Records per risk code as reported (fine-grained)."""
    by_standard_risk: Counter[str] = field(default_factory=Counter)
    """Records per GB/T 45654 risk (fine codes rolled up)."""

    def add(self, out: dict[str, Any]) -> None:
        """Count one output record."""
        if not self.count(out):
            return
        verdict = out["verdict"]
        self.by_action[verdict["action"]] += 1
        if verdict["flagged"]:
            self.flagged += 1
        codes = {r["code"] for r in verdict["risks"]}
        self.by_risk.update(codes)
        self.by_standard_risk.update({rollup(c) for c in codes})


ROLE_NAMES = {
    "user": Role.INPUT,
    "human": Role.INPUT,
    "input": Role.INPUT,
    "assistant": Role.OUTPUT,
    "character": Role.OUTPUT,
    "bot": Role.OUTPUT,
    "model": Role.OUTPUT,
    "output": Role.OUTPUT,
}
"""Chat-log speaker names understood by ``--role-field``."""


@dataclass(frozen=True, slots=True)
class Fields:
    """Which record fields hold the text and, optionally, the speaker."""

    text: str = "text"
    role: str | None = None
    """Field naming the speaker (user/assistant …); overrides the fixed role per record."""


def _role_of(record: Record, fields: Fields, default: Role) -> Role | str:
    if fields.role is None:
        return default
    value = record.fields.get(fields.role)
    role = ROLE_NAMES.get(str(value).strip().lower()) if value is not None else None
    if role is None:
        known = ", ".join(sorted(ROLE_NAMES))
        return (
            f"record {record.number}: field {fields.role!r} is {value!r}; expected one of {known}"
        )
    return role


def _prepare(
    record: Record, fields: Fields, role: Role
) -> tuple[dict[str, Any], str, Role] | dict[str, Any]:
    """The output record and what to check, or the finished output record when it is an error."""
    out = dict(record.fields)
    if record.error is not None:
        out["error"] = record.error
        return out
    role_or_error = _role_of(record, fields, role)
    if not isinstance(role_or_error, Role):
        out["error"] = role_or_error
        return out
    try:
        text = text_field(record, fields.text)
    except InputError as exc:
        out["error"] = str(exc)
        return out
    if len(text) > MAX_TEXT_CHARS:
        out["error"] = (
            f"record {record.number}: text has {len(text)} characters; "
            f"the limit is {MAX_TEXT_CHARS}"
        )
        return out
    return out, text, role_or_error


def classify_chunk(
    guard: Guard,
    records: list[Record],
    fields: Fields,
    role: Role,
    audience: Audience = Audience.ADULT,
) -> list[dict[str, Any]]:
    """The output records for ``records``: their fields plus ``verdict`` or ``error``.

    The texts of one role go to :meth:`Guard.check_batch` together, so batch detectors (the
    classifier) score the chunk at once. Should a batch fail, its records are checked one by one
    so that only the bad record carries the error.
    """
    outputs: list[dict[str, Any]] = []
    pending: dict[Role, list[tuple[dict[str, Any], str, int]]] = {}
    for record in records:
        prepared = _prepare(record, fields, role)
        if isinstance(prepared, dict):
            outputs.append(prepared)
            continue
        out, text, text_role = prepared
        outputs.append(out)
        pending.setdefault(text_role, []).append((out, text, record.number))
    for text_role, items in pending.items():
        try:
            texts = [text for _, text, _ in items]
            verdicts = guard.check_batch(texts, role=text_role, audience=audience)
        except Exception:  # isolate the record that broke the batch
            for out, text, number in items:
                _check_one(guard, out, text, number, text_role, audience)
            continue
        for (out, _, _), verdict in zip(items, verdicts, strict=True):
            out["verdict"] = verdict.model_dump(mode="json")
    return outputs


def _check_one(
    guard: Guard, out: dict[str, Any], text: str, number: int, role: Role, audience: Audience
) -> None:
    try:
        out["verdict"] = guard.check(text, role=role, audience=audience).model_dump(mode="json")
    except Exception as exc:  # the record is kept with its error; the run goes on
        out["error"] = f"record {number}: {type(exc).__name__}: {exc}"


def _init_worker(guard: Guard) -> None:
    global _worker_guard
    _worker_guard = guard


def _work(args: tuple[list[Record], Fields, Role, Audience]) -> list[dict[str, Any]]:
    records, fields, role, audience = args
    assert _worker_guard is not None
    return classify_chunk(_worker_guard, records, fields, role, audience)


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def classify_records(
    guard: Guard,
    records: Iterable[Record],
    *,
    fields: Fields = Fields(),
    role: Role = Role.INPUT,
    audience: Audience = Audience.ADULT,
    workers: int = 1,
) -> Iterator[dict[str, Any]]:
    """Yield one output record per input record, in input order.

    With ``workers > 1`` records are classified in forked worker processes in chunks; at most
    ``AHEAD`` chunks per worker are in flight, so memory stays bounded for inputs of any size.
    """
    if workers <= 1:
        for batch in _chunks(records, CHUNK):
            yield from classify_chunk(guard, batch, fields, role, audience)
        return
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(guard,)) as pool:
        pending: deque[AsyncResult[list[dict[str, Any]]]] = deque()
        chunks = _chunks(records, CHUNK)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < AHEAD * workers:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                else:
                    job = (chunk, fields, role, audience)
                    pending.append(pool.apply_async(_work, (job,)))
            if pending:
                yield from pending.popleft().get()
