"""Degraded answers are said once, plainly, with the setting to change (issue 13, item 1): on
`coach suggest`'s stderr, and in the service's log at warning level the first time each cause is
seen, never on every request. Against a real scripted OpenAI-compatible server: a slow one (the
default deadline cannot work), a base URL without /v1 (404), a refused key (401)."""

from __future__ import annotations

import io
import json
import logging
import sys

import httpx
import openai
import pytest

from coach.advice import DegradedNotices, degraded_advice
from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings, get_settings
from coach.drafting.llm import LLMDrafter
from coach.errors import LLMError
from coach.pipeline import Coach
from coach.prompts import PromptRegistry
from fakes_pipeline import FakeOffline, FakeRetriever, conversation, fake_analyse, fake_validate
from scripted_endpoint import ScriptedEndpoint, closed_url

PROMPTS = PromptRegistry.from_settings(Settings(_env_file=None))
REPLY = {"content": {"reply": "我理解您的心情，我马上为您核实处理。", "citations": []}}
CONVERSATION = {"turns": [{"role": "customer", "text": "你们到底能不能解决？不行就叫你们领导来！"}]}


def settings(**env: object) -> Settings:
    base: dict[str, object] = {"COACH_LLM_RETRY_WAIT_S": 0, "COACH_LLM_RETRY_MAX_WAIT_S": 0, "COACH_MODEL": "scripted-model"}
    return Settings(_env_file=None, **{**base, **env})  # type: ignore[arg-type]


def coach_for(s: Settings) -> Coach:
    return Coach(settings=s, retriever=FakeRetriever(), prompts=PROMPTS, offline=FakeOffline(),
                 llm=LLMDrafter(s, pools=1), analyse=fake_analyse, validate=fake_validate)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "coach.pipeline" and r.levelno >= logging.WARNING]


def _status_error(cls: type[openai.APIStatusError], status: int, url: str) -> LLMError:
    response = httpx.Response(status, request=httpx.Request("POST", url + "/chat/completions"), json={"error": "x"})
    cause = cls(f"Error code: {status}", response=response, body=None)
    try:
        raise LLMError(f"LLM endpoint failed: {cause}", kind="bad_request" if status == 404 else "auth") from cause
    except LLMError as exc:
        return exc


# -- the advice --------------------------------------------------------------------------------
@pytest.mark.parametrize(("reason", "error", "needles"), [
    ("timeout", None, ("COACH_DEADLINE_S=8", "COACH_LLM_TIMEOUT_S=6", "raise both", "coach doctor")),
    ("llm_error", _status_error(openai.NotFoundError, 404, "http://127.0.0.1:8080"),
     ("does OPENAI_BASE_URL end with /v1?", "COACH_MODEL=gpt-4o-mini")),
    ("llm_error", _status_error(openai.AuthenticationError, 401, "http://127.0.0.1:8080/v1"), ("401", "OPENAI_API_KEY")),
    ("llm_error", LLMError("cut off", kind="length"), ("COACH_MAX_TOKENS=400",)),
    ("llm_error", LLMError("down", kind="connection"), ("cannot reach", "OPENAI_BASE_URL")),
    ("invalid_after_repair", None, ("COACH_MAX_REPAIRS=2",)),
])
def test_advice_says_why_and_which_setting(reason, error, needles):
    s = Settings(_env_file=None, OPENAI_BASE_URL="http://127.0.0.1:8080")  # type: ignore[call-arg]
    _, advice = degraded_advice(reason, error, s)
    assert advice.startswith(f"answers are degraded ({reason}): ") and "\n" not in advice
    for needle in needles:
        assert needle in advice, advice


def test_each_cause_is_logged_once(caplog):
    notices = DegradedNotices(Settings(_env_file=None))  # type: ignore[call-arg]
    with caplog.at_level(logging.WARNING, logger="coach.pipeline"):
        for _ in range(3):
            notices.note("timeout")
        notices.note("llm_error", LLMError("down", kind="connection"))
        notices.note("llm_error", LLMError("down", kind="connection"))
        notices.note("llm_error", _status_error(openai.AuthenticationError, 401, "http://x/v1"))
    said = warnings(caplog)
    assert len(said) == 3, said
    assert "(timeout)" in said[0] and "cannot reach" in said[1] and "OPENAI_API_KEY" in said[2]
    assert notices.last == said[2]
    assert all(r.degraded_reason in ("timeout", "llm_error") for r in caplog.records)


# -- the service's log: once per cause, not per request ----------------------------------------
async def test_a_slow_server_with_the_default_deadline_is_said_once(caplog):
    with ScriptedEndpoint([{**REPLY, "delay": 1.5}]) as llm:
        coach = coach_for(settings(OPENAI_BASE_URL=llm.v1, COACH_DEADLINE_S=0.5, COACH_LLM_RETRIES=0))
        with caplog.at_level(logging.INFO, logger="coach.pipeline"):
            responses = [await coach.suggest(conversation()) for _ in range(3)]
        await coach.llm.aclose()
    assert [(r.degraded, r.degraded_reason) for r in responses] == [(True, "timeout")] * 3
    said = warnings(caplog)
    assert len(said) == 1 and "COACH_DEADLINE_S=0.5" in said[0] and "COACH_LLM_TIMEOUT_S" in said[0]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == said  # nothing else, per request


