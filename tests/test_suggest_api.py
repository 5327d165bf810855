"""POST /v1/suggestions (JSON and SSE), GET /v1/templates, and the `coach suggest` / `coach prompts` CLI."""

from __future__ import annotations

import io
import json
import sys

import httpx
import pytest

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings
from coach.pipeline import Coach
from coach.prompts import PromptRegistry
from fakes_pipeline import FakeOffline, FakeRetriever, ScriptedDrafter, fake_analyse, fake_validate, llm_settings

BODY = {"conversation_id": "c-9", "turns": [{"role": "customer", "text": "你们到底能不能解决？叫领导来！"}]}


def app_with(coach: Coach | None = None, ready: bool = True):
    app = create_app(Settings(_env_file=None))
    runtime = app.state.runtime
    if ready:
        runtime.knowledge = FakeRetriever()
        runtime.coach = coach or Coach(
            settings=llm_settings(), retriever=runtime.knowledge, prompts=runtime.require_prompts(),
            offline=FakeOffline(), llm=ScriptedDrafter([["好的，我马上为您处理。", "我理解您的心情，我来跟进。"]]),
            analyse=fake_analyse, validate=fake_validate,
        )
        runtime._ready.set()
    return app


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://coach.test")


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_json_suggestion():
    async with client(app_with()) as c:
        r = await c.post("/v1/suggestions", json=BODY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["conversation_id"] == "c-9" and body["template"] == "reply@v1" and body["model"] == "gpt-4o-mini"
    assert body["suggestions"][0]["validation"] == {"ok": True, "violations": []}
    assert body["suggestions"][0]["source"] == "llm" and body["passages"][0]["id"] == "p-001-002"
    assert {"situation", "retrieval", "render", "validation", "total"} <= set(body["timings_ms"])


async def test_sse_stream():
    async with client(app_with()) as c:
        r = await c.post("/v1/suggestions", json={**BODY, "n": 2}, headers={"Accept": "text/event-stream"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    assert [e for e, _ in events] == ["passages", "attempt", "suggestion", "suggestion", "done"]
    assert events[0][1]["passages"][0]["id"] == "p-001-002" and events[0][1]["template"] == "reply@v1"
    assert events[1][1] == {"stage": "drafting", "attempt": 1}
    assert events[2][1]["index"] == 0 and events[2][1]["suggestion"]["validation"]["ok"]
    done = events[-1][1]
    assert done["conversation_id"] == "c-9" and len(done["suggestions"]) == 2


@pytest.mark.parametrize("body,where", [
    ({"turns": []}, "turns"),
    ({"turns": [{"role": "customer", "text": ""}]}, "text"),
    ({"turns": [{"role": "customer", "text": "x" * 4001}]}, "text"),
    ({"turns": [{"role": "boss", "text": "hi"}]}, "role"),
    ({"turns": [{"role": "customer", "text": "hi", "round": 0}]}, "round"),
    ({"turns": [{"role": "customer", "text": "hi"}] * 201}, "turns"),
    ({**BODY, "n": 4}, "n"),
    ({**BODY, "n": 0}, "n"),
    ({**BODY, "locale": "fr"}, "locale"),
])
async def test_contract_limits_are_422(body, where):
    async with client(app_with()) as c:
        r = await c.post("/v1/suggestions", json=body)
    assert r.status_code == 422
    assert any(where in [str(p) for p in d["loc"]] for d in r.json()["error"]["detail"])


@pytest.mark.parametrize("template,status", [("reply@v9", 404), ("nosuch", 404), ("Bad Name!", 422)])
async def test_bad_template_is_4xx_also_when_streaming(template, status):
    async with client(app_with()) as c:
        r = await c.post("/v1/suggestions", json={**BODY, "template": template})
        s = await c.post("/v1/suggestions", json={**BODY, "template": template}, headers={"Accept": "text/event-stream"})
    assert r.status_code == status and s.status_code == status
    assert r.json()["error"]["code"] in ("not_found", "invalid_input")


async def test_503_until_the_index_is_ready_but_templates_answer():
    async with client(app_with(ready=False)) as c:
        r = await c.post("/v1/suggestions", json=BODY)
        t = await c.get("/v1/templates")
    assert r.status_code == 503 and r.json()["error"]["code"] == "not_ready"
    assert t.status_code == 200
    refs = {row["ref"]: row for row in t.json()["templates"]}
    assert {"reply@v1", "repair@v1"} <= set(refs)
    assert refs["reply@v1"]["version"] == 1 and refs["reply@v1"]["name"] == "reply" and refs["reply@v1"]["description"]
    assert t.json()["errors"] == []


async def test_offline_runtime_builds_the_real_coach():
    """The runtime wiring with the real offline drafter, situation and validator (fake retrieval)."""
    app = create_app(Settings(_env_file=None, COACH_BACKEND="offline"))
    app.state.runtime.knowledge = FakeRetriever()
    app.state.runtime._ready.set()
    async with client(app) as c:
        r = await c.post("/v1/suggestions", json={"turns": [{"role": "customer", "text": "Where is my parcel? I want a manager now!"}]})
    body = r.json()
    assert r.status_code == 200 and body["model"] == "offline" and not body["degraded"]
    s = body["suggestions"][0]
    assert s["source"] == "offline" and s["validation"]["ok"] and s["text"].isascii()


# -- CLI ----------------------------------------------------------------------------------------
@pytest.fixture
def offline_env(monkeypatch):
    from coach.config import get_settings

    monkeypatch.setenv("COACH_BACKEND", "offline")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_cli(argv, stdin: str, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_suggest_from_stdin(offline_env, capsys, monkeypatch):
    conv = {"turns": [{"role": "customer", "text": "你們到底能不能解決？叫你們經理來！"}], "n": 2}
    code, out, _ = run_cli(["suggest"], json.dumps(conv, ensure_ascii=False), capsys, monkeypatch)
    assert code == 0
    body = json.loads(out)
    assert body["model"] == "offline" and 1 <= len(body["suggestions"]) <= 2
    assert all(s["validation"]["ok"] for s in body["suggestions"])


def test_cli_suggest_stream(offline_env, capsys, monkeypatch):
    import coach.knowledge

    monkeypatch.setattr(coach.knowledge, "load_knowledge_base", lambda settings: FakeRetriever())
    conv = {"turns": [{"role": "customer", "text": "Where is my parcel?"}], "n": 2}
    code, out, _ = run_cli(["suggest", "--stream"], json.dumps(conv), capsys, monkeypatch)
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and events[0]["event"] == "passages" and events[-1]["event"] == "done"
    assert [e["event"] for e in events[1:-1]] == ["suggestion"] * len(events[-1]["data"]["suggestions"])


@pytest.mark.parametrize("stdin,needle", [("not json", "not JSON"), ('{"turns": []}', "turns"), ("[1]", "conversation")])
def test_cli_suggest_bad_input(offline_env, capsys, monkeypatch, stdin, needle):
    code, _, err = run_cli(["suggest"], stdin, capsys, monkeypatch)
    assert code == 2 and needle in err


def test_cli_prompts_render_and_list(offline_env, capsys, monkeypatch, tmp_path):
    import coach.knowledge

    monkeypatch.setattr(coach.knowledge, "load_knowledge_base", lambda settings: FakeRetriever())
    conv = tmp_path / "c.json"
    conv.write_text(json.dumps({"turns": [{"role": "customer", "text": "I want a refund right now!"}]}), encoding="utf-8")
    code, out, _ = run_cli(["prompts", "render", "reply@v1", str(conv), "--json"], "", capsys, monkeypatch)
    assert code == 0
    payload = json.loads(out)
    assert payload["template"] == "reply@v1" and [m["role"] for m in payload["messages"]] == ["system", "user"]
    assert "I want a refund right now!" in payload["messages"][1]["content"]
    code, out, _ = run_cli(["prompts", "render", "repair", str(conv), "--draft", "Sorry, that's not my call to make."],
                           "", capsys, monkeypatch)
    assert code == 0 and "===== user =====" in out and "not my call" in out
    code, out, _ = run_cli(["prompts", "list"], "", capsys, monkeypatch)
    assert code == 0 and "reply@v1" in out and "repair@v1" in out
    code, _, err = run_cli(["prompts", "render", "nosuch@v1", str(conv)], "", capsys, monkeypatch)
    assert code == 2 and "nosuch" in err


def test_templates_registry_is_the_runtime_one():
    app = create_app(Settings(_env_file=None))
    assert isinstance(app.state.runtime.require_prompts(), PromptRegistry)


async def test_metrics_record_the_pipeline_stages():
    async with client(app_with()) as c:
        await c.post("/v1/suggestions", json=BODY)
        text = (await c.get("/metrics")).text
    for stage in ("situation", "retrieval", "render", "validation", "total"):
        assert f'coach_stage_seconds_count{{stage="{stage}"}}' in text


async def test_templates_route_reports_a_broken_edit_while_the_last_good_serves(tmp_path):
    import os
    import shutil
    from pathlib import Path

    bundled = Path(__file__).parent.parent / "prompts"
    for name in ("reply", "repair"):
        shutil.copytree(bundled / name, tmp_path / name)
    app = create_app(Settings(_env_file=None, COACH_PROMPTS_DIR=str(tmp_path), COACH_RELOAD_PROMPTS=True))
    path = tmp_path / "reply" / "v1.md.j2"
    text = path.read_text(encoding="utf-8")
    async with client(app) as c:
        assert (await c.get("/v1/templates")).json()["errors"] == []
        path.write_text(text.replace("{% endblock %}", "{% endblok %}", 1), encoding="utf-8")
        stamp = path.stat().st_mtime_ns + 1_000_000_000
        os.utime(path, ns=(stamp, stamp))
        body = (await c.get("/v1/templates")).json()
        assert "reply@v1" in [t["ref"] for t in body["templates"]]
        [problem] = body["errors"]
        assert problem.startswith(f"{path}:") and "syntax" in problem
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
        assert (await c.get("/v1/templates")).json()["errors"] == []


async def test_request_id_is_the_services():
    async with client(app_with()) as c:
        r = await c.post("/v1/suggestions", json=BODY, headers={"X-Request-ID": "req-12345678"})
    assert r.json()["request_id"] == r.headers["x-request-id"]
