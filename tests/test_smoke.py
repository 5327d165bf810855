"""The skeleton holds together: the app answers liveness, the CLI parses, settings resolve."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.cli import build_parser
from coach.config import Settings


def test_healthz_answers() -> None:
    with TestClient(create_app(Settings())) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "sk-x"}, "openai"),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, "openai"),
        ({"OPENAI_API_KEY": "sk-x", "COACH_BACKEND": "offline"}, "offline"),
    ],
)
def test_backend_resolution(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], backend: str) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert Settings(_env_file=None).resolved_backend == backend


def test_cli_lists_every_command() -> None:
    help_text = build_parser().format_help()
    for command in ("serve", "suggest", "validate", "guidelines", "prompts", "eval"):
        assert command in help_text
