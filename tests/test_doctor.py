"""`coach doctor` and /readyz's `llm` section against a real scripted OpenAI-compatible server:
reachable and fine, model not listed, a base URL without /v1, JSON not honoured, a slow server
(the recommendations scale with its speed), an unreachable one, and no endpoint at all."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings, get_settings
from coach.doctor import diagnose, public_url, recommend
from scripted_endpoint import ScriptedEndpoint, closed_url

REPLY = {"content": {"reply": "Your parcel left the warehouse today. It should reach you tomorrow.", "citations": []}}


def settings(**env: object) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[arg-type]


def checks(report) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    return {c.name: (c.status, c.detail) for c in report.checks}


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path):  # noqa: ANN001, ANN201
    """`coach doctor` in-process with the environment a test sets (and no .env file)."""
    get_settings.cache_clear()
    monkeypatch.chdir(tmp_path)
    yield monkeypatch
    get_settings.cache_clear()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    get_settings.cache_clear()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


async def test_reachable_and_fine():
    with ScriptedEndpoint([REPLY], model="qwen2.5-7b-instruct") as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.v1, COACH_MODEL="qwen2.5-7b-instruct"))
        assert llm.requests == 1  # one tiny chat completion, besides GET /models
    said = checks(report)
    assert report.status == "ok" and report.usable, report.to_text()
    assert [name for name in said] == ["endpoint", "model", "chat", "json", "speed", "settings"]
    assert all(status == "ok" for status, _ in said.values())
    assert report.models == ["qwen2.5-7b-instruct"] and report.served_model == "qwen2.5-7b-instruct"
    assert report.json_output == "honoured"
    assert report.latency_s is not None and report.latency_s < 5
    assert report.completion_tokens and report.tokens_per_s and report.tokens_per_s > 0
    # A fast endpoint: the defaults fit, and are what it recommends.
    assert report.recommended == {"COACH_DEADLINE_S": 8.0, "COACH_LLM_TIMEOUT_S": 6.0}
    text = report.to_text()
    assert "tokens/s" in text and "usable: yes" in text and "recommended for this speed: COACH_DEADLINE_S=8" in text


async def test_model_not_listed_says_what_is():
    with ScriptedEndpoint([REPLY], model="qwen2.5-coder-1.5b-instruct") as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.v1))  # COACH_MODEL left at gpt-4o-mini
    status, detail = checks(report)["model"]
    assert status == "warn" and "COACH_MODEL=gpt-4o-mini is not among" in detail
    assert "qwen2.5-coder-1.5b-instruct" in detail and "set COACH_MODEL" in detail
    # The server answered anyway (llama.cpp answers under any name): usable, with a warning, and
    # the report names the model that ran.
    assert report.status == "warn" and report.usable
    assert report.served_model == "qwen2.5-coder-1.5b-instruct"
    assert "the server ran qwen2.5-coder-1.5b-instruct" in checks(report)["chat"][1]


async def test_a_base_url_without_v1_is_named():
    with ScriptedEndpoint([REPLY]) as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.url, COACH_MODEL="scripted-model"))
    said = checks(report)
    assert report.status == "fail" and not report.usable
    assert said["endpoint"][0] == "ok"  # something answers there
    assert said["base_url"][0] == "warn" and "end with /v1" in said["base_url"][1]
    assert said["chat"][0] == "fail" and "404" in said["chat"][1]
    assert "does OPENAI_BASE_URL end with /v1?" in said["chat"][1]
    assert report.recommended is None and "speed" not in said


async def test_json_not_honoured():
    with ScriptedEndpoint([{"content": "Sure! Your parcel left the warehouse today."}]) as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.v1, COACH_MODEL="scripted-model"))
    status, detail = checks(report)["json"]
    assert report.json_output == "ignored" and status == "warn"
    assert "not honoured" in detail and "Sure! Your parcel" in detail and "without citations" in detail
    assert report.usable and report.status == "warn"


async def test_response_format_refused_is_asked_again_without_it():
    with ScriptedEndpoint([{"status": 501}, {"content": "Your parcel left today."}]) as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.v1, COACH_MODEL="scripted-model"))
        assert llm.requests == 2
    assert report.json_output == "refused" and checks(report)["json"][0] == "warn"
    assert "refused response_format" in checks(report)["json"][1]
    assert checks(report)["chat"][0] == "ok" and report.usable


async def test_a_slow_server_gets_longer_recommendations_and_fails_the_defaults():
    # ~12 completion tokens a second, like Qwen2.5-1.5B on two CPU cores.
    with ScriptedEndpoint([{**REPLY, "completion_tokens": 12, "delay": 1.0}]) as slow, \
         ScriptedEndpoint([{**REPLY, "completion_tokens": 60, "delay": 0.05}]) as fast:
        s = settings(OPENAI_BASE_URL=slow.v1, COACH_MODEL="scripted-model")
        slow_report = await diagnose(s)
        fast_report = await diagnose(settings(OPENAI_BASE_URL=fast.v1, COACH_MODEL="scripted-model"))
        assert slow_report.recommended and fast_report.recommended
        assert slow_report.tokens_per_s is not None and 9 < slow_report.tokens_per_s <= 12
        for key in ("COACH_DEADLINE_S", "COACH_LLM_TIMEOUT_S"):
            assert slow_report.recommended[key] > 3 * fast_report.recommended[key], key
        assert slow_report.recommended["COACH_DEADLINE_S"] >= slow_report.recommended["COACH_LLM_TIMEOUT_S"]
        # With the defaults (8 s, 6 s) every answer would come back degraded: not usable as configured.
        status, detail = checks(slow_report)["settings"]
        assert status == "fail" and not slow_report.usable
        assert "COACH_DEADLINE_S=8" in detail and "degraded (timeout)" in detail
        assert f"COACH_DEADLINE_S={slow_report.recommended['COACH_DEADLINE_S']:g}" in detail
        # Following the advice (with room for the measurement's jitter) makes it usable.
        roomy = {k: v * 1.5 for k, v in slow_report.recommended.items()}
        again = await diagnose(settings(OPENAI_BASE_URL=slow.v1, COACH_MODEL="scripted-model", **roomy))
        assert checks(again)["settings"][0] == "ok" and again.status == "ok"


def test_recommendations_scale_with_speed_and_use_llama_cpp_timings():
    s = settings(OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    rates = [200, 50, 12, 3]  # completion tokens per second
    deadlines = [recommend(s, latency_s=1.0, completion_tokens=r)[1]["COACH_DEADLINE_S"] for r in rates]
    assert deadlines == sorted(deadlines) and deadlines[0] == 8.0 and deadlines[-1] > 100
    # Longer replies allowed, longer timeouts.
    short = recommend(s, latency_s=1.0, completion_tokens=12)[1]
    long = recommend(settings(OPENAI_BASE_URL="http://x/v1", COACH_MAX_TOKENS=800), latency_s=1.0, completion_tokens=12)[1]
    assert long["COACH_LLM_TIMEOUT_S"] > short["COACH_LLM_TIMEOUT_S"]
    # llama.cpp says how fast it reads the prompt and generates: those figures win over the guess.
    timings = {"prompt_per_second": 400.0, "predicted_per_second": 40.0, "prompt_ms": 100, "predicted_ms": 800}
    estimate, _ = recommend(s, latency_s=1.0, completion_tokens=12, timings=timings)
    assert estimate["typical_call"] == pytest.approx(0.1 + 1900 / 400 + 150 / 40, abs=0.01)


async def test_unreachable():
    report = await diagnose(settings(OPENAI_BASE_URL=closed_url()))
    status, detail = checks(report)["endpoint"]
    assert report.status == "fail" and status == "fail" and "cannot reach" in detail
    assert set(checks(report)) == {"endpoint"}  # nothing more is asked


async def test_a_server_that_does_not_answer_in_time():
    with ScriptedEndpoint([{**REPLY, "delay": 3}]) as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.v1, COACH_MODEL="scripted-model"), timeout=0.5)
    status, detail = checks(report)["chat"]
    assert status == "fail" and "no answer" in detail and "0.5 s" in detail


async def test_a_refused_key_is_named():
    with ScriptedEndpoint([{"status": 401}]) as llm:
        report = await diagnose(settings(OPENAI_BASE_URL=llm.v1, OPENAI_API_KEY="sk-wrong", COACH_MODEL="scripted-model"))
    status, detail = checks(report)["chat"]
    assert status == "fail" and "401" in detail and "OPENAI_API_KEY" in detail
    assert "sk-wrong" not in report.to_text() + json.dumps(report.to_dict())


def test_the_report_shows_no_credentials():
    assert public_url("http://user:secret@10.0.0.5:8080/v1/?key=abc") == "http://10.0.0.5:8080/v1"


# -- the command -------------------------------------------------------------------------------
def test_cli_without_an_endpoint_says_the_offline_drafter_answers(cli_env, capsys):
    code, out, _ = run(["doctor"], capsys)
    assert code == 0 and "offline drafter answers" in out and "usable: yes" in out
    code, out, _ = run(["doctor", "--json"], capsys)
    body = json.loads(out)
    assert code == 0 and body["status"] == "offline" and body["backend"] == "offline"


def test_cli_text_and_json(cli_env, capsys):
    with ScriptedEndpoint([REPLY]) as llm:
        cli_env.setenv("OPENAI_BASE_URL", llm.v1)
        cli_env.setenv("COACH_MODEL", "scripted-model")
        code, out, _ = run(["doctor"], capsys)
        assert code == 0, out
        assert out.startswith(f"coach doctor: {llm.v1}, COACH_MODEL=scripted-model")
        assert "tokens/s" in out and "recommended for this speed" in out and out.rstrip().endswith("usable: yes")
        code, out, _ = run(["doctor", "--json"], capsys)
        body = json.loads(out)
        assert code == 0 and body["status"] == "ok" and body["json_output"] == "honoured"
        assert set(body["recommended"]) == {"COACH_DEADLINE_S", "COACH_LLM_TIMEOUT_S"}
        assert {c["name"] for c in body["checks"]} >= {"endpoint", "model", "chat", "json", "speed", "settings"}


def test_cli_exits_1_when_not_usable(cli_env, capsys):
    cli_env.setenv("OPENAI_BASE_URL", closed_url())
    code, out, _ = run(["doctor"], capsys)
    assert code == 1 and "cannot reach" in out and "usable: no" in out
    with ScriptedEndpoint([REPLY]) as llm:
        cli_env.setenv("OPENAI_BASE_URL", llm.url)  # no /v1
        code, out, _ = run(["doctor", "--json"], capsys)
    assert code == 1 and "does OPENAI_BASE_URL end with /v1?" in out


@pytest.mark.parametrize("argv", [["doctor", "--timeout", "soon"], ["doctor", "--timeout", "0"], ["doctor", "extra"]])
def test_cli_bad_usage_exits_2(cli_env, capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


# -- /readyz -----------------------------------------------------------------------------------
def _ready_body(client: TestClient, *, until: str = "pending", timeout: float = 60) -> dict:
    """/readyz's body once the index is loaded and the `llm` status has moved past `until`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get("/readyz")
        body = r.json()
        if r.status_code == 200 and body["llm"]["status"] != until:
            return body
        time.sleep(0.05)
    raise AssertionError(f"/readyz did not move on: {body}")


