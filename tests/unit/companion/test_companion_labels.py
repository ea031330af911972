"""Explicit AIGC labels (GB 45438 check, idempotent insertion) and implicit metadata blocks."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from menshen.companion import (
    AigcLabel,
    AigcMetadata,
    Placement,
    aigc_block,
    apply_label,
    is_valid_explicit_label,
    label_parts,
    parse_aigc_metadata,
)
from menshen.companion.labels import has_label, strip_label
from menshen.companion.metadata import ALLOWED_VALUE
from menshen.errors import InputError

LABEL = "本内容由人工智能生成"

VALID = [
    "本内容由人工智能生成",
    "AI生成",
    "由AI合成",
    "人工智能合成内容",
    "ＡＩ生成",  # full width
    "[AI生成 · AI-generated]",
    "AIGC：本回复由模型生成",
]
INVALID = [
    "",
    "AI-generated",  # no 生成/合成
    "本内容由机器生成",  # no AI/人工智能
    "人工智能",
    "ai生成",  # lower case is not "AI"
    "SAID 生成",  # AI inside a word
    "生成合成",
    "人工 智能生成",
]


@pytest.mark.parametrize("label", VALID)
def test_valid_explicit_labels(label: str) -> None:
    assert is_valid_explicit_label(label)


@pytest.mark.parametrize("label", INVALID)
def test_invalid_explicit_labels(label: str) -> None:
    assert not is_valid_explicit_label(label)


def test_shipped_labels_are_valid() -> None:
    from menshen.companion.config import default_texts

    for messages in default_texts().messages.values():
        assert is_valid_explicit_label(messages.label)


@pytest.mark.parametrize(
    ("placement", "expected"),
    [
        (Placement.START, f"{LABEL}\n你好"),
        (Placement.END, f"你好\n{LABEL}"),
        (Placement.BOTH, f"{LABEL}\n你好\n{LABEL}"),
    ],
)
def test_placement(placement: Placement, expected: str) -> None:
    assert apply_label("你好", LABEL, placement) == expected
    parts = label_parts(LABEL, placement)
    assert parts.prefix + "你好" + parts.suffix == expected
    assert has_label(expected, LABEL, placement)
    assert not has_label("你好", LABEL, placement)


texts = (
    st.lists(st.sampled_from(["\n", "a", "内容", LABEL, " "]), max_size=8).map("".join) | st.text()
)


@given(texts, st.sampled_from(list(Placement)))
def test_labelling_is_idempotent(text: str, placement: Placement) -> None:
    once = apply_label(text, LABEL, placement)
    assert apply_label(once, LABEL, placement) == once
    assert has_label(once, LABEL, placement)


@given(texts, st.sampled_from(list(Placement)))
def test_strip_undoes_apply(text: str, placement: Placement) -> None:
    """Unlabelled text comes back as it was; labelled text loses one label per end."""
    labelled = apply_label(text, LABEL, placement)
    assert strip_label(labelled, LABEL, placement) == strip_label(text, LABEL, placement)


# ---------------------------------------------------------------------------- metadata
def test_block_has_the_seven_fields_in_order() -> None:
    block = aigc_block(AigcMetadata(content_producer="acme-ai", produce_id="msg-1"))
    payload = json.loads(block)
    assert list(payload["AIGC"]) == [
        "Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator",
        "PropagateID", "ReservedCode2",
    ]  # fmt: skip
    assert payload["AIGC"]["Label"] == "1"


ascii_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\')
)


@given(
    label=st.sampled_from(list(AigcLabel)),
    producer=ascii_values.filter(bool),
    produce_id=ascii_values.filter(bool),
    rest=st.lists(ascii_values, min_size=4, max_size=4),
)
def test_metadata_round_trip(
    label: AigcLabel, producer: str, produce_id: str, rest: list[str]
) -> None:
    meta = AigcMetadata(
        label=label, content_producer=producer, produce_id=produce_id, reserved_code1=rest[0],
        content_propagator=rest[1], propagate_id=rest[2], reserved_code2=rest[3],
    )  # fmt: skip
    export = json.dumps({"messages": ["你好"], **json.loads(aigc_block(meta))}, ensure_ascii=False)
    assert parse_aigc_metadata(export) == meta
    assert parse_aigc_metadata(f"front matter\n{aigc_block(meta)}\nbody") == meta


def _block(**fields: object) -> str:
    base: dict[str, object] = {
        "Label": "1", "ContentProducer": "acme", "ProduceID": "m1", "ReservedCode1": "",
        "ContentPropagator": "", "PropagateID": "", "ReservedCode2": "",
    }  # fmt: skip
    base.update(fields)
    return json.dumps({"AIGC": {k: v for k, v in base.items() if v is not None}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no metadata here", "found no"),
        (_block() + _block(), "found 2"),
        (_block(Label="4"), "Label"),
        (_block(Label=1), "string"),
        (_block(ContentProducer=""), "ContentProducer"),
        (_block(ProduceID="编号1"), "ProduceID"),
        (_block(ReservedCode2='a"b'), "ReservedCode2"),
        (_block(ReservedCode1=None), "missing"),
        (_block(Extra="x"), "unexpected"),
        ('{"AIGC": {"Label": "1",', "not valid JSON"),
    ],
)
def test_metadata_validator_rejects(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_aigc_metadata(text)


def test_metadata_model_refuses_values_outside_the_set() -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        AigcMetadata(content_producer="acmé", produce_id="1")
    assert ALLOWED_VALUE.fullmatch("abc-123_/+=:;|,.~ ")
