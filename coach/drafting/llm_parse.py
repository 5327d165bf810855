"""Reading a chat completion's text as a reply: JSON `{"reply", "citations"}` or plain text.

Models and servers wrap answers in code fences, prepend a sentence, quote the whole reply, or cut
JSON off mid-string. A clean JSON object wins; a JSON string is the reply; text that is not JSON
at all is the reply itself; text that is plainly a broken JSON object is no reply (None).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import httpx

from coach.errors import LLMError

_FENCE = re.compile(r"^```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```$", re.DOTALL)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_REPLY_FIELD = re.compile(r'"reply"\s*:\s*"((?:[^"\\]|\\.)*)"', re.DOTALL)
_QUOTES = (('"', '"'), ("“", "”"), ("「", "」"), ("『", "』"), ("'", "'"))
_LABEL = re.compile(r"^(?:reply|answer|response|回复|回覆|答复)\s*[:：]\s*", re.IGNORECASE)


def strip_wrapping(text: str) -> str:
    """Remove code fences, a leading `reply:` label and quotes around the whole text."""
    text = text.strip()
    match = _FENCE.match(text)
    if match:
        text = match.group(1).strip()
    text = _LABEL.sub("", text, count=1).strip()
    for left, right in _QUOTES:
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            inner = text[len(left) : -len(right)]
            if left not in inner and right not in inner:
                text = inner.strip()
            break
    return text


# A passage id as models write it: bare, in brackets or quotes, full-width, or inside a title
# ("[p-002-006]", "「p－002－006」", "先处理情绪 (p-002-001)").
_PASSAGE_ID = re.compile(r"p-\d+-\d+", re.IGNORECASE)


def _citations(value: object) -> tuple[str, ...]:
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list):
        return ()
    found: list[str] = []
    for item in value:
        if not isinstance(item, str | int):
            continue
        text = str(item).strip()
        folded = unicodedata.normalize("NFKC", text).replace("\u2010", "-").replace("\u2212", "-")
        ids = [i.lower() for i in _PASSAGE_ID.findall(folded)]
        if ids:
            found.extend(ids)
        elif text:
            found.append(text)  # another corpus's id scheme: kept as written
    return tuple(dict.fromkeys(found))


def _from_json(value: object) -> tuple[str, tuple[str, ...]] | None:
    if isinstance(value, str):
        return value.strip(), ()
    if isinstance(value, dict):
        reply = value.get("reply", value.get("text", value.get("response")))
        if isinstance(reply, str):
            return strip_wrapping(reply), _citations(value.get("citations", []))
    return None


def parse_reply(content: str | None) -> tuple[str, tuple[str, ...]] | None:
    """(reply text, citations) from a completion, or None when it holds no usable reply."""
    if content is None:
        return None
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if not text:
        return None
    try:
        parsed = _from_json(json.loads(text))
        if parsed is not None:
            return parsed if parsed[0] else None
    except ValueError:
        pass
    obj = _OBJECT.search(text)
    if obj:
        try:
            parsed = _from_json(json.loads(obj.group(0)))
            if parsed is not None:
                return parsed if parsed[0] else None
        except ValueError:
            pass
    if text.startswith("{") or text.startswith("["):
        # A JSON object that does not parse (cut off, or garbled): salvage a complete reply field.
        field = _REPLY_FIELD.search(text)
        if field:
            try:
                reply = json.loads(f'"{field.group(1)}"').strip()
            except ValueError:
                return None
            return (strip_wrapping(reply), ()) if reply else None
        return None
    reply = strip_wrapping(text)
    return (reply, ()) if reply else None


@dataclass(frozen=True)
class Choice:
    content: str | None
    finish_reason: str | None


@dataclass(frozen=True)
class Completion:
    """The parts of a chat completion coach uses, read leniently (servers differ)."""

    model: str | None
    choices: tuple[Choice, ...]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    id: str | None = None

    @classmethod
    def decode(cls, response: httpx.Response) -> Completion:
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            raise LLMError("the LLM endpoint answered with something that is not JSON", kind="malformed") from exc
        return cls.from_body(data)

    @classmethod
    def from_body(cls, data: object) -> Completion:
        """From a decoded chat-completion body (a live answer, or one line of a batch's output)."""
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise LLMError("the LLM endpoint's answer has no choices", kind="malformed")
        choices = []
        for c in data["choices"]:
            message = c.get("message") if isinstance(c, dict) else None
            content = message.get("content") if isinstance(message, dict) else None
            choices.append(Choice(content if isinstance(content, str) else None, c.get("finish_reason") if isinstance(c, dict) else None))
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return cls(
            model=data.get("model") if isinstance(data.get("model"), str) else None,
            choices=tuple(choices),
            prompt_tokens=_int(usage.get("prompt_tokens")),
            completion_tokens=_int(usage.get("completion_tokens")),
            id=data.get("id") if isinstance(data.get("id"), str) else None,
        )


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
