"""Reading a client's request: the JSON body (bounded), the chat turn and who is speaking.

Who is speaking comes from headers first, then the body:

=====================  ===========================================  ============================
what                   header                                       body fallback
=====================  ===========================================  ============================
user id                ``X-Menshen-User``                           ``user``, ``safety_identifier``
session id             ``X-Menshen-Session``                        ``metadata.menshen_session``
audience               ``X-Menshen-Audience`` (``adult``/``minor``) ``metadata.menshen_audience``
=====================  ===========================================  ============================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request

from menshen.gateway.errors import RequestError
from menshen.verdict import Audience

Language = Literal["zh", "en"]

_MAX_ID_CHARS = 256


async def read_json(request: Request, max_bytes: int) -> tuple[dict[str, Any], bytes]:
    """The body as a JSON object, and its bytes; anything unusable is a 400 or 413."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise RequestError(
            f"Content-Type must be application/json, got {media or 'none'!r}",
            code="unsupported_content_type",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise RequestError("the client closed the request body early", code="invalid_body") from exc
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(
            f"the body is not UTF-8 (byte {exc.start})", code="invalid_encoding"
        ) from exc
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            code="invalid_json",
        ) from exc
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object", code="invalid_body")
    return body, raw


def _too_large(max_bytes: int) -> RequestError:
    return RequestError(
        f"the body is larger than the gateway's limit of {max_bytes} bytes",
        code="request_too_large",
        status=413,
    )


def message_text(content: object) -> str:
    """The text of a message's ``content``: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return "\n".join(parts)
    return ""


def language_of(text: str) -> Language:
    """``zh`` when ``text`` has more CJK characters than words in other scripts, else ``en``.

    One CJK character carries about as much as one short word, so "我想学 Python 编程" is
    Chinese and "please translate 你好 for me" is English.
    """
    cjk = words = 0
    in_word = False
    for ch in text:
        if "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
            cjk += 1
            in_word = False
        elif ch.isalpha():
            words += not in_word
            in_word = True
        else:
            in_word = False
    return "zh" if cjk > words else "en"


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who sent the request."""

    user: str | None
    session: str | None
    audience: Audience


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """The parts of a chat-completions request the guard needs."""

    stream: bool
    model: str
    user_text: str
    """The newest user message ("" when there is none)."""
    system_texts: tuple[str, ...]
    """Every system and developer message, in order."""
    speaker: Speaker
    language: Language


def parse_chat(body: dict[str, Any], headers: Headers, default_audience: Audience) -> ChatTurn:
    """The turn in a chat-completions body; a body without usable ``messages`` is a 400."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("'messages' must be a non-empty list", code="invalid_messages")
    user_text = ""
    systems: list[str] = []
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise RequestError(
                f"messages[{n}] must be an object with a string 'role'", code="invalid_messages"
            )
        role = message["role"]
        if role in ("system", "developer"):
            systems.append(message_text(message.get("content")))
        elif role == "user":
            user_text = message_text(message.get("content"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("'stream' must be true or false", code="invalid_body")
    model = body.get("model")
    return ChatTurn(
        stream=stream,
        model=model if isinstance(model, str) else "",
        user_text=user_text,
        system_texts=tuple(systems),
        speaker=speaker_of(body, headers, default_audience),
        language=language_of(user_text),
    )


def speaker_of(body: dict[str, Any], headers: Headers, default_audience: Audience) -> Speaker:
    """User, session and audience from the headers, else the body, else the defaults."""
    metadata = body.get("metadata")
    meta = metadata if isinstance(metadata, dict) else {}
    user = headers.get("x-menshen-user") or _str(body.get("user"))
    user = user or _str(body.get("safety_identifier"))
    session = headers.get("x-menshen-session") or _str(meta.get("menshen_session"))
    audience_raw = headers.get("x-menshen-audience") or _str(meta.get("menshen_audience"))
    for name, value in (("user", user), ("session", session)):
        if value is not None and len(value) > _MAX_ID_CHARS:
            raise RequestError(
                f"the {name} id is longer than {_MAX_ID_CHARS} characters", code="invalid_metadata"
            )
    audience = default_audience
    if audience_raw:
        try:
            audience = Audience(audience_raw.strip().lower())
        except ValueError as exc:
            raise RequestError(
                f"audience must be 'adult' or 'minor', got {audience_raw!r}",
                code="invalid_metadata",
            ) from exc
    return Speaker(user=user or None, session=session or None, audience=audience)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