def test_readyz_shows_the_start_up_check_and_never_calls_the_endpoint_again(tmp_path):
    with ScriptedEndpoint([REPLY]) as llm:
        app = create_app(settings(OPENAI_BASE_URL=llm.v1, COACH_MODEL="scripted-model", COACH_RETRIEVAL="lexical",
                                  COACH_DATABASE=str(tmp_path / "fb.db")))
        with TestClient(app) as client:
            body = _ready_body(client)
            assert body["status"] == "ready"
            assert body["llm"]["status"] == "ok" and body["llm"]["json_output"] == "honoured"
            assert body["llm"]["tokens_per_s"] > 0 and body["llm"]["recommended"]["COACH_DEADLINE_S"] >= 8
            asked = llm.requests
            for _ in range(5):
                assert client.get("/readyz").json()["llm"] == body["llm"]
            assert llm.requests == asked == 1


def test_readyz_does_not_wait_for_a_slow_endpoint(tmp_path):
    with ScriptedEndpoint([{**REPLY, "delay": 4}]) as llm:
        app = create_app(settings(OPENAI_BASE_URL=llm.v1, COACH_MODEL="scripted-model", COACH_RETRIEVAL="lexical",
                                  COACH_DATABASE=str(tmp_path / "fb.db")))
        with TestClient(app) as client:
            deadline = time.monotonic() + 60
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert client.get("/readyz").json()["llm"]["status"] == "pending"  # ready while the check runs


def test_readyz_reports_an_unusable_endpoint_and_stays_ready(tmp_path, caplog):
    app = create_app(settings(OPENAI_BASE_URL=closed_url(), COACH_RETRIEVAL="lexical",
                              COACH_DATABASE=str(tmp_path / "fb.db")))
    with caplog.at_level("WARNING", logger="coach.runtime"), TestClient(app) as client:
        body = _ready_body(client)
    assert body["status"] == "ready" and body["llm"]["status"] == "fail"
    assert "cannot reach" in body["llm"]["checks"][0]["detail"]
    warned = [r.getMessage() for r in caplog.records if r.name == "coach.runtime" and r.levelname == "WARNING"]
    assert any("not usable" in m and "cannot reach" in m for m in warned)


def test_readyz_offline(tmp_path):
    app = create_app(settings(COACH_BACKEND="offline", COACH_RETRIEVAL="lexical", COACH_DATABASE=str(tmp_path / "fb.db")))
    with TestClient(app) as client:
        body = _ready_body(client, until="")
    assert body["llm"]["status"] == "offline"
