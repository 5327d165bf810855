"""Is the configured LLM endpoint usable by coach, and how much time does it need?

`diagnose(settings)` asks the endpoint what `coach doctor` prints and `/readyz` shows under `llm`:

- `GET /models`: is it reachable, and does it list COACH_MODEL (if not, what it lists);
- one tiny chat completion asking for a JSON object (`response_format: json_object`): did it answer,
  was the JSON honoured, how long did it take, how many completion tokens a second;
- from that speed, the COACH_LLM_TIMEOUT_S and COACH_DEADLINE_S that fit coach's own calls (a prompt
  of about 1,500 to 1,900 tokens, a reply of up to COACH_MAX_TOKENS), against the configured ones.

Two calls, no retries, nothing else. With no endpoint configured it says the offline drafter answers.

The estimate: a generated token costs 1 / (completion tokens / latency) seconds, which counts the
round trip and the probe's short prompt as generation (so it errs long); a prompt token is taken to
cost 1/8 of that, as on a CPU server (a GPU reads prompts far faster, and the generation term then
dominates). A llama.cpp server reports its own prompt and generation speeds (`timings`); those are
used when present.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlparse, urlunparse

import httpx
import openai

from coach.config import Settings
from coach.drafting.llm_transport import base_url_hint, endpoint_hint, unsupported

Status = Literal["ok", "warn", "fail"]
_RANK = {"ok": 0, "warn": 1, "fail": 2}

DOCTOR_TIMEOUT_S = 60.0  # for each of the two calls: a slow CPU server takes seconds for the probe
# coach's own calls, for the estimate: the rendered reply prompt with its passages, and a typical
# reply (Chinese, two or three sentences, with citations, as JSON).
TYPICAL_PROMPT_TOKENS = 1900
TYPICAL_REPLY_TOKENS = 150
PROMPT_SPEEDUP = 8.0  # prompt tokens read in the time of one generated token, when the server does not say
PROBE_MAX_TOKENS = 96
PROBE_MESSAGES = (
    {"role": "system", "content": "You are a customer-service assistant. Answer with one JSON object and nothing else."},
    {"role": "user", "content": 'Write {"reply": "<two short, friendly sentences telling a customer that their '
                                'parcel left the warehouse today>", "citations": []}'},
)


@dataclass
class Check:
    name: str  # endpoint, base_url, model, chat, json, settings
    status: Status
    detail: str


@dataclass
class Report:
    status: Literal["ok", "warn", "fail", "offline"]
    backend: str
    model: str
    base_url: str | None = None
    checks: list[Check] = field(default_factory=list)
    models: list[str] | None = None  # what GET /models listed
    served_model: str | None = None  # the model the chat completion said it ran
    json_output: Literal["honoured", "ignored", "refused"] | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_per_s: float | None = None
    estimate_s: dict[str, float] | None = None  # a typical and the longest call of coach's at this speed
    recommended: dict[str, float] | None = None  # COACH_DEADLINE_S, COACH_LLM_TIMEOUT_S
    configured: dict[str, float] = field(default_factory=dict)
    checked_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def usable(self) -> bool:
        return self.status != "fail"

    def add(self, name: str, status: Status, detail: str) -> None:
        self.checks.append(Check(name, status, detail))
        if self.status != "offline" and _RANK[status] > _RANK[self.status]:  # type: ignore[index]
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        if self.status == "offline":
            return "\n".join([f"coach doctor: {c.detail}" for c in self.checks] + ["usable: yes (offline drafter)"])
        lines = [f"coach doctor: {self.base_url}, COACH_MODEL={self.model}"]
        width = max(len(c.name) for c in self.checks) if self.checks else 0
        lines += [f"  {c.status:<4}  {c.name:<{width}}  {c.detail}" for c in self.checks]
        if self.recommended:
            lines.append("recommended for this speed: " + " ".join(f"{k}={v:g}" for k, v in self.recommended.items()))
        verdict = {"ok": "yes", "warn": "yes, with the warnings above", "fail": "no"}[self.status]
        lines.append(f"usable: {verdict}")
        return "\n".join(lines)


def public_url(url: str) -> str:
    """The URL without credentials or query (the report is shown on /readyz, which is open)."""
    parsed = urlparse(url)
    netloc = parsed.hostname or ""
    if parsed.port:
        netloc += f":{parsed.port}"
    return urlunparse((parsed.scheme, netloc, parsed.path.rstrip("/"), "", "", ""))


def _nice(seconds: float) -> float:
    """Whole seconds up; multiples of 5 past 30, of 10 past 100."""
    step = 10 if seconds > 100 else 5 if seconds > 30 else 1
    return float(math.ceil(seconds / step) * step)


def recommend(settings: Settings, *, latency_s: float, completion_tokens: int,
              timings: dict[str, Any] | None = None) -> tuple[dict[str, float], dict[str, float]]:
    """(estimated seconds of a typical and of the longest call, recommended settings) at this speed."""
    generate = completion_tokens / latency_s if latency_s > 0 else float("inf")
    read = PROMPT_SPEEDUP * generate
    overhead = 0.0
    if timings:  # llama.cpp's own figures: generation and prompt speeds apart, the rest is overhead
        try:
            generate = float(timings.get("predicted_per_second") or generate)
            read = float(timings.get("prompt_per_second") or read)
            busy = (float(timings.get("prompt_ms") or 0) + float(timings.get("predicted_ms") or 0)) / 1000
            overhead = max(0.0, latency_s - busy)
        except (TypeError, ValueError):
            pass
    prompt_s = TYPICAL_PROMPT_TOKENS / read
    typical = overhead + prompt_s + min(TYPICAL_REPLY_TOKENS, settings.max_tokens) / generate
    longest = overhead + prompt_s + settings.max_tokens / generate
    defaults = Settings.model_fields
    timeout = _nice(max(float(defaults["llm_timeout_s"].default), 1.25 * longest + 1))
    # A first draft that may run long, and one repair of typical length.
    deadline = _nice(max(float(defaults["deadline_s"].default), timeout, 1.25 * (longest + typical) + 1))
    estimate = {"typical_call": round(typical, 2), "longest_call": round(longest, 2)}
    return estimate, {"COACH_DEADLINE_S": deadline, "COACH_LLM_TIMEOUT_S": timeout}


def _status_problem(exc: openai.APIStatusError, what: str, base: str) -> str:
    if exc.status_code in (401, 403):
        return f"{what} answered {exc.status_code}: the endpoint refused the key; set OPENAI_API_KEY to one it accepts"
    if exc.status_code == 404:
        return f"{what} answered 404{endpoint_hint(exc, base)}"
    return f"{what} answered {exc.status_code}: {_short(str(exc.message))}"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreachable(exc: openai.APIConnectionError, base: str, timeout: float) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return f"no answer from {base} within {timeout:g} s"
    cause = exc.__cause__
    why = f" ({_short(str(cause))})" if cause is not None and str(cause) else ""
    return f"cannot reach {base}{why}: is the model server running, and is OPENAI_BASE_URL its address?"


def _listed(model: str, ids: list[str]) -> bool:
    return model in ids or f"{model}:latest" in ids or any(i.rsplit("/", 1)[-1] == model for i in ids)


async def diagnose(settings: Settings, *, timeout: float = DOCTOR_TIMEOUT_S,
                   client: openai.AsyncOpenAI | None = None) -> Report:
    """The endpoint's checks, for `coach doctor` and `/readyz`. Never raises for the endpoint's failures."""
    configured = {"COACH_DEADLINE_S": settings.deadline_s, "COACH_LLM_TIMEOUT_S": settings.llm_timeout_s,
                  "COACH_MAX_TOKENS": float(settings.max_tokens)}
    if settings.resolved_backend == "offline":
        report = Report(status="offline", backend="offline", model="offline", configured=configured)
        report.checks.append(Check("backend", "ok", "no LLM endpoint is configured (OPENAI_BASE_URL and OPENAI_API_KEY "
                                   "unset, or COACH_BACKEND=offline): the offline drafter answers every suggestion"))
        return report
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    own = client is None
    if client is None:
        client = openai.AsyncOpenAI(base_url=settings.openai_base_url, api_key=key, max_retries=0, timeout=timeout)
    base = str(client.base_url).rstrip("/")
    report = Report(status="ok", backend="openai", model=settings.model, base_url=public_url(base), configured=configured)
    try:
        hint = base_url_hint(settings.openai_base_url)
        if hint:
            report.add("base_url", "warn", hint)
        if not await _check_models(client, settings, report, base, timeout):
            return report
        answer = await _probe(client, settings, report, base, timeout)
        if answer is not None:
            _check_speed(settings, report, *answer)
        return report
    finally:
        if own:
            await client.close()


async def _check_models(client: openai.AsyncOpenAI, settings: Settings, report: Report, base: str,
                        timeout: float) -> bool:
    """GET /models; False when the endpoint cannot be reached at all (nothing more to ask)."""
    started = time.perf_counter()
    try:
        response = await client.get("/models", cast_to=httpx.Response, options={"timeout": timeout})
    except openai.APIConnectionError as exc:
        report.add("endpoint", "fail", _unreachable(exc, report.base_url or base, timeout))
        return False
    except openai.APIStatusError as exc:
        if exc.status_code in (401, 403):
            report.add("endpoint", "fail", _status_problem(exc, "GET /models", report.base_url or base))
            return False
        report.add("endpoint", "ok", f"reachable ({report.base_url})")
        missing_v1 = exc.status_code == 404 and not urlparse(base).path.rstrip("/").endswith("/v1")
        report.add("model", "warn", f"GET /models answered {exc.status_code}, so the served models are unknown"
                   + ("; does OPENAI_BASE_URL end with /v1?" if missing_v1 else ""))
        return True
    elapsed = (time.perf_counter() - started) * 1000
    report.add("endpoint", "ok", f"reachable: GET /models answered in {elapsed:.0f} ms")
    try:
        data = response.json()
        ids = [str(m["id"]) for m in data.get("data", []) if isinstance(m, dict) and "id" in m]
    except (ValueError, AttributeError, TypeError):
        report.add("model", "warn", "GET /models did not answer with a model list")
        return True
    report.models = ids
    if not ids:
        report.add("model", "warn", "GET /models lists no models")
    elif _listed(settings.model, ids):
        report.add("model", "ok", f"COACH_MODEL={settings.model} is listed")
    else:
        shown = ", ".join(ids[:8]) + (f" (and {len(ids) - 8} more)" if len(ids) > 8 else "")
        report.add("model", "warn", f"COACH_MODEL={settings.model} is not among the models the server lists: "
                   f"{shown}; set COACH_MODEL to one of them (some servers answer under any name)")
    return True


async def _probe(client: openai.AsyncOpenAI, settings: Settings, report: Report, base: str,
                 timeout: float) -> tuple[float, int, dict[str, Any] | None] | None:
    """One tiny chat completion: (latency, completion tokens, llama.cpp timings) or None when it failed."""
    body: dict[str, Any] = {
        "model": settings.model, "messages": list(PROBE_MESSAGES), "max_tokens": PROBE_MAX_TOKENS,
        "temperature": 0, "response_format": {"type": "json_object"},
    }
    while True:
        started = time.perf_counter()
        try:
            response = await client.post("/chat/completions", cast_to=httpx.Response, body=body,
                                         options={"timeout": timeout})
            latency = time.perf_counter() - started
            break
        except openai.APIConnectionError as exc:
            report.add("chat", "fail", "POST /chat/completions: " + _unreachable(exc, report.base_url or base, timeout))
            return None
        except openai.APIStatusError as exc:
            if "response_format" in body and unsupported(exc):
                report.json_output = "refused"
                body.pop("response_format")
                continue
            report.add("chat", "fail", _status_problem(exc, "POST /chat/completions", report.base_url or base))
            return None
    try:
        data = response.json()
        choice = data["choices"][0]
        content = (choice.get("message") or {}).get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        report.add("chat", "fail", "POST /chat/completions did not answer with a chat completion")
        return None
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    report.served_model = data.get("model") if isinstance(data.get("model"), str) else None
    report.latency_s = round(latency, 3)
    report.prompt_tokens = int(usage.get("prompt_tokens") or 0) or None
    estimated = not usage.get("completion_tokens")
    completion_tokens = int(usage.get("completion_tokens") or 0) or max(1, len(content) // 3)
    report.completion_tokens = completion_tokens
    if not content.strip():
        report.add("chat", "fail", "the model answered with nothing: coach would get no draft from it")
        return None
    served = f", the server ran {report.served_model}" if report.served_model and report.served_model != settings.model else ""
    report.add("chat", "ok", f"one short call answered in {latency:.2f} s{served}")
    _check_json(report, content)
    timings = data.get("timings") if isinstance(data.get("timings"), dict) else None
    if estimated:
        report.add("usage", "warn", "the answer reports no token usage: speed estimated from its length")
    return latency, completion_tokens, timings


def _check_json(report: Report, content: str) -> None:
    try:
        honoured = isinstance(json.loads(content.strip()), dict)
    except ValueError:
        honoured = False
    if honoured:
        report.json_output = "honoured"
        report.add("json", "ok", "response_format json_object honoured: the answer is one JSON object")
        return
    said = _short(content, 80)
    if report.json_output == "refused":
        report.add("json", "warn", f"the server refused response_format (coach then asks without it); it answered {said!r}: "
                   "coach takes a JSON object out of the text where it can, else the whole text as the reply, without citations")
        return
    report.json_output = "ignored"
    report.add("json", "warn", f"response_format json_object not honoured: asked for a JSON object, it answered {said!r}; "
               "coach takes a JSON object out of the text where it can, else the whole text as the reply, without citations")


def _check_speed(settings: Settings, report: Report, latency: float, completion_tokens: int,
                 timings: dict[str, Any] | None) -> None:
    report.tokens_per_s = round(completion_tokens / latency, 1) if latency > 0 else None
    estimate, recommended = recommend(settings, latency_s=latency, completion_tokens=completion_tokens, timings=timings)
    report.estimate_s, report.recommended = estimate, recommended
    speed = f"{completion_tokens} completion tokens in {latency:.2f} s, {report.tokens_per_s:g} tokens/s"
    report.add("speed", "ok", f"{speed}: a call of coach's (about {TYPICAL_PROMPT_TOKENS:,} prompt tokens) would take "
               f"about {estimate['typical_call']:.0f} s, {estimate['longest_call']:.0f} s for a reply of "
               f"COACH_MAX_TOKENS={settings.max_tokens}")
    now = f"COACH_DEADLINE_S={settings.deadline_s:g} and COACH_LLM_TIMEOUT_S={settings.llm_timeout_s:g}"
    advice = " ".join(f"{k}={v:g}" for k, v in recommended.items())
    if min(settings.deadline_s, settings.llm_timeout_s) < estimate["typical_call"]:
        report.add("settings", "fail", f"{now} are shorter than one typical call at this speed: most answers would be "
                   f"degraded (timeout), the offline drafter answering; set {advice}")
    elif settings.deadline_s < recommended["COACH_DEADLINE_S"] or settings.llm_timeout_s < recommended["COACH_LLM_TIMEOUT_S"]:
        report.add("settings", "warn", f"{now} leave no room for long replies or a repair at this speed: "
                   f"some answers would be degraded (timeout); set {advice}")
    else:
        report.add("settings", "ok", f"{now} fit this speed")
