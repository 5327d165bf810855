from __future__ import annotations

import os

import pytest

# Tests never talk to a real LLM or read a developer's .env.
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_BACKEND", "COACH_API_KEYS", "COACH_GUIDELINES_DIR", "COACH_PROMPTS_DIR"):
    os.environ.pop(_var, None)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "coach-cache"))


@pytest.fixture(autouse=True)
def _isolated_feedback_database(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # The service records every suggestion it sends in the feedback database: an app built with the
    # default settings must not write coach-feedback.sqlite3 into the working directory.
    monkeypatch.setenv("COACH_DATABASE", str(tmp_path_factory.getbasetemp() / "default-feedback.sqlite3"))


# PostgreSQL: one throwaway cluster for the whole session, shared by every module (a fixture
# imported into each module would be one cluster per module). `database_url` runs a test on both
# backends; see tests/pg_harness.py.
from tests.pg_harness import database_url, empty_database_url, pg_cluster, pg_shared, pg_template  # noqa: E402, F401
