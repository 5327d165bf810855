"""The LLM drafter: an OpenAI-compatible chat-completions client with bounded, deadline-aware retries.

Transport retries (tenacity: 429 honouring Retry-After, 5xx, timeouts, connection errors, with
jitter) are this module's; the SDK's own retries are off so the two never multiply. Semantic repair
is the pipeline's. Every call sends max_tokens; a choice cut off by the token limit or empty is a
failed attempt; structured output is asked for where the server supports it, and dropped (for the
life of the process) where it answers 400/501 "not supported".
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import openai
from openai import AsyncOpenAI
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from coach import tracing
from coach.config import Settings
from coach.drafting.breaker import CircuitBreaker
from coach.drafting.llm_parse import Completion, parse_reply
from coach.drafting.llm_transport import cost_usd, endpoint_hint, error_kind, price_table, retry_after_s, transient, unsupported
from coach.drafting.meter import CallMeter, current_meter
from coach.errors import LLMError
from coach.metrics import LLM_ERRORS, LLM_RETRIES, TOKENS
from coach.types import Draft, DraftRequest

CONNECTION_POOLS = 8

# Endpoints (base URL, model) that refused structured output, or refuse or ignore `n`: asked
# without it from then on (for the life of the process).
_NO_STRUCTURED: set[tuple[str, str]] = set()
_SINGLE_CHOICE: set[tuple[str, str]] = set()
# Failures that say the endpoint is down (after the retries), and so feed the circuit breaker.
_ENDPOINT_DOWN = frozenset({"connection", "timeout", "server_error"})


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for all pools (building one costs ~30 ms; httpx would build one per client),
    made as httpx makes it: certifi, or SSL_CERT_FILE / SSL_CERT_DIR when set."""
    return httpx.create_ssl_context()


def _choice_failure(finish_reason: str | None, content: str | None) -> str:
    if finish_reason == "length":
        return "length"
    return "empty" if not (content or "").strip() else "malformed"


# The contract's reply object, for servers that take a JSON schema (OpenAI, vLLM, llama.cpp).
REPLY_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "reply",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"reply": {"type": "string"}, "citations": {"type": "array", "items": {"type": "string"}}},
            "required": ["reply", "citations"],
            "additionalProperties": False,
        },
    },
}


def response_format(fmt: object) -> dict[str, Any]:
    """The request's response_format for a template's `response_format` (json_object, json_schema,
    or a full mapping passed through)."""
    if fmt == "json_schema":
        return REPLY_SCHEMA
    if isinstance(fmt, dict):
        return fmt
    return {"type": str(fmt)}


def request_body(settings: Settings, request: DraftRequest, n: int, *, structured: bool = True) -> dict[str, Any]:
    """The chat-completions body for a draft request: what the live drafter posts and what a batch
    run writes into its JSONL (`structured=False` leaves response_format out)."""
    params = request.params
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": int(params.get("max_tokens", settings.max_tokens)),
        "temperature": float(params.get("temperature", settings.temperature)),
    }
    if n > 1:
        body["n"] = n
    for key in ("top_p", "presence_penalty", "frequency_penalty"):
        if key in params:
            body[key] = params[key]
    fmt = params.get("response_format", "json_object")
    if structured and bool(fmt) and fmt != "text":
        body["response_format"] = response_format(fmt)
    return body


def completion_drafts(completion: Completion, asked: int) -> tuple[list[Draft], str | None]:
    """The usable drafts among a completion's first `asked` choices, and the kind of the last
    failure among the others (None when every choice was usable)."""
    drafts: list[Draft] = []
    failure: str | None = None
    for choice in completion.choices[:asked]:
        parsed = None if choice.finish_reason == "length" else parse_reply(choice.content)
        if parsed is None:
            failure = _choice_failure(choice.finish_reason, choice.content)
            continue
        drafts.append(Draft(text=parsed[0], citations=parsed[1], source="llm"))
    return drafts, failure


