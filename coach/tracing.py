"""OpenTelemetry spans for a suggestion and its stages, exported over OTLP/HTTP when asked.

Spans (each stage a child of `coach.suggestion`):
    coach.suggestion                the whole pipeline; coach.request_id, template, outcome
      coach.situation, coach.retrieval, coach.render
      coach.draft                   the first drafting call (its HTTP attempts below it)
        chat {model}                one HTTP call to the LLM, GenAI semantic conventions
      coach.validation              one validator pass over one or more drafts
      coach.repair                  one re-draft of a rejected draft (its chat span below)
      coach.fallback / coach.offline  the offline drafter, after a failed LLM phase / as the backend

With no exporter configured nothing is recorded: `span()` hands back one shared no-op context, so
the cost is a function call per stage. `configure(settings)` turns tracing on when
OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set and the SDK is installed (the `otel`
extra), or when the process already has an SDK tracer provider (opentelemetry-instrument).

Customer text (turns, drafts, replies, prompts) goes into spans only with COACH_TRACE_CONTENT=true,
and then through the same redaction as the logs (coach.logging_setup.redact).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from coach import __version__
from coach.logging_setup import redact

if TYPE_CHECKING:
    from coach.config import Settings
    from coach.drafting.llm_parse import Completion

log = logging.getLogger("coach.tracing")

_NULL = nullcontext(trace.INVALID_SPAN)
_tracer: trace.Tracer | None = None
_content = False
_provider: Any = None  # the SDK provider we made (and so shut down), if any
_request_id: ContextVar[str | None] = ContextVar("coach_trace_request_id", default=None)


def enabled() -> bool:
    return _tracer is not None


def content() -> bool:
    """Whether customer text may go into spans (COACH_TRACE_CONTENT), redacted."""
    return _content


def install(provider: trace.TracerProvider, *, content: bool = False) -> None:
    """Record spans through `provider` (tests pass one with an in-memory exporter)."""
    global _tracer, _content
    _tracer = provider.get_tracer("coach", __version__)
    _content = content


def uninstall() -> None:
    global _tracer, _content
    _tracer, _content = None, False


def _traces_endpoint(settings: Settings) -> str | None:
    specific = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if specific:
        return specific
    base = settings.otel_endpoint
    return f"{base.rstrip('/')}/v1/traces" if base else None


def configure(settings: Settings) -> bool:
    """Turn tracing on for this process if it is asked for; True when spans are recorded."""
    global _provider
    if _tracer is not None:
        return True
    current = trace.get_tracer_provider()
    endpoint = _traces_endpoint(settings)
    if endpoint is None:
        if type(current).__module__.startswith("opentelemetry.sdk"):  # set up by the host process
            install(current, content=settings.trace_content)
            return True
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK is not installed "
                    "(pip install 'coach[otel]'): no traces are sent")
        return False
    attributes = {"service.version": __version__}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = "coach"
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    _provider = provider
    install(provider, content=settings.trace_content)
    log.info("traces go to %s over OTLP/HTTP", endpoint)
    return True


def shutdown() -> None:
    """Flush and stop the exporter this module started (the service's shutdown, the CLI's exit)."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None
        uninstall()


def span(name: str) -> Any:
    """A context manager yielding the stage's span (a no-op span when tracing is off). Set
    attributes under `if s.is_recording():` so that nothing is built when it is off."""
    if _tracer is None:
        return _NULL
    return _tracer.start_as_current_span(name)


@contextmanager
def request(request_id: str) -> Iterator[Span]:
    """The root span of one suggestion; the request id also goes on its LLM spans."""
    if _tracer is None:
        yield trace.INVALID_SPAN
        return
    token = _request_id.set(request_id)
    try:
        with _tracer.start_as_current_span("coach.suggestion", attributes={"coach.request_id": request_id}) as s:
            yield s
    finally:
        _request_id.reset(token)


def continue_trace(headers: Sequence[tuple[bytes, bytes]]) -> object | None:
    """Make the caller's trace (W3C traceparent/tracestate headers) the current context, when
    tracing is on; returns the token for end_trace."""
    if _tracer is None:
        return None
    from opentelemetry import context, propagate

    carrier = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers
               if k.lower() in (b"traceparent", b"tracestate")}
    if not carrier:
        return None
    return context.attach(propagate.extract(carrier))


def end_trace(token: object | None) -> None:
    if token is not None:
        from opentelemetry import context

        context.detach(token)  # type: ignore[arg-type]


def text(value: str) -> str:
    return redact(value)


def texts(values: Sequence[str]) -> list[str]:
    return [redact(v) for v in values]


# -- LLM calls: the GenAI semantic conventions -------------------------------------------------------
def _system(base_url: str) -> str:
    host = (urlparse(base_url).hostname or "").lower()
    if host.endswith("openai.azure.com"):
        return "az.ai.openai"
    return "openai"  # the protocol spoken; server.address says which server


@contextmanager
def llm_call(body: dict[str, Any], base_url: str, purpose: str) -> Iterator[Span]:
    """A CLIENT span for one chat-completions HTTP call; error.type on failure."""
    if _tracer is None:
        yield trace.INVALID_SPAN
        return
    model = str(body.get("model", ""))
    url = urlparse(base_url)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat", "gen_ai.system": _system(base_url), "gen_ai.provider.name": _system(base_url),
        "gen_ai.request.model": model, "server.address": url.hostname or "",
        "coach.llm.purpose": purpose,
    }
    if url.port:
        attributes["server.port"] = url.port
    for key, name in (("max_tokens", "gen_ai.request.max_tokens"), ("temperature", "gen_ai.request.temperature"),
                      ("top_p", "gen_ai.request.top_p"), ("n", "gen_ai.request.choice.count")):
        if key in body:
            attributes[name] = body[key]
    request_id = _request_id.get()
    if request_id:
        attributes["coach.request_id"] = request_id
    if _content:
        attributes["gen_ai.input.messages"] = json.dumps(
            [{"role": m["role"], "parts": [{"type": "text", "content": redact(m["content"])}]} for m in body["messages"]],
            ensure_ascii=False)
    with _tracer.start_as_current_span(f"chat {model}", kind=SpanKind.CLIENT, attributes=attributes,
                                       record_exception=True, set_status_on_exception=False) as s:
        try:
            yield s
        except BaseException as exc:
            status = getattr(exc, "status_code", None)
            s.set_attribute("error.type", str(status) if status else type(exc).__name__)
            s.set_status(Status(StatusCode.ERROR, str(exc)[:200]))
            raise


def llm_result(s: Span, completion: Completion) -> None:
    if not s.is_recording():
        return
    if completion.model:
        s.set_attribute("gen_ai.response.model", completion.model)
    if completion.id:
        s.set_attribute("gen_ai.response.id", completion.id)
    s.set_attribute("gen_ai.usage.input_tokens", completion.prompt_tokens)
    s.set_attribute("gen_ai.usage.output_tokens", completion.completion_tokens)
    s.set_attribute("gen_ai.response.finish_reasons", [c.finish_reason or "" for c in completion.choices])
    if _content:
        s.set_attribute("gen_ai.output.messages", json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": redact(c.content or "")}],
              "finish_reason": c.finish_reason or ""} for c in completion.choices], ensure_ascii=False))
