"""The local guard backend, on a tiny randomly initialised model built inside the test.

Needs the ``ml`` extra (torch, transformers); skipped without it. Nothing is downloaded: the
model and tokenizer are written to a temporary folder and loaded from there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from menshen.detect import DetectContext, registry
from menshen.errors import ConfigError, DetectorError
from menshen.llmguard.parsers import parse_llama_guard

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from menshen.llmguard.local import LocalLLMGuardDetector  # noqa: E402

WORDS = ["safe", "unsafe", "S1", "S10", "S12", "user", "hello", "你好"]
TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}assistant {% endif %}"
)


def _build(folder: Path, only: str | None = None) -> Path:
    """A tokenizer and a random one-layer Llama; with ``only``, every other token is
    suppressed at generation, so the reply is that word repeated."""
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[EOS]", "assistant", *WORDS])}
    core = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    core.decoder = tokenizers.decoders.WordPiece()  # joins tokens with spaces
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]"
    )
    tokenizer.chat_template = TEMPLATE
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=0,
        eos_token_id=2,
    )
    model = transformers.LlamaForCausalLM(config)
    if only is not None:
        model.generation_config.suppress_tokens = [i for w, i in vocab.items() if w != only]
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("tiny-guard"))


def test_a_safe_reply_is_parsed_into_no_findings(tmp_path: Path) -> None:
    detector = LocalLLMGuardDetector(_build(tmp_path, only="safe"), "llama_guard", max_new_tokens=3)
    assert detector.reply("hello", DetectContext()) == "safe safe safe"
    output = detector.judge("hello", DetectContext())
    assert not output.unsafe and output.raw == "safe safe safe"
    assert detector.detect("hello", DetectContext()) == []


def test_registered() -> None:
    assert registry.get("llm_guard_local") is LocalLLMGuardDetector


def test_the_reply_goes_through_the_backend_parser(tiny_model: Path) -> None:
    detector = LocalLLMGuardDetector(tiny_model, "llama_guard", max_new_tokens=4)
    context = DetectContext()
    reply = detector.reply("你好", context)
    assert reply == detector.reply("你好", context)  # greedy decoding is deterministic
    assert set(reply.split()) <= {"[UNK]", "assistant", *WORDS}
    try:
        expected = parse_llama_guard(reply)
    except DetectorError:
        with pytest.raises(DetectorError, match="llama_guard"):
            detector.detect("你好", context)
    else:
        assert detector.judge("你好", context) == expected
        findings = detector.detect("你好", context)
        assert bool(findings) == (expected.unsafe or expected.controversial)
    assert detector.detect("   ", context) == []


def test_an_unreadable_reply_is_a_detector_error(tmp_path: Path) -> None:
    model = _build(tmp_path, only="unsafe")  # "unsafe unsafe": no hazard code after it
    detector = LocalLLMGuardDetector(model, "llama_guard", max_new_tokens=2, on_error="review")
    with pytest.raises(DetectorError, match="not a hazard code"):
        detector.detect("hello", DetectContext())


def test_a_missing_folder_is_not_fetched_unless_asked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="allow_download"):
        LocalLLMGuardDetector(tmp_path / "nope", "llama_guard")
    with pytest.raises(ConfigError, match="unknown LLM guard backend"):
        LocalLLMGuardDetector(tmp_path, "gpt")  # type: ignore[arg-type]


def test_a_folder_without_a_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot load the guard model"):
        LocalLLMGuardDetector(tmp_path, "llama_guard")
