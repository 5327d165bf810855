"""Feedback: the store, POST/GET /v1/feedback, and `coach feedback export` to scenarios.

Every test that touches the database runs twice, on a SQLite file and on a real PostgreSQL server
(`database_url`, tests/pg_harness.py). The schema's migrations and the start-up check are in
tests/test_feedback_schema.py; several servers on one database in tests/test_feedback_servers.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings
from coach.db import make_engine, parse_database
from coach.db.schema import feedback, suggestions_shown
from coach.errors import ProtectedPath
from coach.evaluation.scenarios import load_paths
from coach.evaluation.shipped import refuse_shipped_sets, shipped_sets_folder
from coach.feedback import FeedbackEntry, FeedbackStore, ShownRecord, _verbatim, scenarios_from_feedback
from coach.types import Conversation



CONV = {
    "locale": "zh-CN",
    "turns": [{"role": "customer", "text": "你们到底能不能解决？不行就叫你们领导来！", "round": 1}],
}


def _entry(verdict: str, text: str = "很抱歉让您久等了，我马上为您核实。", **kw: object) -> FeedbackEntry:
    return FeedbackEntry(verdict=verdict, suggestion=text, request_id="r-1",
                         conversation=Conversation.model_validate(CONV), **kw)  # type: ignore[arg-type]


def rows(url: str, table: sa.Table = feedback) -> list[dict[str, object]]:
    """The table's rows, read straight from the database (not through the store)."""
    engine = make_engine(parse_database(url))
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]
    finally:
        engine.dispose()


def test_store_round_trip_and_counts(database_url: str) -> None:
    store = FeedbackStore(database_url)
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
    store.dispose()


def test_sqlite_file_and_its_folder_are_made_on_first_use(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "fb.db")
    assert store.add(_entry("accepted")).id == 1 and (tmp_path / "sub" / "fb.db").is_file()
    store.dispose()


def test_edit_distance_and_dimensions_are_stored(database_url: str) -> None:
    store = FeedbackStore(database_url)
    conversation = Conversation.model_validate(
        {"turns": [{"role": "customer", "text": "你們到底能不能解決？不行就叫你們領導來！"}]})
    # What the service recorded when it sent the suggestion response...
    store.record_shown(ShownRecord(request_id="r-shown", shown=2, template="reply@v1", model="qwen2.5",
                                   degraded=True), conversation)
    # ...fills what a verdict leaves out; what the verdict says wins.
    edited = store.add(FeedbackEntry(verdict="edited", suggestion="您好，我馬上為您處理。", final_text="您好，我馬上為您查詢。",
                                     request_id="r-shown", model="sent-by-desk"))
    assert (edited.template, edited.model, edited.degraded, edited.locale) == ("reply@v1", "sent-by-desk", True, "zh-TW")
    assert edited.strategy and edited.edit_distance == 2 and edited.edit_ratio == pytest.approx(2 / 11, abs=1e-4)
    # No record of the response: strategy and locale are read from the conversation.
    plain = store.add(FeedbackEntry(verdict="accepted", suggestion="Sure.", request_id="r-unknown",
                                    conversation=Conversation.model_validate(
                                        {"turns": [{"role": "customer", "text": "Where is my parcel? Get me your manager."}]})))
    assert plain.locale == "en" and plain.strategy and plain.template is None and plain.edit_distance == 0
    rejected = store.add(FeedbackEntry(verdict="rejected", suggestion="x", request_id="r-none"))
    assert (rejected.edit_distance, rejected.strategy, rejected.locale) == (None, None, None)
    stored = rows(database_url)
    assert [(r["template"], r["model"], r["locale"], r["edit_distance"], r["degraded"]) for r in stored] == [
        ("reply@v1", "sent-by-desk", "zh-TW", 2, True), (None, None, "en", 0, None), (None, None, None, None, None)]
    shown = rows(database_url, suggestions_shown)
    assert [(r["request_id"], r["shown"], r["locale"]) for r in shown] == [("r-shown", 2, "zh-TW")]
    assert shown[0]["strategy"] == stored[0]["strategy"]
    store.dispose()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(_env_file=None, COACH_DATABASE=database_url, COACH_BACKEND="offline")  # type: ignore[call-arg]
    app = create_app(settings)
    yield TestClient(app)
    app.state.feedback.store.dispose()  # no connection left open on the server


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


def test_posted_feedback_lands_in_the_database_and_listing(client: TestClient, database_url: str) -> None:
    client.post("/v1/feedback", json={"verdict": "rejected", "suggestion": "不行", "request_id": "abc", "conversation": CONV})
    client.post("/v1/feedback", json={"verdict": "accepted", "suggestion": "好的", "request_id": "abd"})
    stored = rows(database_url)
    assert [(r["verdict"], r["request_id"]) for r in stored] == [("rejected", "abc"), ("accepted", "abd")]
    assert json.loads(str(stored[0]["conversation_json"]))["turns"][0]["text"] == CONV["turns"][0]["text"]
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


def test_export_builds_loadable_scenarios(tmp_path, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = database_url
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

    as_json = tmp_path / "runs" / "fresh" / "feedback.json"  # folders that do not exist yet are made
    assert main(["feedback", "export", "--db", str(db), "--out", str(as_json)]) == 0
    assert len(json.loads(as_json.read_text(encoding="utf-8"))["scenarios"]) == 2
    assert main(["feedback", "stats", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"accepted": 1, "edited": 1, "rejected": 2}


def test_export_without_cases_or_database(tmp_path, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    if "://" in database_url:
        missing = database_url.rsplit("/", 1)[0] + "/no_such_database"
        said = "no_such_database"
    else:
        missing = str(tmp_path / "missing.db")
        said = f"no feedback database at {missing}"
    assert main(["feedback", "export", "--db", missing]) == 2
    assert said in capsys.readouterr().err
    assert not Path(missing).exists()  # reading never makes a database
    FeedbackStore(database_url).add(_entry("accepted"))
    assert main(["feedback", "export", "--db", database_url]) == 1
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
