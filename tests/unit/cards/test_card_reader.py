"""Reading character cards: V1, V2 and V3 JSON, PNG text chunks and .charx zips.

Every fixture is built here: PNGs by hand (signature, IHDR, text chunks, IDAT, IEND), .charx
files with zipfile. The texts are mild placeholders.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from menshen.cards import CardSpec, read_card, read_card_bytes, reader
from menshen.cards import model as card_model
from menshen.errors import InputError
from menshen.verdict import Role

# ------------------------------------------------------------------------------ builders


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def b64(card: object) -> bytes:
    return base64.b64encode(json.dumps(card, ensure_ascii=False).encode())


def text_chunk(keyword: str, payload: bytes) -> bytes:
    return chunk(b"tEXt", keyword.encode() + b"\0" + payload)


def ztxt_chunk(keyword: str, payload: bytes) -> bytes:
    return chunk(b"zTXt", keyword.encode() + b"\0\0" + zlib.compress(payload))


def itxt_chunk(keyword: str, payload: bytes, *, compressed: bool = False) -> bytes:
    body = zlib.compress(payload) if compressed else payload
    flag = b"\1\0" if compressed else b"\0\0"
    return chunk(
        b"iTXt", keyword.encode() + b"\0" + flag + b"en\0" + keyword.encode() + b"\0" + body
    )


def png(*chunks: bytes) -> bytes:
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\0\0"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(chunks) + idat + chunk(b"IEND", b"")


def charx(card: object | None, *, name: str = "card.json") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if card is not None:
            archive.writestr(name, json.dumps(card, ensure_ascii=False))
        archive.writestr("assets/icon/images/main.png", png())
    return buffer.getvalue()


def v1() -> dict[str, Any]:
    return {
        "name": "阿青",
        "description": "一位喜欢读书的图书管理员。",
        "personality": "安静",
        "scenario": "城市图书馆",
        "first_mes": "欢迎来到图书馆。",
        "mes_example": "<START>\n{{char}}: 这本书很好看。",
        "avatar": "none",
        "chat": "阿青 - 2024-01-01",
        "create_date": "2024-01-01",
        "talkativeness": "0.5",
    }


def v2() -> dict[str, Any]:
    data = {
        **{k: v for k, v in v1().items() if k not in ("avatar", "chat", "create_date")},
        "creator_notes": "适合所有人的角色。",
        "system_prompt": "你是图书管理员。",
        "post_history_instructions": "保持礼貌。",
        "alternate_greetings": ["你好！", "又见面了。"],
        "tags": ["日常", "图书馆"],
        "creator": "tester",
        "character_version": "1.0",
        "extensions": {
            "depth_prompt": {"prompt": "记得推荐好书。", "depth": 4, "role": "system"},
            "custom": {"notes": ["嵌套的说明"]},
            "my.ext": "带点的键",
            "fav": False,
        },
        "character_book": {
            "name": "图书馆设定",
            "entries": [
                {
                    "keys": ["借书"],
                    "content": "借书需要借书卡。",
                    "enabled": True,
                    "constant": False,
                    "insertion_order": 0,
                    "position": "before_char",
                    "id": "7",
                },
                {"keys": ["闭馆"], "content": "晚上九点闭馆。", "enabled": False, "constant": True},
            ],
        },
    }
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": data, **v1()}


def v3() -> dict[str, Any]:
    card = v2()
    card["spec"], card["spec_version"] = "chara_card_v3", "3.0"
    card["data"].update(
        group_only_greetings=["大家好。"],
        nickname="小青",
        creator_notes_multilingual={"zh": "中文说明", "en": "English notes"},
        assets=[{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}],
        source=["https://example.invalid/card"],
        creation_date=1700000000,
    )
    return card


def paths(card_fields: Any) -> dict[str, str]:
    return {f.path: f.text for f in card_fields}


# ------------------------------------------------------------------------------ JSON


def test_v1_flat_json(tmp_path: Path) -> None:
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1(), ensure_ascii=False), encoding="utf-8")
    card = read_card(path)
    assert (card.spec, card.container, card.name, card.source) == ("v1", "json", "阿青", str(path))
    got = paths(card.fields)
    assert got["description"] == "一位喜欢读书的图书管理员。"
    assert "avatar" not in got and "chat" not in got and "create_date" not in got
    roles = {f.path: f.role for f in card.fields}
    assert roles["first_mes"] is Role.OUTPUT and roles["mes_example"] is Role.OUTPUT
    assert roles["description"] is Role.INPUT


def test_v2_json_every_prompt_field_with_its_path() -> None:
    card = read_card_bytes(json.dumps(v2(), ensure_ascii=False).encode(), "v2.json")
    assert card.spec is CardSpec.V2 and card.name == "阿青"
    got = paths(card.fields)
    expected = {
        "data.system_prompt": "你是图书管理员。",
        "data.post_history_instructions": "保持礼貌。",
        "data.creator_notes": "适合所有人的角色。",
        "data.alternate_greetings[1]": "又见面了。",
        "data.tags[0]": "日常",
        "data.extensions.depth_prompt.prompt": "记得推荐好书。",
        "data.extensions.custom.notes[0]": "嵌套的说明",
        'data.extensions["my.ext"]': "带点的键",
        "data.character_book.name": "图书馆设定",
        "data.character_book.entries[0].keys[0]": "借书",
        "data.character_book.entries[0].content": "借书需要借书卡。",
        "data.character_book.entries[1].content": "晚上九点闭馆。",  # disabled and constant
        "description": "一位喜欢读书的图书管理员。",  # the root-level V1 copy
        "data.description": "一位喜欢读书的图书管理员。",
    }
    for path, text in expected.items():
        assert got.get(path) == text, path
    skipped = ("spec", "spec_version", "data.character_version", "avatar")
    assert not any(p in got for p in skipped)
    assert not any(p.endswith((".position", ".id")) for p in got)
    roles = {f.path: f.role for f in card.fields}
    assert roles["data.alternate_greetings[0]"] is Role.OUTPUT
    assert roles["data.first_mes"] is Role.OUTPUT and roles["first_mes"] is Role.OUTPUT
    assert roles["data.system_prompt"] is Role.INPUT


def test_v3_json_new_fields() -> None:
    card = read_card_bytes(json.dumps(v3(), ensure_ascii=False).encode(), "v3.json")
    assert card.spec is CardSpec.V3
    got = paths(card.fields)
    assert got["data.group_only_greetings[0]"] == "大家好。"
    assert got["data.nickname"] == "小青"
    assert got["data.creator_notes_multilingual.zh"] == "中文说明"
    assert not any(p.startswith(("data.assets", "data.source")) for p in got)
    roles = {f.path: f.role for f in card.fields}
    assert roles["data.group_only_greetings[0]"] is Role.OUTPUT


def test_null_fields_are_absent_and_blank_texts_skipped() -> None:
    card = v2()
    card["data"].update(character_book=None, nickname=None, scenario="   ")
    got = paths(read_card_bytes(json.dumps(card).encode()).fields)
    assert "data.scenario" not in got
    assert not any(p.startswith("data.character_book") for p in got)


# ------------------------------------------------------------------------------ PNG


def test_png_text_chunk_v2(tmp_path: Path) -> None:
    path = tmp_path / "card.png"
    path.write_bytes(png(text_chunk("chara", b64(v2()))))
    card = read_card(path)
    assert (card.spec, card.container, card.source) == ("v2", "png", str(path))
    assert paths(card.fields)["data.system_prompt"] == "你是图书管理员。"
    assert card.notes == ()


def test_png_v1_in_chara_chunk_and_plain_json_payload() -> None:
    raw = json.dumps(v1(), ensure_ascii=False).encode()
    card = read_card_bytes(png(text_chunk("chara", raw)), "plain.png")
    assert card.spec is CardSpec.V1 and paths(card.fields)["scenario"] == "城市图书馆"


@pytest.mark.parametrize(
    "make",
    [
        lambda k, p: ztxt_chunk(k, p),
        lambda k, p: itxt_chunk(k, p),
        lambda k, p: itxt_chunk(k, p, compressed=True),
    ],
    ids=["zTXt", "iTXt", "iTXt-compressed"],
)
def test_png_compressed_and_international_chunks(make: Any) -> None:
    card = read_card_bytes(png(make("ccv3", b64(v3()))), "c.png")
    assert card.spec is CardSpec.V3 and paths(card.fields)["data.nickname"] == "小青"


def test_png_ccv3_wins_and_identical_chara_adds_nothing() -> None:
    data = png(text_chunk("chara", b64(v2())), text_chunk("ccv3", b64(v3())))
    card = read_card_bytes(data, "both.png")
    assert card.spec is CardSpec.V3
    assert not any(f.path.startswith("chara") for f in card.fields)
    assert card.notes == ()


def test_png_texts_only_in_the_chara_chunk_are_audited_with_a_prefix() -> None:
    backfill = v2()
    backfill["data"]["system_prompt"] = "另一段系统提示。"
    data = png(text_chunk("ccv3", b64(v3())), text_chunk("chara", b64(backfill)))
    card = read_card_bytes(data, "differ.png")
    got = paths(card.fields)
    assert got["data.system_prompt"] == "你是图书管理员。"
    assert got["chara:data.system_prompt"] == "另一段系统提示。"
    assert "chara:data.description" not in got  # same text as in ccv3
    assert any("'chara' chunk differs" in note for note in card.notes)


def test_png_unreadable_secondary_chunk_is_noted_not_fatal() -> None:
    data = png(text_chunk("ccv3", b64(v3())), text_chunk("chara", b"@@not base64@@"))
    card = read_card_bytes(data, "note.png")
    assert card.spec is CardSpec.V3
    assert card.notes and "not valid base64" in card.notes[0]


def test_png_other_text_chunks_are_ignored() -> None:
    data = png(text_chunk("Comment", b"hello"), text_chunk("chara", b64(v1())))
    assert read_card_bytes(data, "x.png").spec is CardSpec.V1


# ------------------------------------------------------------------------------ CHARX


def test_charx_reads_card_json_and_ignores_assets(tmp_path: Path) -> None:
    path = tmp_path / "card.charx"
    path.write_bytes(charx(v3()))
    card = read_card(path)
    assert (card.spec, card.container, card.source) == ("v3", "charx", str(path))
    assert paths(card.fields)["data.group_only_greetings[0]"] == "大家好。"
    assert read_card_bytes(path.read_bytes(), str(path)) == card


# ------------------------------------------------------------------------------ errors


def _bad_type(path: str, value: object) -> bytes:
    card = v2()
    target: dict[str, Any] = card
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    target[last] = value
    return json.dumps(card).encode()


def _entry(entry: object) -> bytes:
    card = v2()
    card["data"]["character_book"]["entries"] = [entry]
    return json.dumps(card).encode()


def _nested(depth: int) -> bytes:
    card = v2()
    value: object = "深"
    for _ in range(depth):
        value = [value]
    card["data"]["extensions"]["deep"] = value
    return json.dumps(card).encode()


def _truncated() -> bytes:
    data = png(text_chunk("chara", b64(v2())))
    return data[: len(data) // 2]


def _bad_crc() -> bytes:
    body = b"chara\0" + b64(v1())
    bad = struct.pack(">I", len(body)) + b"tEXt" + body + b"\0\0\0\0"
    return png(bad)


ERRORS = [
    ("empty", b"", "empty file"),
    ("jpeg", b"\xff\xd8\xff\xe0 not a card", "not a character card"),
    ("json-syntax", b'{"name": ', "not valid JSON"),
    ("json-bytes", b'{"name": "\xff"}', "not UTF-8"),
    ("top-array", b"[1, 2]", "not a character card"),
    ("unknown-spec", b'{"spec": "chara_card_v9", "data": {}}', "unknown card spec"),
    ("data-not-object", b'{"spec": "chara_card_v2", "data": "x"}', "data: expected an object"),
    ("bad-base64", png(text_chunk("chara", b"%%%%")), "not valid base64"),
    ("chunk-bad-json", png(text_chunk("chara", base64.b64encode(b"{nope"))), "not valid JSON"),
    ("chunk-array", png(text_chunk("chara", base64.b64encode(b"[1]"))), "must be a JSON object"),
    ("no-card-chunk", png(text_chunk("Comment", b"hi")), "no 'ccv3' or 'chara' chunk"),
    ("truncated", _truncated(), "truncated PNG"),
    ("no-iend", png()[:-12], "truncated PNG"),
    ("bad-crc", _bad_crc(), "CRC mismatch"),
    ("bad-ztxt", png(chunk(b"zTXt", b"chara\0\0garbage")), "compressed text is corrupt"),
    ("bad-itxt", png(chunk(b"iTXt", b"chara\0\0")), "malformed iTXt"),
    ("no-keyword", png(chunk(b"tEXt", b"no separator")), "without a keyword separator"),
    ("zip-no-card", charx(None), "no card.json"),
    ("zip-card-elsewhere", charx(v3(), name="sub/card.json"), "no card.json"),
    ("zip-broken", b"PK\x03\x04" + b"\0" * 40, "not a readable .charx"),
    ("greetings-str", _bad_type("data.alternate_greetings", "你好"), "an array of strings"),
    ("description-num", _bad_type("data.description", 3), "data.description: expected a string"),
    ("tags-mixed", _bad_type("data.tags", ["a", 1]), "data.tags: expected an array of strings"),
    ("book-list", _bad_type("data.character_book", []), "expected an object, got an array"),
    ("entries-obj", _bad_type("data.character_book.entries", {}), "entries: expected an array"),
    ("entry-str", _entry("条目"), "entries[0]: expected an object"),
    ("keys-num", _entry({"keys": [1], "content": "x"}), "entries[0].keys: expected an array"),
    ("content-num", _entry({"keys": [], "content": 5}), "entries[0].content: expected a string"),
    ("root-name", _bad_type("name", ["x"]), "name: expected a string"),
    ("too-deep", _nested(card_model.MAX_DEPTH + 2), "levels deep"),
]


@pytest.mark.parametrize(("data", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_malformed_cards_raise_input_error_naming_file(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.card"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_card(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_card(tmp_path / "none.png")
    with pytest.raises(InputError, match="is a directory"):
        read_card(tmp_path)


def test_size_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(reader, "MAX_JSON_BYTES", 64)
    with pytest.raises(InputError, match="expands beyond 64 bytes"):
        read_card_bytes(png(ztxt_chunk("chara", b64(v2()))), "bomb.png")
    with pytest.raises(InputError, match="larger than 64 bytes"):
        read_card_bytes(charx(v2()), "big.charx")
    with pytest.raises(InputError, match="larger than 64 bytes"):
        read_card_bytes(json.dumps(v2()).encode(), "big.json")
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(v1()), encoding="utf-8")
    with pytest.raises(InputError, match="larger than 10 bytes"):
        read_card(path)
