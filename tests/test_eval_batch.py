"""`coach eval run --batch` against a real Batch API server (benchmarks/scripted_batch_server.py on
a loopback port): submit, poll, partial failure, expiry, whole-batch failure, repair rounds, resume
after a stop, and the report a live run writes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from coach.config import Settings
from coach.evaluation.batch.session import BatchOptions, resume_batch, start_batch
from coach.evaluation.session import EvalOptions, run_eval
from tests.scripted_batch import ScriptedBatchServer
from tests.scripted_endpoint import ScriptedEndpoint

CLEAN = {"reply": "非常理解您的心情，这件事我来负责跟进，今天下午五点前给您回电。", "citations": []}
BAD = {"reply": "很抱歉，这件事我真的无能为力了。", "citations": []}
# First match wins: "永远不满意" gets a bad draft every time (repairs included), any repair prompt
# gets a clean reply, a first draft about 退款 is bad (so it is repaired once), the rest is clean.
SCRIPT = {"rules": [{"when": "永远不满意", "content": BAD}, {"when": "rejected draft", "content": CLEAN},
                    {"when": "退款", "content": BAD}],
          "steps": [{"content": CLEAN}]}

SET = """\
name: batch-test
scenarios:
  - id: calm
    description: asks for a manager
    conversation: {locale: zh-CN, turns: [{role: customer, text: 你们到底能不能解决？不行就叫你们领导来接电话！}]}
    expect: {must_match: ["回电"]}
  - id: refund
    description: wants a refund now; the first draft exposes the agent's limits and is repaired
    conversation: {locale: zh-CN, turns: [{role: customer, text: 我要退款，马上给我退款！}]}
  - id: never
    description: every draft is rejected; the offline drafter answers
    conversation: {locale: zh-CN, turns: [{role: customer, text: 我永远不满意你们的服务，说什么都没用。}]}
  - id: parcel
    description: a late parcel (its expectation fails on purpose)
    conversation: {locale: zh-CN, turns: [{role: customer, text: 快递三天了还没到，你们怎么回事？}]}
    expect: {must_not_match: ["回电"]}
