"""GET /v1/guidelines/search and /v1/guidelines/{id}, and `coach guidelines`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings
from tests.fakes_knowledge import bundled_kb  # noqa: F401  (fixture)


@pytest.fixture
def client(tmp_path: Path, bundled_kb) -> TestClient:  # noqa: F811
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(tmp_path / "fb.db"))  # type: ignore[call-arg]
    app = create_app(settings)
    app.state.runtime.knowledge = bundled_kb  # loaded as the lifespan would, without its warm-up
    return TestClient(app)


@pytest.mark.parametrize("q", ["叫你们领导来接电话", "叫你們領導來接電話", "I want to speak to your manager"])
def test_search_answers_in_every_script(client: TestClient, q: str) -> None:
    r = client.get("/v1/guidelines/search", params={"q": q, "k": 3})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 3
    assert set(passages[0]) >= {"id", "source", "title", "text", "score"}
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)


def test_default_k_is_five(client: TestClient) -> None:
    assert len(client.get("/v1/guidelines/search", params={"q": "客户"}).json()["passages"]) == 5


@pytest.mark.parametrize(
    "params",
    [{"q": ""}, {"q": "   "}, {}, {"q": "领导", "k": 0}, {"q": "领导", "k": 51}, {"q": "领导", "k": "x"}, {"q": "领" * 4001}],
)
def test_bad_queries_are_4xx_with_a_json_reason(client: TestClient, params: dict) -> None:
    r = client.get("/v1/guidelines/search", params=params)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_input"


def test_unknown_terms_give_an_empty_list(client: TestClient) -> None:
    r = client.get("/v1/guidelines/search", params={"q": "xyzzy qwerty"})
    assert r.status_code == 200 and r.json() == {"passages": []}


def test_get_one_passage_by_id(client: TestClient, bundled_kb) -> None:  # noqa: F811
    first = bundled_kb.passages[0]
    r = client.get(f"/v1/guidelines/{first.id}")
    assert r.status_code == 200 and r.json()["text"] == first.text
    missing = client.get("/v1/guidelines/p-999-000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_not_ready_is_503(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(tmp_path / "fb.db"))  # type: ignore[call-arg]
    r = TestClient(create_app(settings)).get("/v1/guidelines/search", params={"q": "领导"})
    assert r.status_code == 503


# -- the CLI ----------------------------------------------------------------------------------------
def test_cli_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["guidelines", "search", "叫领导来接电话", "-k", "2", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert len(body["passages"]) == 2 and body["passages"][0]["id"].startswith("p-")


def test_cli_search_text_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["guidelines", "search", "代金券", "-k", "1"]) == 0
    out = capsys.readouterr().out
    pid = out.split()[1]
    assert pid.startswith("p-001-")
    assert main(["guidelines", "show", pid]) == 0
    assert "代金券" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["guidelines", "search", "  "], "query is empty"),
        (["guidelines", "search", "领导", "-k", "0"], "k must be"),
        (["guidelines", "show", "p-404-404"], "p-404-404"),
    ],
)
def test_cli_errors_exit_2(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_cli_names_the_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from coach.config import get_settings

    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "broken.txt").write_bytes(b"\xff\xfe\xfa not utf-8")
    monkeypatch.setenv("COACH_GUIDELINES_DIR", str(tmp_path / "g"))
    get_settings.cache_clear()
    try:
        assert main(["guidelines", "search", "领导"]) == 2
    finally:
        get_settings.cache_clear()
    assert "broken.txt" in capsys.readouterr().err


def test_passages_come_in_the_querys_script_with_the_source_kept(client: TestClient) -> None:
    """The bundled articles are Traditional: a Simplified query reads Simplified, the source's
    words one field away; a Traditional query reads Traditional; English gets the source."""
    from coach.text import detect_script

    hans = client.get("/v1/guidelines/search", params={"q": "叫你们领导来接电话", "k": 3}).json()["passages"]
    for p in hans:
        assert detect_script(p["text"]) == "zh-Hans"
        assert p["original_text"] and detect_script(p["original_text"]) == "zh-Hant"
    hant = client.get("/v1/guidelines/search", params={"q": "叫你們領導來接電話", "k": 3}).json()["passages"]
    assert all(detect_script(p["text"]) == "zh-Hant" for p in hant)
    english = client.get("/v1/guidelines/search", params={"q": "I want your manager", "k": 3}).json()["passages"]
    assert all(p["original_text"] is None for p in english)
