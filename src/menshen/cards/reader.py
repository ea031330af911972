"""Read Tavern character cards (V1, V2, V3) from JSON, PNG and ``.charx`` files.

The container is told by its first bytes, not by the file name. A PNG holds the card as base64
JSON in a ``tEXt``, ``zTXt`` or ``iTXt`` chunk with the keyword ``ccv3`` (V3) or ``chara`` (V2 or
V1); ``ccv3`` wins, and the texts of any other card chunk that differ from it are kept too, with
the chunk as a path prefix (``chara:data.description``), because an app that reads only
``chara`` would use them. A ``.charx`` file is a zip with ``card.json`` at its root.

Every problem with a file raises :class:`~menshen.errors.InputError` naming the file.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

from menshen.cards.model import Card, card_from_json
from menshen.errors import InputError

MAX_FILE_BYTES = 128 * 1024 * 1024
"""Largest JSON or PNG file read; a ``.charx`` zip may be larger (only ``card.json`` is read)."""
MAX_JSON_BYTES = 32 * 1024 * 1024
"""Largest card JSON, after base64 decoding or decompression."""

_PNG = b"\x89PNG\r\n\x1a\n"
_ZIP = b"PK\x03\x04"
_CARD_CHUNKS = ("ccv3", "chara")


def _parse_json(raw: bytes, where: str) -> object:
    if len(raw) > MAX_JSON_BYTES:
        raise InputError(f"{where}: card JSON larger than {MAX_JSON_BYTES} bytes")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    except RecursionError as exc:
        raise InputError(f"{where}: JSON nested too deeply") from exc


def _chunk_payload(raw: bytes, where: str) -> object:
    """A PNG card chunk's text: base64 JSON (or, leniently, plain JSON)."""
    if raw.lstrip().startswith(b"{"):
        return _parse_json(raw, where)
    compact = re.sub(rb"\s+", b"", raw)
    try:
        decoded = base64.b64decode(
            compact + b"=" * (-len(compact) % 4), altchars=b"-_", validate=True
        )
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{where}: not valid base64 ({exc})") from exc
    return _parse_json(decoded, where)


def _inflate(data: bytes, where: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error as exc:
        raise InputError(f"{where}: compressed text is corrupt ({exc})") from exc
    if len(out) > MAX_JSON_BYTES:
        raise InputError(f"{where}: compressed text expands beyond {MAX_JSON_BYTES} bytes")
    return out


def _text_chunk(ctype: bytes, body: bytes, where: str) -> tuple[str, bytes]:
    """Keyword and raw text of a ``tEXt``, ``zTXt`` or ``iTXt`` chunk."""
    keyword, sep, rest = body.partition(b"\0")
    if not sep:
        raise InputError(f"{where}: text chunk without a keyword separator")
    name = keyword.decode("latin-1").lower()
    if name not in _CARD_CHUNKS:
        return name, b""
    if ctype == b"tEXt":
        return name, rest
    if ctype == b"zTXt":
        return name, _inflate(rest[1:], where)
    parts = rest[2:].split(b"\0", 2)  # compression flag and method, language, translated keyword
    if len(rest) < 2 or len(parts) != 3:
        raise InputError(f"{where}: malformed iTXt chunk")
    return name, _inflate(parts[2], where) if rest[0] else parts[2]


def _png_chunks(data: bytes, source: str) -> list[tuple[str, bytes]]:
    """The ``(keyword, text)`` of every card chunk, in file order."""
    found: list[tuple[str, bytes]] = []
    pos = len(_PNG)
    while True:
        if pos + 8 > len(data):
            raise InputError(f"{source}: truncated PNG (ends before its IEND chunk)")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            kind = ctype.decode("latin-1")
            raise InputError(f"{source}: truncated PNG ({kind} chunk at byte {pos} is cut short)")
        if ctype in (b"tEXt", b"zTXt", b"iTXt"):
            body = data[pos + 8 : end - 4]
            where = f"{source}: {ctype.decode()} chunk at byte {pos}"
            if zlib.crc32(ctype + body) != struct.unpack(">I", data[end - 4 : end])[0]:
                raise InputError(f"{where}: CRC mismatch (the file is damaged)")
            name, text = _text_chunk(ctype, body, where)
            if name in _CARD_CHUNKS:
                found.append((name, text))
        if ctype == b"IEND":
            return found
        pos = end


def _read_png(data: bytes, source: str) -> Card:
    chunks = _png_chunks(data, source)
    if not chunks:
        raise InputError(f"{source}: PNG holds no character card (no 'ccv3' or 'chara' chunk)")
    labels: list[str] = []
    for name, _ in chunks:
        seen = sum(1 for label in labels if label.split("#")[0] == name)
        labels.append(name if seen == 0 else f"{name}#{seen + 1}")
    primary_index = next((i for i, (name, _) in enumerate(chunks) if name == "ccv3"), 0)
    where = f"{source}: '{labels[primary_index]}' chunk"
    card = card_from_json(_chunk_payload(chunks[primary_index][1], where), where, container="png")
    have = {(f.path, f.text) for f in card.fields}
    fields, notes = list(card.fields), []
    for i, (_, raw) in enumerate(chunks):
        if i == primary_index:
            continue
        label = labels[i]
        try:
            where = f"'{label}' chunk"
            other = card_from_json(_chunk_payload(raw, where), where, container="png")
        except InputError as exc:
            notes.append(f"ignored {exc}")
            continue
        extra = [f for f in other.fields if (f.path, f.text) not in have]
        fields.extend(f.model_copy(update={"path": f"{label}:{f.path}"}) for f in extra)
        if extra:
            notes.append(
                f"the '{label}' chunk differs from '{labels[primary_index]}' in "
                f"{len(extra)} texts; they are audited with the prefix '{label}:'"
            )
    return card.model_copy(
        update={"source": source, "fields": tuple(fields), "notes": tuple(notes)}
    )


def _read_charx(file: str | Path | io.BytesIO, source: str) -> Card:
    try:
        with zipfile.ZipFile(file) as archive:
            try:
                info = archive.getinfo("card.json")
            except KeyError:
                raise InputError(f"{source}: .charx archive has no card.json at its root") from None
            if info.file_size > MAX_JSON_BYTES:
                raise InputError(f"{source}: card.json is larger than {MAX_JSON_BYTES} bytes")
            with archive.open(info) as fh:
                raw = fh.read(MAX_JSON_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(f"{source}: not a readable .charx zip ({exc})") from exc
    where = f"{source}: card.json"
    card = card_from_json(_parse_json(raw, where), where, container="charx")
    return card.model_copy(update={"source": source})


def read_card_bytes(data: bytes, source: str = "<bytes>") -> Card:
    """Read a card from the bytes of a JSON, PNG or ``.charx`` file."""
    if not data:
        raise InputError(f"{source}: empty file")
    if data.startswith(_PNG):
        return _read_png(data, source)
    if data.startswith(_ZIP):
        return _read_charx(io.BytesIO(data), source)
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise InputError(f"{source}: not a character card (expected JSON, PNG or .charx)")
    return card_from_json(_parse_json(data, source), source)


def read_card(path: str | Path) -> Card:
    """Read a card file; the format is told by its first bytes."""
    source = str(path)
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(len(_PNG))
            if head.startswith(_ZIP):
                return _read_charx(path, source)
            fh.seek(0, io.SEEK_END)
            if fh.tell() > MAX_FILE_BYTES:
                raise InputError(f"{source}: larger than {MAX_FILE_BYTES} bytes")
            fh.seek(0)
            data = fh.read()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, not a card file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    return read_card_bytes(data, source)
