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
        ``default_floor``, the model card's ``floor`` and ``code_floors`` apply under them."""
        self.model = model if isinstance(model, ClassifierModel) else ClassifierModel.load(model)
        card = self.model.card
        # The card's floors are the recipe's operating point; a caller's default replaces it.
        if default_floor is None:
            default_floor, chosen = card.floor, {**card.code_floors, **(floors or {})}
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
        probs = self.model.probabilities(texts)
        codes = self.model.codes
        model_id = self.model.model_id
        floors = np.array([self._floors[c] for c in codes])
        out: list[list[RiskFinding]] = [[] for _ in texts]
        rows, cols = np.nonzero(probs >= floors)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            text = texts[row]
            if not text:
                continue
            span = Span(start=0, end=len(text), text=text)
            code = codes[col]
            evidence = Evidence(rule=model_id, term=code, variant="classifier", span=span)
            out[row].append(
                RiskFinding(
                    code=code,
                    score=round(float(probs[row, col]), 6),
                    detector=self.name,
                    spans=(span,),
                    evidence=(evidence,),
                )
            )
        for findings in out:
            findings.sort(key=lambda f: -f.score)
        return out


def _floor_of(code: str, floors: Mapping[str, float], default: float) -> float:
    """The floor of the longest key in ``floors`` that names ``code`` or an ancestor."""
    keys = [k for k in floors if covers(k, code)]
    return floors[max(keys, key=len)] if keys else default
