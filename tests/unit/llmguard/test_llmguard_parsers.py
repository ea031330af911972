"""Guard-model reply parsers: well-formed replies, spelling variants, missing fields, garbage."""

from __future__ import annotations

import pytest

from menshen.errors import DetectorError
from menshen.llmguard import (
    GuardOutput,
    judge_prompt,
    label_codes,
    parse_json_judge,
    parse_llama_guard,
    parse_qwen3guard,
)
from menshen.taxonomy import load_taxonomy

# -- Qwen3Guard-Gen ------------------------------------------------------------------------

QWEN_CASES = [
    # reply, unsafe, controversial, categories, codes, refused
    ("Safety: Safe\nCategories: None", False, False, (), (), None),
    ("Safety: Unsafe\nCategories: Violent", True, False, ("Violent",), ("A.1.d", "A.1.f"), None),
    (
        "Safety: Unsafe\nCategories: Violent, Sexual Content or Sexual Acts",
        True,
        False,
        ("Violent", "Sexual Content or Sexual Acts"),
        ("A.1.d", "A.1.f"),
        None,
    ),
    (
        "Safety: Controversial\nCategories: Politically Sensitive Topics",
        False,
        True,
        ("Politically Sensitive Topics",),
        ("A.1.a", "A.1.b", "A.1.c"),
        None,
    ),
    ("Safety: Safe\nCategories: None\nRefusal: Yes", False, False, (), (), True),
    (
        "Safety: Unsafe\nCategories: PII\nRefusal: No",
        True,
        False,
        ("PII",),
        ("A.4.e", "A.4.f"),
        False,
    ),
    # categories with no standard code fall back to the fine / project codes
    ("Safety: Unsafe\nCategories: Jailbreak", True, False, ("Jailbreak",), ("X.jailbreak",), None),
    # whitespace, case and full-width punctuation variants
    (
        "\n  safety:unsafe  \r\n categories :  violent ,pii，Jailbreak \n",
        True,
        False,
        ("violent", "pii", "Jailbreak"),
        ("A.1.d", "A.1.f", "A.4.e", "A.4.f", "X.jailbreak"),
        None,
    ),
    ("SAFETY：CONTROVERSIAL\nCATEGORIES：NONE\nREFUSAL：YES", False, True, (), (), True),
    # missing fields: no Categories line, no Refusal line
    ("Safety: Unsafe", True, False, (), (), None),
    # an unknown label is kept but has no code (the detector reports it under A.1.h)
    ("Safety: Unsafe\nCategories: Cybercrime", True, False, ("Cybercrime",), (), None),
]


@pytest.mark.parametrize(
    ("reply", "unsafe", "controversial", "categories", "codes", "refused"), QWEN_CASES
)
def test_parse_qwen3guard(
    reply: str,
    unsafe: bool,
    controversial: bool,
    categories: tuple[str, ...],
    codes: tuple[str, ...],
    refused: bool | None,
) -> None:
    out = parse_qwen3guard(reply)
    assert (out.unsafe, out.controversial) == (unsafe, controversial)
    assert out.categories == categories
    assert out.codes == codes
    assert out.refused is refused
    assert out.confidence is None and out.raw == reply


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("", "no 'Safety:' line"),
        ("Categories: Violent", "no 'Safety:' line"),
        ("The text looks fine to me.", "no 'Safety:' line"),
        ("Safety: Maybe\nCategories: None", "unknown safety level 'Maybe'"),
        ("Safety: Safe\nRefusal: Perhaps", "unknown refusal value 'Perhaps'"),
    ],
)
def test_parse_qwen3guard_rejects_garbage(reply: str, why: str) -> None:
    with pytest.raises(DetectorError, match=f"cannot parse qwen3guard output \\({why}\\)"):
        parse_qwen3guard(reply)


# -- Llama Guard ---------------------------------------------------------------------------

LLAMA_CASES = [
    # reply, unsafe, categories, codes
    ("safe", False, (), ()),
    ("\n\nsafe", False, (), ()),
    ("  SAFE \n", False, (), ()),
    ("unsafe\nS12", True, ("S12",), ("A.1.f",)),
    (
        "unsafe\nS1,S10",
        True,
        ("S1", "S10"),
        ("A.1.d", "A.1.f", "A.1.e", *[f"A.2.{c}" for c in "abcdefghi"]),
    ),
    ("Unsafe\n s2 , s9 ", True, ("s2", "s9"), ("A.1.h", "A.3.e", "A.1.h/weapons")),
    ("unsafe S4", True, ("S4",), ("X.sexual_minors",)),
    ("unsafe\n\nS3", True, ("S3",), ("A.1.h/prostitution",)),
    # missing categories; categories we do not map (S13 Elections) or do not know (S15)
    ("unsafe", True, (), ()),
    ("unsafe\nS13", True, ("S13",), ()),
    ("unsafe\nS15", True, ("S15",), ()),
]


@pytest.mark.parametrize(("reply", "unsafe", "categories", "codes"), LLAMA_CASES)
def test_parse_llama_guard(
    reply: str, unsafe: bool, categories: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    out = parse_llama_guard(reply)
    assert out.unsafe is unsafe and out.controversial is False
    assert out.categories == categories
    assert out.codes == codes
    assert out.refused is None and out.raw == reply


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("", "empty reply"),
        ("   \n ", "empty reply"),
        ("I cannot help with that.", "expected 'safe' or 'unsafe'"),
        ("safety: unsafe", "expected 'safe' or 'unsafe'"),
        ("unsafe\nThis message promotes violence", "not a hazard code: 'This'"),
    ],
)
def test_parse_llama_guard_rejects_garbage(reply: str, why: str) -> None:
    with pytest.raises(DetectorError, match=f"cannot parse llama_guard output \\({why}\\)"):
        parse_llama_guard(reply)


