"""The hashed n-gram featuriser: stable hashes, normalisation, batch independence."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from menshen.classifier.features import Featurizer


def test_hashes_are_pinned() -> None:
    # A change of the hash silently breaks every trained model: these values must never move.
    f = Featurizer(1, 2, 2**18, normalize=False)
    assert f.hashes("赌博").tolist() == [166158, 153861, 138766]  # 赌, 博, 赌博
    assert all(0 <= h < 2**18 for h in f.hashes("赌博网站abc"))


def test_hashes_do_not_depend_on_the_process() -> None:
    code = (
        "from menshen.classifier.features import Featurizer;"
        "print(Featurizer(1, 3, 2**18, normalize=False).hashes('在线赌博 ok').tolist())"
    )
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    expected = Featurizer(1, 3, 2**18, normalize=False).hashes("在线赌博 ok").tolist()
    assert fresh.stdout.strip() == str(expected)


def test_rows_have_unit_norm_and_empty_texts_have_none() -> None:
    batch = Featurizer().transform(["今天天气不错", "", "在线赌博"])
    assert batch.n_rows == 3
    assert set(batch.rows.tolist()) == {0, 2}
    norms = np.bincount(batch.rows, weights=batch.values**2, minlength=3)
    assert norms[0] == pytest.approx(1.0) and norms[2] == pytest.approx(1.0) and norms[1] == 0.0
    keys = batch.rows * 2**18 + batch.cols
    assert np.all(np.diff(keys) > 0)  # sorted, each (row, column) once


def test_a_text_gets_the_same_row_alone_or_in_a_batch() -> None:
    f = Featurizer(1, 4, 2**16)
    texts = ["你好", "在线赌博，日赚千元", "a", "x\x00y"]
    together = f.transform(texts)
    for i, text in enumerate(texts):
        alone = f.transform([text])
        mask = together.rows == i
        assert together.cols[mask].tolist() == alone.cols.tolist()
        assert together.values[mask].tolist() == alone.values.tolist()


def test_ngrams_do_not_cross_texts() -> None:
    f = Featurizer(2, 2, 2**16, normalize=False)
    assert f.transform(["a", "b"]).values.size == 0  # no bigram "ab" across the seam


def test_disguises_fold_to_the_same_features() -> None:
    f = Featurizer()
    plain, disguised = f.transform(["约炮"]), f.transform(["約砲"])
    assert plain.cols.tolist() == disguised.cols.tolist()


@pytest.mark.parametrize(("lo", "hi", "buckets"), [(0, 2, 16), (3, 2, 16), (1, 2, 1000)])
def test_bad_settings_are_refused(lo: int, hi: int, buckets: int) -> None:
    with pytest.raises(ValueError):
        Featurizer(lo, hi, buckets)


def test_import_menshen_loads_neither_numpy_nor_sklearn() -> None:
    code = (
        "import sys, menshen; menshen.Guard().check('你好');"
        "print(sorted(m for m in ('numpy', 'sklearn', 'menshen.classifier') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_inference_does_not_load_sklearn() -> None:
    code = (
        "import sys; from menshen.classifier import ClassifierDetector, ClassifierModel;"
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"