class LLMDrafter:
    """Drafter over any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server...)."""

    name = "llm"

    def __init__(
        self,
        settings: Settings,
        *,
        client: AsyncOpenAI | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        pools: int = CONNECTION_POOLS,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.settings = settings
        self.breaker = breaker or CircuitBreaker(settings.llm_breaker_threshold, settings.llm_breaker_cooldown_s)
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        # httpcore's pool does work proportional to (requests x connections) on every state change:
        # at 64 concurrent calls one pool costs ~10 ms of CPU per call. Several small pools, used in
        # turn, keep that cost flat.
        self.clients = [client] if client is not None else [
            AsyncOpenAI(base_url=settings.openai_base_url, api_key=key, max_retries=0, timeout=settings.llm_timeout_s,
                        http_client=openai.DefaultAsyncHttpxClient(verify=_tls_context()))
            for _ in range(max(1, pools))
        ]
        self.client = self.clients[0]
        self._turn = itertools.cycle(self.clients)
        self._sleep = sleep
        self._endpoint = (str(self.client.base_url), settings.model)
        self._prices = price_table(str(self.client.base_url), settings.model_prices)
        self._typical_s: float | None = None

    async def aclose(self) -> None:
        for client in self.clients:
            await client.close()

    async def draft(self, request: DraftRequest) -> list[Draft]:
        """Up to `request.n` drafts; LLMError when the endpoint gives none."""
        if not request.messages:
            raise LLMError("the LLM drafter needs rendered messages", kind="bad_request")
        meter = current_meter()
        want = request.n
        drafts: list[Draft] = []
        failure = "no_choices"
        # One call asks for all n. A server that gives fewer choices (many ignore `n`) is asked for
        # the rest with concurrent single calls, once; it is remembered and asked that way from then on.
        batches = [1] * want if self._endpoint in _SINGLE_CHOICE else [want]
        for _ in range(2):
            results = await asyncio.gather(*(self._complete(request, k, meter) for k in batches), return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            for error in errors:
                if not isinstance(error, LLMError):
                    raise error
            if len(errors) == len(results) and not drafts:
                raise errors[0]
            for asked, completion in zip(batches, results):
                if isinstance(completion, BaseException):
                    failure = completion.kind if isinstance(completion, LLMError) else failure
                    continue
                if asked > 1 and len(completion.choices) < asked:
                    _SINGLE_CHOICE.add(self._endpoint)
                usable, failed = completion_drafts(completion, asked)
                drafts.extend(usable)
                failure = failed or failure
            missing = want - len(drafts)
            if missing <= 0:
                break
            batches = [1] * missing
        if not drafts:
            LLM_ERRORS.labels(failure).inc()
            raise LLMError(f"the model gave no usable reply ({failure})", kind=failure)
        return drafts[:want]

    # -- one completion, with transport retries ------------------------------------------------
    async def _complete(self, request: DraftRequest, n: int, meter: CallMeter) -> Completion:
        s = self.settings
        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            asked = retry_after_s(exc) if exc is not None else None
            if asked is not None:
                return asked
            # Exponential backoff with full jitter on top, capped.
            base = s.llm_retry_wait_s * 2 ** (state.attempt_number - 1)
            return min(s.llm_retry_max_wait_s, base + random.uniform(0, s.llm_retry_wait_s))

        def stop(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None and error_kind(exc) in _ENDPOINT_DOWN:
                self.breaker.failure()  # every failed attempt counts: retries stop once it opens
            if state.attempt_number > s.llm_retries or self.breaker.state == "open":
                return True
            remaining = meter.remaining()
            if remaining is None:
                return False
            # Never start an attempt the deadline cannot fit: it would be abandoned mid-way and, on
            # a server that does not cancel on disconnect, keep the next caller waiting behind it.
            # A timed-out attempt says the server needs at least that long; a typical call, at
            # least what successful calls took.
            needed = meter.last_call_s if exc is not None and error_kind(exc) == "timeout" else 0.0
            needed = max(needed, self._typical_s or 0.0)
            return state.upcoming_sleep + needed >= remaining - 0.01

        def before_sleep(state: RetryCallState) -> None:
            meter.retries += 1
            LLM_RETRIES.inc()
            exc = state.outcome.exception() if state.outcome else None
            LLM_ERRORS.labels(error_kind(exc) if exc else "llm_error").inc()

        retrying = AsyncRetrying(
            retry=retry_if_exception(transient), wait=wait, stop=stop,
            before_sleep=before_sleep, sleep=self._sleep, reraise=True,
        )
        if not self.breaker.allow():
            LLM_ERRORS.labels("circuit_open").inc()
            raise LLMError("the LLM endpoint kept failing; skipped until its cooldown ends", kind="circuit_open")
        try:
            async for attempt in retrying:
                with attempt:
                    completion = await self._call(request, n, meter)
            self.breaker.success()
            return completion
        except LLMError as exc:  # no time left, or an answer that is not a completion
            LLM_ERRORS.labels(exc.kind).inc()
            raise
        except openai.APIError as exc:
            kind = error_kind(exc)
            LLM_ERRORS.labels(kind).inc()
            hint = endpoint_hint(exc, str(self.client.base_url))
            raise LLMError(f"LLM endpoint failed: {type(exc).__name__}: {exc}{hint}", kind=kind) from exc
        finally:
            self.breaker.release()  # a trial call cancelled by the deadline must not wedge the circuit

    async def _call(self, request: DraftRequest, n: int, meter: CallMeter) -> Completion:
        s = self.settings
        timeout = s.llm_timeout_s
        remaining = meter.remaining()
        if remaining is not None:
            if remaining <= 0.005:
                raise LLMError("no time left for an LLM call", kind="timeout")
            timeout = min(timeout, remaining)
        kwargs = request_body(s, request, n, structured=self._endpoint not in _NO_STRUCTURED)
        started = time.perf_counter()
        try:
            while True:  # each refusal of an optional feature drops it (and remembers): ends
                try:
                    with tracing.llm_call(kwargs, self._endpoint[0], "repair" if request.feedback else "draft") as span:
                        completion = await self._post(kwargs, timeout)
                        tracing.llm_result(span, completion)
                    break
                except openai.APIStatusError as exc:
                    if "response_format" in kwargs and unsupported(exc):
                        _NO_STRUCTURED.add(self._endpoint)
                        kwargs.pop("response_format")
                    elif "n" in kwargs and exc.status_code in (400, 422, 501):
                        _SINGLE_CHOICE.add(self._endpoint)
                        kwargs.pop("n")
                    else:
                        raise
        finally:
            meter.last_call_s = time.perf_counter() - started
            meter.llm_seconds += meter.last_call_s
            meter.calls += 1
        # A running estimate of a call's duration on this endpoint (weighted to the recent).
        self._typical_s = meter.last_call_s if self._typical_s is None else 0.7 * self._typical_s + 0.3 * meter.last_call_s
        self._record(completion, meter)
        return completion

    async def _post(self, body: dict[str, Any], timeout: float) -> Completion:
        # The SDK's client (auth, base URL, timeouts, typed status errors), but the body sent and
        # read as plain JSON: the typed request transform and response models cost ~1-2 ms of CPU
        # per call, which adds up under concurrency.
        response = await next(self._turn).post(
            "/chat/completions", cast_to=httpx.Response, body=body, options={"timeout": timeout}
        )
        return Completion.decode(response)

    def _record(self, completion: Completion, meter: CallMeter) -> None:
        model = completion.model or self.settings.model
        meter.model = model
        prompt, done = completion.prompt_tokens, completion.completion_tokens
        meter.prompt_tokens += prompt
        meter.completion_tokens += done
        meter.cost_usd += cost_usd(model, prompt, done, self._prices)
        TOKENS.labels("prompt").inc(prompt)
        TOKENS.labels("completion").inc(done)
