"""The classifier detector: a trained model's probabilities as risk findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from menshen.classifier.model import ClassifierModel
from menshen.detect.base import DetectContext, registry
from menshen.policy import covers
from menshen.verdict import Evidence, RiskFinding, Span


@registry.register("classifier")
class ClassifierDetector:
    """Reports each risk code whose probability reaches its floor; the score is the probability.

    The finding's one span covers the whole text; its evidence names the model (``rule``), the
    code (``term``) and ``variant="classifier"``.
    """

    name = "classifier"

    def __init__(
        self,
        model: ClassifierModel | Path | str,
        floors: Mapping[str, float] | None = None,
        default_floor: float | None = None,
    ) -> None:
        """``floors`` maps codes (a code covers its sub-codes) to reporting floors; without
        ``default_floor``, the model card's ``floor``, ``code_floors`` and ``pooled_floor`` apply
        under them (with it, only per-code floors do)."""
        self.model = model if isinstance(model, ClassifierModel) else ClassifierModel.load(model)
        card = self.model.card
        # The card's floors are the recipe's operating point; a caller's default replaces it.
        self._pooled_floor: float | None = None
        if default_floor is None:
            default_floor, chosen = card.floor, {**card.code_floors, **(floors or {})}
            self._pooled_floor = card.pooled_floor
        else:
            chosen = dict(floors or {})
        for code, floor in [*chosen.items(), ("default", default_floor)]:
            if not 0.0 <= floor <= 1.0:
                raise ValueError(f"floor of {code} must be in [0, 1], got {floor}")
        self._floors = {c: _floor_of(c, chosen, default_floor) for c in self.model.codes}

    @property
    def floors(self) -> dict[str, float]:
        """The reporting floor of each code."""
        return dict(self._floors)

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: Sequence[str]) -> list[list[RiskFinding]]:
        """Findings for many texts at once (faster per text than :meth:`detect`)."""
        everything = self.model.all_probabilities(texts)
        codes = self.model.codes
        probs = everything[:, : len(codes)]
        floors = np.array([self._floors[c] for c in codes])
        hits = probs >= floors
        out: list[list[RiskFinding]] = [[] for _ in texts]
        for row, col in zip(*(a.tolist() for a in np.nonzero(hits)), strict=True):
            out[row].append(self._finding(texts[row], codes[col], probs[row, col], "classifier"))
        if self._pooled_floor is not None:
            # Pooled over all codes, "is it harmful at all" has far more training data than any
            # one code; a text it is sure of is reported under its most probable code.
            pooled = everything[:, len(codes)]
            for row in np.flatnonzero((pooled >= self._pooled_floor) & ~hits.any(axis=1)).tolist():
                code = codes[int(probs[row].argmax())]
                out[row].append(self._finding(texts[row], code, pooled[row], "classifier-pooled"))
        for findings in out:
            findings.sort(key=lambda f: -f.score)
        return [[] if not text else found for text, found in zip(texts, out, strict=True)]

    def _finding(self, text: str, code: str, probability: float, variant: str) -> RiskFinding:
        span = Span(start=0, end=len(text), text=text)
        evidence = Evidence(rule=self.model.model_id, term=code, variant=variant, span=span)
        return RiskFinding(
            code=code,
            score=round(float(probability), 6),
            detector=self.name,
            spans=(span,),
            evidence=(evidence,),
        )


def _floor_of(code: str, floors: Mapping[str, float], default: float) -> float:
    """The floor of the longest key in ``floors`` that names ``code`` or an ancestor."""
    keys = [k for k in floors if covers(k, code)]
    return floors[max(keys, key=len)] if keys else default
