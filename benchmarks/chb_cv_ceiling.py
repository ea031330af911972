"""How far linear n-gram models get on ChineseHarm-bench dev, 6-class, by 5-fold cross-validation.

    python benchmarks/chb_cv_ceiling.py [--data-dir ../shared/data]

`menshen train --cv 5` scores Menshen's own trainer (one-vs-rest logistic regression, ``safe``
when no code is probable enough). This script asks whether another linear model would reach the
issue's macro-F1 ≥ 0.92 on the same texts, with scikit-learn's usual baselines: TF-IDF character
n-grams with a linear SVM where ``safe`` (不违规) is a class of its own, NB-SVM (the SVM on
log-count-ratio-scaled features), and the SVM with the project corpus (``corpus/*.jsonl``, zh,
mapped to the six classes) added as down-weighted training data. Folds: scikit-learn's
``StratifiedKFold(5, shuffle=True, random_state=0)``. Measurement only: ChineseHarm-bench is
CC BY-NC 4.0 and nothing trained here is kept.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).parent))
import common

ROOT = Path(__file__).resolve().parents[1]
_CORPUS_CLASS = {
    "safe": "不违规",
    "A.1.f/sexual": "低俗色情",
    "X.sexual_minors": "低俗色情",
    "A.1.h/gambling": "博彩",
    "A.1.h/fraud": "欺诈",
    "A.1.h/illicit_ads": "黑产广告",
}


def _corpus_class(code: str) -> str | None:
    if code.startswith(("A.4.g", "A.2.")):
        return "谩骂引战"
    return _CORPUS_CLASS.get(code)


def corpus() -> tuple[np.ndarray, np.ndarray]:
    texts, labels = [], []
    for path in sorted(glob.glob(str(ROOT / "corpus" / "*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            label = _corpus_class(row["label"]) if row.get("lang") == "zh" else None
            if label:
                texts.append(row["text"])
                labels.append(label)
    return np.array(texts, dtype=object), np.array(labels)


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    ngrams: tuple[int, int],
    c: float,
    *,
    nb: bool = False,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    weight: float = 1.0,
) -> float:
    predicted = np.empty(len(y), dtype=object)
    classes = sorted(set(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        tx, ty, sw = x[train], y[train], np.ones(len(train))
        if extra is not None:
            tx, ty = np.concatenate([tx, extra[0]]), np.concatenate([ty, extra[1]])
            sw = np.concatenate([sw, np.full(len(extra[0]), weight)])
        vec = TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True)
        a, b = vec.fit_transform(tx), vec.transform(x[test])
        if not nb:
            predicted[test] = LinearSVC(C=c).fit(a, ty, sample_weight=sw).predict(b)
            continue
        present = (a > 0).astype(float)
        scores = []
        for label in classes:
            pos = ty == label
            p = 1.0 + present[pos].sum(0)
            q = 1.0 + present[~pos].sum(0)
            r = np.asarray(np.log((p / p.sum()) / (q / q.sum()))).ravel()
            svm = LinearSVC(C=c).fit(a.multiply(r).tocsr(), pos)
            scores.append(svm.decision_function(b.multiply(r).tocsr()))
        predicted[test] = np.array(classes)[np.argmax(np.vstack(scores), 0)]
    return float(f1_score(y, predicted, average="macro"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=common.DEFAULT_DATA_DIR)
    args = ap.parse_args(argv)
    bench = common.harm_bench(args.data_dir)
    x = np.array([t for t, _ in bench], dtype=object)
    y = np.array([label for _, label in bench])
    extra = corpus()
    runs = [
        ("SVM, char 1-2-grams, C=1", dict(ngrams=(1, 2), c=1.0)),
        ("SVM, char 1-2-grams, C=10", dict(ngrams=(1, 2), c=10.0)),
        ("SVM, char 1-2-grams, C=30", dict(ngrams=(1, 2), c=30.0)),
        ("SVM, char 1-3-grams, C=10", dict(ngrams=(1, 3), c=10.0)),
        ("NB-SVM, char 1-2-grams, C=0.3", dict(ngrams=(1, 2), c=0.3, nb=True)),
        ("NB-SVM, char 1-2-grams, C=1", dict(ngrams=(1, 2), c=1.0, nb=True)),
        (
            "SVM 1-2, C=1, + corpus at weight 0.1",
            dict(ngrams=(1, 2), c=1.0, extra=extra, weight=0.1),
        ),
        ("SVM 1-2, C=1, + corpus at weight 1", dict(ngrams=(1, 2), c=1.0, extra=extra, weight=1.0)),
    ]
    print(f"ChineseHarm-bench dev, {len(y)} texts; corpus extra {len(extra[0])} texts")
    print("| model | 6-class macro-F1 |\n|---|---|")
    for name, kwargs in runs:
        print(f"| {name} | {cross_validate(x, y, **kwargs):.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