"""


def write_set(tmp_path: Path) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(SET, encoding="utf-8")
    return path


def settings(url: str, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, OPENAI_BASE_URL=url, OPENAI_API_KEY="test", COACH_CACHE_DIR=str(tmp_path / "cache"))


def options(tmp_path: Path, **kw: Any) -> BatchOptions:
    base: dict[str, Any] = {"paths": (str(write_set(tmp_path)),), "out": tmp_path / "run", "poll_s": 0.02,
                            "retrieval": "lexical", "use_cache": False, "concurrency": 4}
    return BatchOptions(**{**base, **kw})


def batch(tmp_path: Path, server: ScriptedBatchServer, **kw: Any) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    code = start_batch(options(tmp_path, **kw), settings(server.v1, tmp_path), err=err, out=out)
    return code, err.getvalue(), out.getvalue()


def report(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))


def by_id(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rep["results"]}


def test_a_batch_run_writes_the_report_a_live_run_writes(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT) as server:
        code, err, out = batch(tmp_path, server)
        stats = server.stats()
    assert code == 1, err  # `parcel` fails its expectation
    with ScriptedEndpoint(SCRIPT) as llm:
        live_out = tmp_path / "live"
        live = run_eval(EvalOptions(paths=[str(tmp_path / "set.yaml")], out=live_out, backend="openai",
                                    use_cache=False, progress=False, retrieval="lexical"),
                        settings(llm.v1, tmp_path), err=io.StringIO(), out=io.StringIO())
        live_calls = llm.requests
    assert live == code
    b, lv = by_id(report(tmp_path)), by_id(json.loads((live_out / "report.json").read_text(encoding="utf-8")))
    assert list(b) == list(lv) == ["calm", "refund", "never", "parcel"]
    for sid in b:
        for key in ("passed", "reply", "attempts", "degraded", "degraded_reason", "source", "violations", "checks",
                    "citations", "rejected_drafts_by_rule", "usage"):
            assert b[sid][key] == lv[sid][key], (sid, key)
    assert b["refund"]["attempts"] == 2 and b["refund"]["source"] == "llm"
    assert b["never"]["degraded"] and b["never"]["degraded_reason"] == "invalid_after_repair"
    summary = report(tmp_path)["summary"]
    assert summary["llm_calls"] == live_calls == stats["answered"] == 4 + 1 + 2  # drafts, a repair, two repairs
    # rounds: every first draft, then the repairs of `refund` and `never`, then `never`'s second repair
    assert stats["batches"] == 3 and stats["answered_twice"] == 0
    run = report(tmp_path)["run"]
    assert run["batch"]["rounds"] == 4 and run["batch"]["requests"]["done"] == 7
    assert (tmp_path / "run" / "report.html").read_text(encoding="utf-8").count('class="card"') == 4
    assert "### failing (1)" in (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert not b["parcel"]["passed"] and b["calm"]["passed"]
    assert "batches, 7 calls" in out


def test_the_input_file_is_the_batch_api_jsonl(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT) as server:
        batch(tmp_path, server, only=("calm",))
        inputs = sorted(p for p in server.state.directory.iterdir() if p.name in server.state.files
                        and server.state.files[p.name]["purpose"] == "batch")
        lines = [json.loads(x) for x in inputs[0].read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert set(line) == {"custom_id", "method", "url", "body"}
    assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    assert line["body"]["model"] == "gpt-4o-mini" and line["body"]["messages"][0]["role"] == "system"
    assert line["body"]["response_format"] == {"type": "json_object"} and line["body"]["max_tokens"] > 0


def test_items_that_fail_once_are_retried_in_the_next_batch(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT, fail_when="快递", fail_times=1) as server:
        code, err, _ = batch(tmp_path, server)
        stats = server.stats()
    rep = report(tmp_path)
    assert not by_id(rep)["parcel"]["degraded"] and by_id(rep)["parcel"]["source"] == "llm"
    assert "batch_errors" not in by_id(rep)["parcel"]
    assert stats["lines_read"] == stats["answered"] + 1 and stats["answered_twice"] == 0
    assert rep["run"]["batch"]["requests"]["done_after_retry"] == 1
    assert "1 to retry" in err


def test_items_that_keep_failing_are_reported_with_their_scenario(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT, fail_when="快递", fail_times=99) as server:
        code, err, _ = batch(tmp_path, server, max_attempts=2)
        stats = server.stats()
    rep = report(tmp_path)
    parcel = by_id(rep)["parcel"]
    assert rep["summary"]["total"] == 4  # nothing dropped
    assert parcel["degraded"] and parcel["degraded_reason"] == "llm_error" and parcel["source"] == "offline"
    assert len(parcel["batch_errors"]) == 1 and "after 2 attempt(s): HTTP 500" in parcel["batch_errors"][0]
    assert rep["run"]["batch"]["scenarios_with_failed_requests"] == 1
    assert rep["run"]["batch"]["requests"]["failed"] == 1
    assert stats["lines_read"] - stats["answered"] == 2  # sent twice, then given up
    assert "1 trial(s) had LLM calls that failed after 2 attempts" in err


def test_an_expired_batch_sends_what_it_did_not_answer_again(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT, expire_batches=1, expire_after=2) as server:
        code, err, _ = batch(tmp_path, server)
        stats = server.stats()
    rep = report(tmp_path)
    assert stats["statuses"][0] == "expired" and "expired" not in stats["statuses"][1:]
    assert stats["answered_twice"] == 0 and stats["answered"] == 7  # the same calls as without expiry
    assert all("batch_errors" not in r for r in rep["results"])
    assert by_id(rep)["refund"]["attempts"] == 2
    assert rep["run"]["batch"]["by_status"]["expired"] == 1
    assert "2 to retry" in err


def test_a_batch_that_fails_whole_is_sent_again(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT, fail_batches=1) as server:
        code, err, _ = batch(tmp_path, server)
        stats = server.stats()
    rep = report(tmp_path)
    assert stats["statuses"][0] == "failed" and stats["answered"] == 7
    assert rep["run"]["batch"]["requests"]["done_after_retry"] == 4
    assert "token_limit_exceeded" in err or "failed" in err


class Stop(Exception):
    """Stands for the process being killed while it waits on a batch."""


def test_a_stopped_run_resumes_without_asking_twice(tmp_path: Path) -> None:
    async def killed(_: float) -> None:
        raise Stop

    with ScriptedBatchServer(SCRIPT, hold=True) as server:
        s = settings(server.v1, tmp_path)
        with pytest.raises(Stop):
            start_batch(options(tmp_path), s, err=io.StringIO(), out=io.StringIO(), sleep=killed)
        assert server.stats()["batches"] == 1  # submitted, then stopped while it ran
        server.control(hold=False)
        err, out = io.StringIO(), io.StringIO()
        code = resume_batch(str(tmp_path / "run"), s, err=err, out=out)
        stats = server.stats()
    assert "resuming batch run cb-" in err.getvalue()
    assert stats["answered"] == 7 and stats["answered_twice"] == 0 and stats["batches"] == 3
    assert report(tmp_path)["summary"]["total"] == 4 and code in (0, 1)


def test_a_run_stopped_between_rounds_keeps_its_answers(tmp_path: Path) -> None:
    polls = {"n": 0}

    async def stop_in_round_two(_: float) -> None:
        polls["n"] += 1

    with ScriptedBatchServer(SCRIPT, min_polls=2) as server:
        s = settings(server.v1, tmp_path)
        # stop as the second round's batch is polled: the first round's answers are on disk
        async def killed(_: float) -> None:
            if server.stats()["batches"] >= 2:
                raise Stop

        with pytest.raises(Stop):
            start_batch(options(tmp_path), s, err=io.StringIO(), out=io.StringIO(), sleep=killed)
        assert server.stats()["batches"] == 2
        code = resume_batch(str(tmp_path / "run"), s, err=io.StringIO(), out=io.StringIO(), sleep=stop_in_round_two)
        stats = server.stats()
    assert stats["answered"] == 7 and stats["answered_twice"] == 0 and stats["batches"] == 3
    assert by_id(report(tmp_path))["refund"]["attempts"] == 2


def test_resume_refuses_a_changed_scenario_file_and_an_unknown_run(tmp_path: Path) -> None:
    async def killed(_: float) -> None:
        raise Stop

    with ScriptedBatchServer(SCRIPT, hold=True) as server:
        s = settings(server.v1, tmp_path)
        with pytest.raises(Stop):
            start_batch(options(tmp_path), s, err=io.StringIO(), out=io.StringIO(), sleep=killed)
    (tmp_path / "set.yaml").write_text(SET.replace("快递三天", "快递五天"), encoding="utf-8")
    err = io.StringIO()
    assert resume_batch(str(tmp_path / "run"), s, err=err, out=io.StringIO()) == 2
    assert "changed since this run started" in err.getvalue()
    err = io.StringIO()
    assert resume_batch(str(tmp_path / "nowhere"), s, err=err, out=io.StringIO()) == 2
    assert "no batch run" in err.getvalue()
    err = io.StringIO()
    assert start_batch(options(tmp_path), s, err=err, out=io.StringIO()) == 2  # the folder holds a run
    assert "coach eval resume" in err.getvalue()


def test_no_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    err = io.StringIO()
    code = start_batch(options(tmp_path), Settings(_env_file=None), err=err, out=io.StringIO())
    assert code == 2 and "--batch needs an LLM endpoint" in err.getvalue()


def test_a_batch_created_just_before_a_stop_is_found_not_sent_again(tmp_path: Path) -> None:
    from coach.evaluation.batch.client import OpenAIBatchClient

    class LosesTheAnswer(OpenAIBatchClient):
        async def create(self, input_file_id: str, *, window: str, metadata: dict[str, str]):  # noqa: ANN201
            await super().create(input_file_id, window=window, metadata=metadata)
            raise Stop  # the batch exists, but the run never heard of it

    with ScriptedBatchServer(SCRIPT) as server:
        s = settings(server.v1, tmp_path)
        with pytest.raises(Stop):
            start_batch(options(tmp_path), s, client=LosesTheAnswer.from_settings(s), err=io.StringIO(),
                        out=io.StringIO())
        assert server.stats()["batches"] == 1
        err = io.StringIO()
        resume_batch(str(tmp_path / "run"), s, err=err, out=io.StringIO())
        stats = server.stats()
    assert stats["batches"] == 3 and stats["answered"] == 7 and stats["answered_twice"] == 0
    assert report(tmp_path)["summary"]["total"] == 4


def test_the_command_killed_mid_run_resumes(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    write_set(tmp_path)
    out = tmp_path / "run"
    with ScriptedBatchServer(SCRIPT, hold=True) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.v1, "OPENAI_API_KEY": "test",
               "COACH_CACHE_DIR": str(tmp_path / "cache")}
        cmd = [sys.executable, "-m", "coach", "eval"]
        proc = subprocess.Popen([*cmd, "run", str(tmp_path / "set.yaml"), "--batch", "--out", str(out),
                                 "--poll-interval", "0.05", "--retrieval", "lexical", "--no-cache", "--no-progress"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while server.stats()["batches"] < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert server.stats()["batches"] == 1
        server.control(hold=False)
        err, stdout = io.StringIO(), io.StringIO()  # the resume in this process: one start-up is enough
        code = resume_batch(str(out), settings(server.v1, tmp_path), err=err, out=stdout)
        stats = server.stats()
    assert code == 1, err.getvalue()
    assert "3/4 passed" in stdout.getvalue() and "resuming batch run" in err.getvalue()
    assert stats["answered"] == 7 and stats["answered_twice"] == 0 and stats["batches"] == 3


def test_an_endpoint_without_the_batch_api_is_named(tmp_path: Path) -> None:
    with ScriptedEndpoint(SCRIPT) as llm:  # a chat-completions server only
        err = io.StringIO()
        code = start_batch(options(tmp_path), settings(llm.v1, tmp_path), err=err, out=io.StringIO())
    assert code == 2 and "the endpoint has no Batch API (POST /v1/files answered 404)" in err.getvalue()
    assert list((tmp_path / "run" / "batch" / "chunks").glob("chunk-*.jsonl"))  # the files vLLM's runner reads


def test_a_round_reads_only_the_files_with_scenarios_still_waiting(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from coach.evaluation.batch import plan

    data = yaml.safe_load(SET)
    for name, ids in (("a.yaml", {"calm", "parcel"}), ("b.yaml", {"refund"})):
        subset = {"name": name, "scenarios": [s for s in data["scenarios"] if s["id"] in ids]}
        (tmp_path / name).write_text(yaml.safe_dump(subset, allow_unicode=True), encoding="utf-8")
    reads: list[str] = []
    real = plan.load_file
    monkeypatch.setattr(plan, "load_file", lambda path: (reads.append(path.name), real(path))[1])
    with ScriptedBatchServer(SCRIPT) as server:
        code, err, _ = batch(tmp_path, server, paths=(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")))
    assert code == 1, err
    # the plan, round 1 and round 2 read both; round 3 (refund's repair answered) only b.yaml
    assert reads == ["a.yaml", "b.yaml"] * 3 + ["b.yaml"]
    assert by_id(report(tmp_path))["refund"]["attempts"] == 2


def test_repeats_are_distinct_requests_grouped_per_scenario(tmp_path: Path) -> None:
    with ScriptedBatchServer(SCRIPT) as server:
        code, err, _ = batch(tmp_path, server, repeat=2, only=("calm", "refund"))
        stats = server.stats()
    rep = report(tmp_path)
    assert rep["summary"]["total"] == 2 and rep["summary"]["repeat"] == 2
    assert [len(r["trials"]) for r in rep["results"]] == [2, 2]
    assert stats["answered"] == 2 * (1 + 2) and stats["answered_twice"] == 0  # each repeat asked on its own