async def test_a_base_url_without_v1_is_said_once_through_the_service(caplog, tmp_path):
    with ScriptedEndpoint([REPLY]) as llm:
        s = settings(OPENAI_BASE_URL=llm.url, COACH_DATABASE=str(tmp_path / "fb.db"))
        app = create_app(s)
        runtime = app.state.runtime
        runtime.knowledge = FakeRetriever()
        runtime.coach = coach_for(s)
        runtime._ready.set()
        transport = httpx.ASGITransport(app=app)
        with caplog.at_level(logging.INFO, logger="coach.pipeline"):
            async with httpx.AsyncClient(transport=transport, base_url="http://coach.test") as c:
                bodies = [(await c.post("/v1/suggestions", json=CONVERSATION)).json() for _ in range(3)]
        await runtime.coach.llm.aclose()
    assert [(b["degraded"], b["degraded_reason"]) for b in bodies] == [(True, "llm_error")] * 3
    said = warnings(caplog)
    assert len(said) == 1, said
    assert "does OPENAI_BASE_URL end with /v1?" in said[0] and f"OPENAI_BASE_URL={llm.url}" in said[0]


async def test_a_refused_key_is_said(caplog):
    with ScriptedEndpoint([{"status": 401}]) as llm:
        coach = coach_for(settings(OPENAI_BASE_URL=llm.v1, OPENAI_API_KEY="sk-wrong"))
        with caplog.at_level(logging.WARNING, logger="coach.pipeline"):
            response = await coach.suggest(conversation())
            await coach.suggest(conversation())
        await coach.llm.aclose()
    assert response.degraded_reason == "llm_error"
    said = warnings(caplog)
    assert len(said) == 1 and "OPENAI_API_KEY" in said[0] and "sk-wrong" not in said[0]


async def test_no_notice_when_the_model_answers(caplog):
    with ScriptedEndpoint([REPLY]) as llm:
        coach = coach_for(settings(OPENAI_BASE_URL=llm.v1))
        with caplog.at_level(logging.WARNING, logger="coach.pipeline"):
            response = await coach.suggest(conversation())
        await coach.llm.aclose()
    assert not response.degraded and warnings(caplog) == [] and coach.notices.last is None


# -- coach suggest: one plain line on stderr ---------------------------------------------------
@pytest.fixture
def cli(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    import coach.knowledge

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(coach.knowledge, "load_knowledge_base", lambda s: FakeRetriever())
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def suggest(cli, capsys, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    cli.setattr(sys, "stdin", io.StringIO(json.dumps(CONVERSATION, ensure_ascii=False)))
    code = main(["suggest", "--compact", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_says_a_timeout_once_on_stderr(cli, capsys):
    with ScriptedEndpoint([{**REPLY, "delay": 2}]) as llm:
        cli.setenv("OPENAI_BASE_URL", llm.v1)
        cli.setenv("COACH_MODEL", "scripted-model")
        cli.setenv("COACH_DEADLINE_S", "0.5")
        code, out, err = suggest(cli, capsys)
    body = json.loads(out)
    assert code == 0 and body["degraded"] and body["degraded_reason"] == "timeout"
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("coach: warning: answers are degraded (timeout): ")
    assert "COACH_DEADLINE_S=0.5" in lines[0] and "COACH_LLM_TIMEOUT_S=6" in lines[0]


@pytest.mark.parametrize("stream", [False, True])
def test_cli_says_what_a_404_probably_means(cli, capsys, stream):
    with ScriptedEndpoint([REPLY]) as llm:
        cli.setenv("OPENAI_BASE_URL", llm.url)
        code, out, err = suggest(cli, capsys, *(["--stream"] if stream else []))
    assert code == 0 and '"degraded_reason": "llm_error"' in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "does OPENAI_BASE_URL end with /v1?" in lines[0], err


def test_cli_says_nothing_when_the_model_answers(cli, capsys):
    with ScriptedEndpoint([REPLY]) as llm:
        cli.setenv("OPENAI_BASE_URL", llm.v1)
        cli.setenv("COACH_MODEL", "scripted-model")
        code, out, err = suggest(cli, capsys)
    assert code == 0 and not json.loads(out)["degraded"] and err == ""


def test_cli_says_an_unreachable_endpoint(cli, capsys):
    cli.setenv("OPENAI_BASE_URL", closed_url())
    cli.setenv("COACH_LLM_RETRIES", "0")
    code, out, err = suggest(cli, capsys)
    assert code == 0 and json.loads(out)["degraded"]
    assert err.count("\n") == 1 and "cannot reach the endpoint" in err
