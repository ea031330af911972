"""The shipped default model matches its recipe, its checksum and the corpus in the repository."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from menshen.classifier import SHIPPED_MODEL, ClassifierModel

ROOT = Path(__file__).resolve().parents[3]
RECIPE = ROOT / "recipes" / "default.yaml"
SHARED = ROOT.parent / "shared" / "data"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_shipped_file_matches_its_checksum() -> None:
    recorded = SHIPPED_MODEL.with_suffix(".sha256").read_text("utf-8").split()
    assert recorded == [_sha256(SHIPPED_MODEL.read_bytes()), SHIPPED_MODEL.name]


def test_the_shipped_file_is_small() -> None:
    assert SHIPPED_MODEL.stat().st_size <= 2 * 1024 * 1024


def test_the_model_was_trained_by_the_recipe_in_the_repository() -> None:
    pytest.importorskip("sklearn")  # the recipe module needs the train extra's validators only
    from menshen.classifier.train import load_recipe

    card = ClassifierModel.load(SHIPPED_MODEL).card
    recipe = load_recipe(RECIPE)
    assert card.recipe_hash == recipe.digest()
    assert card.name == recipe.name and card.floor == recipe.floor
    assert ROOT / recipe.output == SHIPPED_MODEL


def test_the_model_was_trained_on_the_corpus_in_the_repository() -> None:
    card = ClassifierModel.load(SHIPPED_MODEL).card
    (corpus,) = [s for s in card.sources if s.name == "menshen-corpus"]
    files = sorted((ROOT / "corpus").glob("*.jsonl"))
    assert [Path(f).name for f in corpus.files] == [f.name for f in files]
    assert corpus.sha256 == _sha256(b"".join(f.read_bytes() for f in files)), (
        "corpus/ changed since the model was trained: run menshen train --recipe "
        "recipes/default.yaml"
    )


def test_every_training_source_has_a_permissive_licence() -> None:
    card = ClassifierModel.load(SHIPPED_MODEL).card
    assert {s.licence for s in card.sources} <= {"Apache-2.0", "MIT", "CC BY 4.0"}
    notice = (ROOT / "NOTICE").read_text("utf-8")
    for source in card.sources:
        repo_at_commit = source.upstream.split(" ")[0]
        assert repo_at_commit in notice or source.name == "menshen-corpus", source.name


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs the public data sets in ../shared/data")
def test_the_recipe_reproduces_the_shipped_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sklearn = pytest.importorskip("sklearn")
    from menshen.classifier.train import load_recipe, train

    trainer = ClassifierModel.load(SHIPPED_MODEL).card.trainer
    if f"scikit-learn {sklearn.__version__} " not in trainer:
        pytest.skip(f"liblinear's bytes are reproducible per version; the model was {trainer!r}")

    monkeypatch.chdir(ROOT)
    train(load_recipe(RECIPE), output=tmp_path / "default.npz")
    assert (tmp_path / "default.npz").read_bytes() == SHIPPED_MODEL.read_bytes()