# -- JSON judge ----------------------------------------------------------------------------

JSON_CASES = [
    # reply, unsafe, categories, codes, refused, confidence
    ('{"unsafe": false}', False, (), (), None, None),
    (
        '{"unsafe": true, "categories": ["A.1.f/sexual"], "refused": false, "confidence": 0.9}',
        True,
        ("A.1.f/sexual",),
        ("A.1.f/sexual",),
        False,
        0.9,
    ),
    # code fence and prose around it
    (
        'Sure.\n```json\n{"unsafe": true, "categories": ["A.1.d", "X.jailbreak"], '
        '"confidence": 1}\n```\nHope this helps!',
        True,
        ("A.1.d", "X.jailbreak"),
        ("A.1.d", "X.jailbreak"),
        None,
        1.0,
    ),
    ('```\n{"unsafe": false, "refused": true}\n```', False, (), (), True, None),
    (
        'My verdict: {"unsafe": "true", "categories": "A.4.a, A.4.e"}.',
        True,
        ("A.4.a", "A.4.e"),
        ("A.4.a", "A.4.e"),
        None,
        None,
    ),
    # an object without "unsafe" before the answer is skipped
    ('{"note": 1} then {"unsafe": "No", "categories": null}', False, (), (), None, None),
    # unknown codes are kept as categories but have no code
    (
        '{"unsafe": true, "categories": ["A.9.z", "violence"]}',
        True,
        ("A.9.z", "violence"),
        (),
        None,
        None,
    ),
    # nested braces inside strings
    (
        '{"unsafe": true, "categories": ["A.1.h"], "why": "a {weird} reason"}',
        True,
        ("A.1.h",),
        ("A.1.h",),
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("reply", "unsafe", "categories", "codes", "refused", "confidence"), JSON_CASES
)
def test_parse_json_judge(
    reply: str,
    unsafe: bool,
    categories: tuple[str, ...],
    codes: tuple[str, ...],
    refused: bool | None,
    confidence: float | None,
) -> None:
    out = parse_json_judge(reply)
    assert out.unsafe is unsafe and out.controversial is False
    assert out.categories == categories
    assert out.codes == codes
    assert out.refused is refused
    assert out.confidence == confidence
    assert out.raw == reply


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("", "no JSON object with an 'unsafe' key"),
        ("The message is unsafe.", "no JSON object with an 'unsafe' key"),
        ('{"unsafe": true', "no JSON object with an 'unsafe' key"),
        ('{"safe": true}', "no JSON object with an 'unsafe' key"),
        ('{"unsafe": null}', "'unsafe' must be true or false, got null"),
        ('{"unsafe": 1}', "'unsafe' must be true or false, got 1"),
        ('{"unsafe": true, "categories": [1, 2]}', "'categories' must be a list of risk codes"),
        ('{"unsafe": true, "categories": {"a": 1}}', "'categories' must be a list of risk codes"),
        ('{"unsafe": true, "confidence": "high"}', "'confidence' must be a number, got 'high'"),
        ('{"unsafe": true, "confidence": true}', "'confidence' must be a number, got True"),
        ('{"unsafe": true, "confidence": 85}', "'confidence' must be in \\[0, 1\\], got 85"),
        ('{"unsafe": false, "refused": "maybe"}', "'refused' must be true or false, got 'maybe'"),
    ],
)
def test_parse_json_judge_rejects_garbage(reply: str, why: str) -> None:
    with pytest.raises(DetectorError, match=f"cannot parse json output \\({why}\\)"):
        parse_json_judge(reply)


def test_error_message_quotes_a_shortened_reply() -> None:
    with pytest.raises(DetectorError) as info:
        parse_llama_guard("nonsense " * 40)
    message = str(info.value)
    assert message.endswith("...'") and len(message) < 220


# -- shared --------------------------------------------------------------------------------


def test_guard_output_is_frozen() -> None:
    out = parse_llama_guard("safe")
    assert isinstance(out, GuardOutput)
    with pytest.raises(ValueError, match="frozen"):
        out.unsafe = True  # type: ignore[misc]
    assert GuardOutput.model_validate_json(out.model_dump_json()) == out


def test_every_scheme_label_maps_to_known_codes_or_none() -> None:
    taxonomy = load_taxonomy()
    for backend, labels in [
        ("qwen3guard", ["Violent", "Non-violent Illegal Acts", "Copyright Violation"]),
        ("llama_guard", [f"S{i}" for i in range(1, 15)]),
    ]:
        for label in labels:
            assert all(code in taxonomy for code in label_codes(backend, label))
    # generic sexual content must not claim the minors code
    assert "X.sexual_minors" not in label_codes("qwen3guard", "Sexual Content or Sexual Acts")
    assert label_codes("llama_guard", "S4") == ("X.sexual_minors",)
    assert label_codes("json", "A.1") == ()  # a category, not a risk code


def test_judge_prompt_lists_the_codes_and_the_answer_shape() -> None:
    prompt = judge_prompt()
    for code in ("A.1.a", "A.5.b", "X.jailbreak", "X.sexual_minors"):
        assert f"- {code}: " in prompt
    assert '"unsafe"' in prompt and '"categories"' in prompt and '"confidence"' in prompt
    assert "{codes}" not in prompt
