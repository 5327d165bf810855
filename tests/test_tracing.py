"""OpenTelemetry spans of a suggestion, asserted span by span with the SDK's in-memory exporter,
and once over real OTLP/HTTP from a running service to a local receiver."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from coach import tracing
from coach.config import Settings
from coach.drafting.llm import LLMDrafter
from coach.pipeline import Coach
from coach.prompts import PromptRegistry
from fakes_pipeline import FakeOffline, FakeRetriever, conversation, fake_analyse, fake_validate
from scripted_endpoint import ScriptedEndpoint

PROMPTS = PromptRegistry.from_settings(Settings(_env_file=None))
CUSTOMER = "我的手机号是13812345678，你们到底能不能解决？不行就叫你们领导来接电话！"
GOOD = {"reply": "我理解您的心情，我马上为您核实处理，今天下午给您回电。", "citations": []}
BAD = {"reply": "这件事我真的无能为力。", "citations": []}


def _receiver_module():  # noqa: ANN202
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "otlp_receiver.py"
    if "otlp_receiver" not in sys.modules:
        spec = importlib.util.spec_from_file_location("otlp_receiver", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["otlp_receiver"] = module
        spec.loader.exec_module(module)
    return sys.modules["otlp_receiver"]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    yield exporter
    tracing.uninstall()
    provider.shutdown()


def settings(url: str, **kw: object) -> Settings:
    base: dict[str, object] = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-test", "COACH_MODEL": "gpt-4o-mini",
                               "COACH_LLM_RETRIES": 2, "COACH_LLM_RETRY_WAIT_S": 0, "COACH_LLM_RETRY_MAX_WAIT_S": 0,
                               "COACH_DEADLINE_S": 8, "COACH_LLM_TIMEOUT_S": 5, "COACH_LLM_BREAKER_THRESHOLD": 0}
    return Settings(_env_file=None, **{**base, **kw})  # type: ignore[arg-type]


async def suggest(url: str, text: str = CUSTOMER, **kw: object):  # noqa: ANN201
    s = settings(url, **kw)
    llm = LLMDrafter(s, pools=1)
    coach = Coach(settings=s, retriever=FakeRetriever(), prompts=PROMPTS, offline=FakeOffline(), llm=llm,
                  analyse=fake_analyse, validate=fake_validate)
    try:
        return await coach.suggest(conversation(text))
    finally:
        await llm.aclose()


def tree(exporter: InMemorySpanExporter) -> tuple[ReadableSpan, dict[int, list[ReadableSpan]]]:
    finished = sorted(exporter.get_finished_spans(), key=lambda s: s.start_time or 0)
    [root] = [s for s in finished if s.parent is None]
    children: dict[int, list[ReadableSpan]] = {}
    for s in finished:
        if s.parent is not None:
            children.setdefault(s.parent.span_id, []).append(s)
    assert len({s.context.trace_id for s in finished}) == 1
    return root, children


def names(spans: list[ReadableSpan]) -> list[str]:
    return [s.name for s in spans]


async def test_a_repaired_suggestion_span_by_span(spans: InMemorySpanExporter) -> None:
    with ScriptedEndpoint([{"content": BAD, "prompt_tokens": 900, "completion_tokens": 20},
                           {"content": GOOD, "prompt_tokens": 1100, "completion_tokens": 30}],
                          model="qwen2.5-7b") as llm:
        response = await suggest(llm.v1)
    assert response.suggestions[0].attempts == 2 and not response.degraded
    root, children = tree(spans)
    assert root.name == "coach.suggestion"
    assert root.attributes["coach.request_id"] == response.request_id
    assert root.attributes["coach.degraded"] is False and root.attributes["coach.model"] == "qwen2.5-7b"
    assert root.attributes["coach.attempts"] == (2,) and root.attributes["coach.usage.input_tokens"] == 2000
    top = children[root.context.span_id]
    assert names(top) == ["coach.situation", "coach.retrieval", "coach.render", "coach.draft", "coach.validation",
                          "coach.repair", "coach.validation"]
    situation, retrieval, render, draft, rejected, repair, accepted = top
    assert situation.attributes["coach.script"] == "zh-Hans"
    assert retrieval.attributes["coach.passages"] == ("p-001-002", "p-002-001", "p-004-003")
    assert render.attributes["coach.template"] == "reply@v1"
    assert rejected.attributes["coach.validation.rejected"] == 1
    assert rejected.attributes["coach.validation.rules"] == ("authority_exposure",)
    assert accepted.attributes["coach.validation.rejected"] == 0
    assert repair.attributes["coach.attempt"] == 2 and repair.attributes["coach.repair.rules"] == ("authority_exposure",)
    [first] = children[draft.context.span_id]
    [second] = children[repair.context.span_id]
    for call, tokens, purpose in ((first, (900, 20), "draft"), (second, (1100, 30), "repair")):
        a = call.attributes
        assert call.name == "chat gpt-4o-mini" and call.kind == SpanKind.CLIENT
        assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.system"] == "openai"
        assert a["gen_ai.request.model"] == "gpt-4o-mini" and a["gen_ai.response.model"] == "qwen2.5-7b"
        assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == tokens
        assert a["gen_ai.response.finish_reasons"] == ("stop",)
        assert a["coach.request_id"] == response.request_id and a["coach.llm.purpose"] == purpose
        assert a["server.address"] == "127.0.0.1" and a["gen_ai.request.max_tokens"] > 0
    assert second.attributes["gen_ai.request.temperature"] == 0.2  # the repair template's


async def test_failed_attempts_and_the_fallback(spans: InMemorySpanExporter) -> None:
    with ScriptedEndpoint([{"status": 503}, {"content": BAD}], model="m") as llm:
        response = await suggest(llm.v1, COACH_MAX_REPAIRS=1)
    assert response.degraded and response.degraded_reason == "invalid_after_repair"
    root, children = tree(spans)
    top = children[root.context.span_id]
    assert names(top) == ["coach.situation", "coach.retrieval", "coach.render", "coach.draft", "coach.validation",
                          "coach.repair", "coach.validation", "coach.fallback"]
    assert root.attributes["coach.degraded_reason"] == "invalid_after_repair"
    fallback = top[-1]
    assert fallback.attributes["coach.degraded_reason"] == "invalid_after_repair"
    assert names(children[fallback.context.span_id]) == ["coach.validation"]  # the offline draft, validated
    failed, answered = children[top[3].context.span_id]  # the 503, then the retry that answered
    assert failed.status.status_code == StatusCode.ERROR and failed.attributes["error.type"] == "503"
    assert answered.status.status_code != StatusCode.ERROR and "error.type" not in answered.attributes


async def test_no_customer_text_in_spans_unless_allowed_and_then_redacted(spans: InMemorySpanExporter) -> None:
    def values() -> str:
        return json.dumps([dict(s.attributes or {}) for s in spans.get_finished_spans()], ensure_ascii=False)

    repaired = {"rules": [{"when": "rejected draft", "content": GOOD}], "steps": [{"content": BAD}]}
    with ScriptedEndpoint(repaired) as llm:
        await suggest(llm.v1)
        assert "13812345678" not in values() and "领导" not in values() and "无能为力" not in values()
        assert "核实" not in values()
        spans.clear()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        tracing.install(provider, content=True)
        await suggest(llm.v1)
    text = values()
    assert "领导来接电话" in text and "无能为力" in text and "核实" in text  # customer, rejected draft, reply
    assert "13812345678" not in text and "[PHONE]" in text
    root = next(s for s in spans.get_finished_spans() if s.name == "coach.suggestion")
    assert root.attributes["coach.customer.text"].startswith("我的手机号是[PHONE]")


async def test_tracing_off_records_nothing_and_costs_one_shared_no_op() -> None:
    assert not tracing.enabled()
    assert tracing.span("coach.situation") is tracing.span("coach.retrieval")  # the same null context
    with tracing.span("x") as s:
        assert not s.is_recording()
    assert tracing.configure(Settings(_env_file=None)) is False  # no endpoint: stays off


def test_the_service_sends_its_spans_over_otlp_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import uvicorn

    from coach.api.app import create_app
    from scripted_endpoint import free_port

    receiver_mod = _receiver_module()
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
    with receiver_mod.OtlpReceiver() as receiver, ScriptedEndpoint([{"content": GOOD}]) as llm:
        app = create_app(settings(llm.v1, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url, COACH_RETRIEVAL="lexical",
                                  COACH_DATABASE=str(tmp_path / "f.db")))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            r = httpx.post(f"http://127.0.0.1:{port}/v1/suggestions", timeout=30,
                           headers={"X-Request-ID": "req-otlp-1", "traceparent": parent},
                           json={"turns": [{"role": "customer", "text": CUSTOMER}]})
            assert r.status_code == 200, r.text
            got = receiver.wait_for(lambda s: any(x.name.startswith("chat ") for x in s)
                                    and any(x.name == "coach.suggestion" for x in s))
        finally:
            server.should_exit = True
            thread.join(15)
    root = next(s for s in got if s.name == "coach.suggestion")
    assert root.attributes["coach.request_id"] == "req-otlp-1"
    assert root.trace_id == "0af7651916cd43dd8448eb211c80319c" and root.parent_id == "b7ad6b7169203331"
    assert root.resource["service.name"] == "coach"
    chat = next(s for s in got if s.name.startswith("chat "))
    assert chat.attributes["gen_ai.usage.output_tokens"] > 0 and chat.attributes["coach.request_id"] == "req-otlp-1"
    assert {"coach.situation", "coach.retrieval", "coach.render", "coach.draft", "coach.validation"} <= {s.name for s in got}
    assert all("13812345678" not in json.dumps(s.attributes, ensure_ascii=False) for s in got)
    assert not tracing.enabled()  # the service's shutdown flushed and stopped its exporter
