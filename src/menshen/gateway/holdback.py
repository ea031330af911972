"""The hold-back window of a streamed reply: which upstream chunks may be released, and when.

Upstream chunks are queued unchanged (their ``logprobs`` carry token text, so they cannot be
released early either) and leave the queue in order. Per choice, the window keeps:

* ``checked``: the text up to here passed the guard;
* the release boundary ``checked - hold_back``: a chunk leaves only when all of its text lies
  before the boundary of its choice, so the newest ``hold_back`` checked characters always wait
  for the next check, which reads them together with what follows. A banned phrase split across
  chunks is therefore caught before its first part is released, as long as it is at most
  ``hold_back + 1`` characters long.

The first check runs as soon as the first chunk could be released (so the first token waits for
``hold_back`` characters and one check, not for the next step); after it, a check is due after
``step`` new characters or at a sentence end. Each check reads the text
from ``context`` characters before the released text to the newest character, so its cost does
not grow with the length of the reply. When a choice finishes, the whole reply is checked once;
its remaining chunks leave after that check and the audit record (:meth:`HoldBack.open_final`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

_SENTENCE_ENDS = frozenset("。！？!?.；;…\n")
_FINAL = 1 << 62  # the release boundary of a choice whose whole reply passed


@dataclass(slots=True)
class ChoiceText:
    """What one choice of the stream said so far."""

    text: str = ""
    checked: int = 0
    """Length of the prefix that passed a check."""
    released: int = 0
    """Characters already released to the client."""
    boundary: int = 0
    """Chunks whose text ends at or before this may be released."""
    finished: bool = False
    """The upstream sent this choice's ``finish_reason``."""
    final: bool = False
    """The whole reply passed its final check."""
    pending_sentence_end: bool = False
    first_due: int | None = None
    """Text length at which the first content can be released, so the first check runs then."""


@dataclass(slots=True)
class _Queued:
    chunk: dict[str, Any]
    ends: dict[int, int] = field(default_factory=dict)
    """Per choice index, the text length the chunk brings its choice to."""


class HoldBack:
    """Queue and release bookkeeping for one stream; pure and synchronous."""

    def __init__(self, hold_back: int, step: int, context: int) -> None:
        self.hold_back = hold_back
        self.step = step
        self.context = context
        self.choices: dict[int, ChoiceText] = {}
        self._queue: deque[_Queued] = deque()

    def add(self, chunk: dict[str, Any]) -> list[int]:
        """Queue an upstream chunk; returns the choice indexes whose check is now due."""
        queued = _Queued(chunk)
        due: list[int] = []
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", 0)
            index = index if isinstance(index, int) else 0
            state = self.choices.setdefault(index, ChoiceText())
            delta = choice.get("delta")
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                if state.first_due is None:
                    state.first_due = len(state.text) + len(content) + self.hold_back
                state.text += content
                state.pending_sentence_end |= any(ch in _SENTENCE_ENDS for ch in content)
            # A finish chunk waits for the final check: its end lies past any partial boundary.
            finishing = choice.get("finish_reason") is not None
            queued.ends[index] = len(state.text) + (1 if finishing else 0)
            if finishing:
                state.finished = True
            elif self._due(state):
                due.append(index)
        self._queue.append(queued)
        return due

    def _due(self, state: ChoiceText) -> bool:
        """Whether a check of ``state`` is due.

        None before the first chunk could be released (it would release nothing; the check at
        that point reads all the text anyway), one exactly then (time to first token), and
        afterwards one per ``step`` new characters or at a sentence end.
        """
        size, first = len(state.text), state.first_due
        if first is None or size < first:
            return False
        if state.checked < first:
            return True
        if size - state.checked >= self.step:
            return True
        return state.pending_sentence_end and size > state.checked

    def window(self, index: int) -> tuple[int, str]:
        """Where the next incremental check of ``index`` starts, and the text it reads."""
        state = self.choices[index]
        start = max(0, state.released - self.context)
        return start, state.text[start:]

    def passed(self, index: int, upto: int) -> None:
        """The text of ``index`` up to ``upto`` passed an incremental check."""
        state = self.choices[index]
        state.checked = max(state.checked, upto)
        state.pending_sentence_end = False
        state.boundary = max(state.boundary, state.checked - self.hold_back)

    def passed_final(self, index: int) -> None:
        """The whole reply of ``index`` passed; its tail still waits for :meth:`open_final`."""
        state = self.choices[index]
        state.checked = len(state.text)
        state.final = True
        state.boundary = max(state.boundary, state.checked - self.hold_back)

    def open_final(self) -> None:
        """Let every chunk of the choices whose whole reply passed leave (after the audit)."""
        for state in self.choices.values():
            if state.final:
                state.boundary = _FINAL

    def finished_unchecked(self) -> list[int]:
        """Choices the upstream finished whose whole reply has not been checked yet."""
        return [i for i, state in self.choices.items() if state.finished and not state.final]

    def all_finished(self) -> bool:
        """Whether the stream had choices and the upstream finished every one."""
        return bool(self.choices) and all(state.finished for state in self.choices.values())

    def unfinished(self) -> list[int]:
        """Choices whose whole reply has not passed its final check yet."""
        return [index for index, state in self.choices.items() if not state.final]

    def release(self) -> list[dict[str, Any]]:
        """Chunks that may leave now, in upstream order."""
        out: list[dict[str, Any]] = []
        while self._queue:
            head = self._queue[0]
            if any(end > self.choices[i].boundary for i, end in head.ends.items()):
                break
            self._queue.popleft()
            for index, end in head.ends.items():
                state = self.choices[index]
                state.released = max(state.released, min(end, len(state.text)))
            out.append(head.chunk)
        return out

    def delivered(self) -> dict[int, int]:
        """Characters released per choice so far."""
        return {index: state.released for index, state in self.choices.items()}

    @property
    def held(self) -> int:
        """Chunks waiting in the queue."""
        return len(self._queue)
