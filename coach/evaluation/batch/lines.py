"""The JSONL of the Batch API, as pure functions: one request line per LLM call, and what each line
of a batch's output or error file says about its request.

A request line (OpenAI's format, read as well by vLLM's `run_batch`):
    {"custom_id": KEY, "method": "POST", "url": "/v1/chat/completions", "body": {...}}
An output line:
    {"id": ..., "custom_id": KEY, "response": {"status_code": 200, "body": {...}}, "error": null}
An error-file line carries a non-200 response, or `error: {"code": "batch_expired", ...}` for a
request the batch never reached in its window.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

ENDPOINT = "/v1/chat/completions"
# Worth another batch: the request was never answered, or the server failed transiently.
_RETRY_CODES = frozenset({"batch_expired", "batch_cancelled", "batch_failed", "server_error", "rate_limit_exceeded",
                          "timeout"})


def request_key(body: dict[str, Any], sample: int) -> str:
    """A request's identity: its body and the repeat index (repeats are distinct samples)."""
    payload = json.dumps({"body": body, "sample": sample}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def request_line(key: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


@dataclass(frozen=True)
class Outcome:
    key: str | None
    body: str | None = None  # the chat completion, as JSON text, when answered
    error: str | None = None  # what went wrong, in plain words, when not
    retry: bool = False

    @property
    def ok(self) -> bool:
        return self.body is not None


def read_line(raw: bytes) -> Outcome:
    """What one output- or error-file line says. A line that cannot be read has no key."""
    try:
        data = json.loads(raw)
    except ValueError:
        return Outcome(key=None, error="a line of the batch's output is not JSON")
    if not isinstance(data, dict):
        return Outcome(key=None, error="a line of the batch's output is not a JSON object")
    key = data.get("custom_id")
    key = key if isinstance(key, str) else None
    error = data.get("error")
    response = data.get("response") if isinstance(data.get("response"), dict) else None
    if isinstance(error, dict) and error:
        code = str(error.get("code") or "error")
        return Outcome(key=key, error=f"{code}: {error.get('message') or ''}".strip(), retry=code in _RETRY_CODES)
    if response is None:
        return Outcome(key=key, error="no response in the batch's output line", retry=True)
    status = response.get("status_code")
    body = response.get("body")
    if status == 200 and isinstance(body, dict):
        return Outcome(key=key, body=json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    message = ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = str(body["error"].get("message") or "")
    status_code = status if isinstance(status, int) else 0
    retry = status_code in (408, 409, 429) or status_code >= 500
    return Outcome(key=key, error=f"HTTP {status_code}: {message}".strip().rstrip(":"), retry=retry)
