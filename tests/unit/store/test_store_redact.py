"""The ``redacted`` text policy's PII masks. The numbers are made up or textbook examples
(11010519491231002X is the example of the ID number standard, GB 11643)."""

from __future__ import annotations

import pytest

from menshen.store import TextPolicy, redact
from menshen.store.redact import stored_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话[PHONE]"),
        ("打给我：138-1234-5678 或 139 8765 4321", "打给我：[PHONE] 或 [PHONE]"),
        ("+86 13812345678", "[PHONE]"),
        ("0086-13812345678", "[PHONE]"),
        ("+8613812345678。", "[PHONE]。"),
        ("座机 010-12345678 转 8", "座机 [PHONE] 转 8"),
        ("office 0755 8765432", "office [PHONE]"),
        ("call +1 415 555 0100 today", "call [PHONE] today"),
        ("写信到 xiao.ming+ai@mail.example.cn 吧", "写信到 [EMAIL] 吧"),
        ("邮箱:ABC_1@example.com", "邮箱:[EMAIL]"),
        ("身份证11010519491231002X", "身份证[ID_CARD]"),
        ("身份证号 110105194912310021。", "身份证号 [ID_CARD]。"),
        ("卡号 6222021234567890", "卡号 [BANK_CARD]"),
        ("卡号 6222 0212 3456 7890 123", "卡号 [BANK_CARD]"),
        ("卡号6222-0212-3456-7890", "卡号[BANK_CARD]"),
        ("手机１３８１２３４５６７８", "手机[PHONE]"),
        ("１３８－１２３４－５６７８　好的", "[PHONE]　好的"),
        ("邮箱ｘｍ＠ｅｘａｍｐｌｅ．ｃｏｍ。", "邮箱[EMAIL]。"),
    ],
)
def test_pii_is_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "今天是2025年3月1日，12:30见",
        "订单号 20240101，共 1380 元",
        "第12345678条消息",
        "12345678901",  # eleven digits, but not a mobile prefix
        "23812345678",
        "138123456789",  # twelve digits: not a mobile number
        "我在 @example 上发帖",
        "版本 1.2.3，温度 36.5 度",
    ],
)
def test_ordinary_numbers_and_text_are_kept(text: str) -> None:
    assert redact(text) == text


def test_several_kinds_in_one_text() -> None:
    text = "我叫小明，手机13812345678，邮箱 xm@example.com，卡号 6222021234567890"
    assert redact(text) == "我叫小明，手机[PHONE]，邮箱 [EMAIL]，卡号 [BANK_CARD]"


@pytest.mark.parametrize(
    ("policy", "kept"),
    [
        (TextPolicy.FULL, "手机13812345678"),
        (TextPolicy.REDACTED, "手机[PHONE]"),
        (TextPolicy.HASH, None),
    ],
)
def test_every_policy_keeps_the_hash_of_the_raw_text(policy: TextPolicy, kept: str | None) -> None:
    text, digest = stored_text("手机13812345678", policy)
    assert text == kept
    assert digest == "e14175e6b4305d6446a8771fb366ea50dc554fc5d8c10a4c8710a94891ed2c25"


def test_no_text_stores_nothing() -> None:
    assert stored_text(None, TextPolicy.FULL) == (None, None)
