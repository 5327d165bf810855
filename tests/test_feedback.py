"""Feedback: the SQLite store, POST/GET /v1/feedback, and `coach feedback export` to scenarios."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings
from coach.errors import ProtectedPath
from coach.evaluation.scenarios import load_paths
from coach.evaluation.shipped import refuse_shipped_sets, shipped_sets_folder
from coach.feedback import FeedbackEntry, FeedbackStore, _verbatim, scenarios_from_feedback
from coach.types import Conversation

CONV = {
    "locale": "zh-CN",
    "turns": [{"role": "customer", "text": "你们到底能不能解决？不行就叫你们领导来！", "round": 1}],
}


def _entry(verdict: str, text: str = "很抱歉让您久等了，我马上为您核实。", **kw: object) -> FeedbackEntry:
    return FeedbackEntry(verdict=verdict, suggestion=text, request_id="r-1",
                         conversation=Conversation.model_validate(CONV), **kw)  # type: ignore[arg-type]


def test_store_round_trip_and_counts(tmp_path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "fb.db")
    a = store.add(_entry("accepted", degraded=False, source="llm"))
    e = store.add(_entry("edited", final_text="您好，我马上核实并在今天下午回电。"))
    r = store.add(FeedbackEntry(verdict="rejected", suggestion="x", request_id="r-2", reason="too vague"))
    assert (a.id, e.id, r.id) == (1, 2, 3) and a.created_at
    assert store.counts() == {"accepted": 1, "edited": 1, "rejected": 1}
    back = store.entries(("edited", "rejected"))
    assert [x.verdict for x in back] == ["edited", "rejected"]
    assert back[0].conversation == Conversation.model_validate(CONV)
    assert back[0].final_text == "您好，我马上核实并在今天下午回电。"
    assert back[1].conversation is None and back[1].reason == "too vague"
    assert store.entries(("accepted",))[0].degraded is False
    assert [x.id for x in store.entries(newest_first=True, limit=2)] == [3, 2]


@pytest.fixture
def client(tmp_path) -> TestClient:
    settings = Settings(_env_file=None, COACH_DATABASE=str(tmp_path / "fb.db"), COACH_BACKEND="offline")  # type: ignore[call-arg]
    return TestClient(create_app(settings))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"verdict": "accepted", "suggestion": "好的", "request_id": "r"}, 201),
        ({"verdict": "rejected", "suggestion": "好的", "request_id": "r", "reason": "off topic", "conversation": CONV}, 201),
        ({"verdict": "edited", "suggestion": "好的", "request_id": "r", "final_text": "好的，马上处理"}, 201),
        ({"verdict": "edited", "suggestion": "好的", "request_id": "r"}, 422),
        ({"verdict": "edited", "suggestion": "好的", "request_id": "r", "final_text": "  "}, 422),
        ({"verdict": "liked", "suggestion": "好的", "request_id": "r"}, 422),
        ({"verdict": "accepted", "suggestion": "", "request_id": "r"}, 422),
        ({"verdict": "accepted", "suggestion": "   ", "request_id": "r"}, 422),
        ({"verdict": "accepted", "suggestion": "好的"}, 422),
        ({"verdict": "accepted", "suggestion": "好的", "request_id": "r", "suggestion_index": 3}, 422),
        ({"verdict": "accepted", "suggestion": "好的", "request_id": "r", "surprise": 1}, 422),
        ({"verdict": "accepted", "suggestion": "x" * 4001, "request_id": "r"}, 422),
        ({"verdict": "accepted", "suggestion": "好的", "request_id": "r", "conversation": {"turns": []}}, 422),
    ],
)
def test_post_feedback(client: TestClient, body: dict[str, object], status: int) -> None:
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["verdict"] == body["verdict"]
    else:
        assert response.json()["error"]["code"] == "invalid_input"


def test_posted_feedback_lands_in_sqlite_and_listing(client: TestClient, tmp_path) -> None:
    client.post("/v1/feedback", json={"verdict": "rejected", "suggestion": "不行", "request_id": "abc", "conversation": CONV})
    client.post("/v1/feedback", json={"verdict": "accepted", "suggestion": "好的", "request_id": "abd"})
    rows = sqlite3.connect(tmp_path / "fb.db").execute("SELECT verdict, request_id, conversation_json FROM feedback ORDER BY id").fetchall()
    assert [(v, r) for v, r, _ in rows] == [("rejected", "abc"), ("accepted", "abd")]
    assert json.loads(rows[0][2])["turns"][0]["text"] == CONV["turns"][0]["text"]
    listing = client.get("/v1/feedback/recent", params={"limit": 1}).json()
    assert listing["counts"] == {"accepted": 1, "edited": 0, "rejected": 1}
    assert [i["request_id"] for i in listing["items"]] == ["abd"]
    assert client.get("/v1/feedback/recent", params={"verdict": "rejected"}).json()["items"][0]["suggestion"] == "不行"
    assert "coach_feedback_total" in client.get("/metrics").text


@given(st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_verbatim_pattern_matches_only_that_reply(text: str) -> None:
    pattern = re.compile(_verbatim(text))
    assert pattern.search(text)
    assert pattern.search(f"  {' '.join(text.split())}\n")
    assert not pattern.search(text + "再见了")


def test_export_builds_loadable_scenarios(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "fb.db"
    store = FeedbackStore(db)
    store.add(_entry("accepted"))
    store.add(_entry("edited", text="这事我定不了。", final_text="我来跟进，今天下午回电给您。"))
    store.add(_entry("rejected", text="请稍等。", reason="too short"))
    store.add(FeedbackEntry(verdict="rejected", suggestion="no conversation", request_id="r-9"))
    out = tmp_path / "feedback.yaml"
    assert main(["feedback", "export", "--db", str(db), "--out", str(out)]) == 0
    assert "1 case(s) skipped" in capsys.readouterr().err
    loaded = load_paths([out])
    assert not loaded.errors
    scenarios = [s.scenario for s in loaded.scenarios]
    assert [s.tags for s in scenarios] == [["feedback", "edited"], ["feedback", "rejected"]]
    edited, rejected = scenarios
    assert "今天下午回电" in edited.description
    assert re.search(edited.expect.must_not_match[0], "这事我定不了。")
    assert not re.search(rejected.expect.must_not_match[0], "请稍等，我马上为您核实。")
    assert rejected.conversation.turns[0].text == CONV["turns"][0]["text"]

    as_json = tmp_path / "feedback.json"
    assert main(["feedback", "export", "--db", str(db), "--out", str(as_json)]) == 0
    assert len(json.loads(as_json.read_text(encoding="utf-8"))["scenarios"]) == 2
    assert main(["feedback", "stats", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"accepted": 1, "edited": 1, "rejected": 2}


def test_export_without_cases_or_database(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feedback", "export", "--db", str(tmp_path / "missing.db")]) == 2
    db = tmp_path / "fb.db"
    FeedbackStore(db).add(_entry("accepted"))
    assert main(["feedback", "export", "--db", str(db)]) == 1
    assert "no edited or rejected case" in capsys.readouterr().err


def test_scenarios_skip_accepted() -> None:
    document, skipped = scenarios_from_feedback([_entry("accepted")])
    assert document["scenarios"] == [] and skipped == 0


def _checkout(root: Path) -> Path:
    """A folder laid out as a coach checkout: shipped sets beside the baselines that pin them."""
    (root / "eval" / "scenarios").mkdir(parents=True)
    (root / "eval" / "baselines" / "offline").mkdir(parents=True)
    (root / "own" / "eval" / "scenarios").mkdir(parents=True)  # someone's sets, no baseline pins them
    return root


@pytest.mark.parametrize(
    ("out", "force", "refused"),
    [
        ("eval/scenarios/from-feedback.yaml", False, True),  # the README's old example
        ("eval/scenarios/feedback/cases.json", False, True),
        ("./eval/../eval/scenarios/x.yml", False, True),
        ("eval/scenarios/from-feedback.yaml", True, False),
        ("runs/feedback.yaml", False, False),
        ("eval/feedback.yaml", False, False),
        ("own/eval/scenarios/feedback.yaml", False, False),
    ],
)
def test_export_keeps_out_of_the_shipped_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], out: str, force: bool,
                                              refused: bool) -> None:
    monkeypatch.chdir(_checkout(tmp_path))
    FeedbackStore(tmp_path / "fb.db").add(_entry("rejected", text="请稍等。"))
    argv = ["feedback", "export", "--db", str(tmp_path / "fb.db"), "--out", out] + (["--force"] if force else [])
    (tmp_path / out).parent.mkdir(parents=True, exist_ok=True)
    status = main(argv)
    err = capsys.readouterr().err
    assert (tmp_path / out).exists() is not refused
    if refused:
        assert status == 2
        assert err.startswith(f"coach: error: --out {out} is inside the shipped scenario sets (eval/scenarios/)")
        assert "--out runs/feedback.yaml" in err and "--force" in err
    else:
        assert status == 0 and not load_paths([tmp_path / out]).errors


def test_the_real_shipped_sets_are_protected() -> None:
    shipped = Path(__file__).resolve().parents[1] / "eval" / "scenarios"
    assert shipped_sets_folder(shipped / "from-feedback.yaml") == shipped
    with pytest.raises(ProtectedPath) as caught:
        refuse_shipped_sets(shipped / "from-feedback.yaml", option="--out", example="runs/feedback.yaml")
    assert str(shipped / "from-feedback.yaml") in caught.value.message
    assert not (shipped / "from-feedback.yaml").exists()
