from __future__ import annotations

import os

import pytest

# Tests never talk to a real LLM or read a developer's .env.
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_BACKEND", "COACH_API_KEYS", "COACH_GUIDELINES_DIR", "COACH_PROMPTS_DIR"):
    os.environ.pop(_var, None)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "coach-cache"))
