"""How coach reads an OpenAI-compatible endpoint's answers: which failures are worth a retry, how
long the server asked us to wait, what kind of failure it was, what a call cost."""

from __future__ import annotations

import asyncio
import email.utils
import time
from urllib.parse import urlparse

import openai

# USD per million tokens (prompt, completion); unknown models cost 0. Longest prefix wins.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-3.5-turbo": (0.50, 1.50),
}

_RETRYABLE_STATUS = {408, 409, 429}
_UNSUPPORTED_HINTS = ("response_format", "not supported", "unsupported", "json_object", "json_schema")


_PRICED_HOSTS = ("api.openai.com", ".openai.azure.com")


def price_table(base_url: str | None, configured: dict[str, tuple[float, float]] | None = None) -> dict[str, tuple[float, float]]:
    """Prices (USD per million prompt and completion tokens) by model-name prefix for an endpoint.

    OpenAI's list applies only to OpenAI's and Azure's hosts: a self-hosted server (llama.cpp,
    Ollama, vLLM) echoes whatever model name it is sent, and its tokens cost nothing at OpenAI's
    rates. `configured` (COACH_MODEL_PRICES) adds to or overrides the table for any endpoint."""
    host = (urlparse(base_url or "https://api.openai.com/v1").hostname or "").lower()
    table = dict(PRICES_PER_MTOK) if host == "api.openai.com" or host.endswith(_PRICED_HOSTS[1]) else {}
    table.update(configured or {})
    return table


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int,
             table: dict[str, tuple[float, float]] = PRICES_PER_MTOK) -> float:
    """The call's price by the longest model-name prefix in `table`; 0.0 for a model not in it."""
    match = max((m for m in table if model.startswith(m)), key=len, default=None)
    if match is None:
        return 0.0
    p, c = table[match]
    return (prompt_tokens * p + completion_tokens * c) / 1_000_000


def transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
    return False


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_kind(exc: BaseException) -> str:
    if isinstance(exc, openai.APITimeoutError | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429:
            return "rate_limited"
        if exc.status_code >= 500:
            return "server_error"
        if exc.status_code in (401, 403):
            return "auth"
        return "bad_request"
    return "llm_error"


def base_url_hint(base_url: str | None) -> str | None:
    """What is probably wrong with a base URL, before any call: OpenAI-compatible servers (llama.cpp,
    Ollama, vLLM) serve the API under /v1, and a URL with no path at all is the usual slip."""
    if not base_url:
        return None
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return f"OPENAI_BASE_URL={base_url!r} is not an http(s) URL"
    if parsed.path.strip("/") == "":
        return f"OPENAI_BASE_URL={base_url!r} has no path: does it need to end with /v1?"
    return None


def endpoint_hint(exc: BaseException, base_url: str) -> str:
    """A plain-words guess appended to a 404 from the endpoint."""
    if isinstance(exc, openai.NotFoundError):
        if not urlparse(base_url).path.rstrip("/").endswith("/v1"):
            return f" (the endpoint has no /chat/completions at {base_url}: does OPENAI_BASE_URL end with /v1?)"
        return " (the endpoint answered 404: is COACH_MODEL a model this server serves?)"
    return ""


def unsupported(exc: openai.APIStatusError) -> bool:
    if exc.status_code == 501:
        return True
    if exc.status_code not in (400, 422):
        return False
    text = f"{exc.message} {getattr(exc, 'body', '')}".lower()
    return any(h in text for h in _UNSUPPORTED_HINTS)
