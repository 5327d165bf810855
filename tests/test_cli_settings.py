"""A bad setting in the environment is a plain error naming the variable, never a traceback."""

from __future__ import annotations

import pytest

from coach.cli import main
from coach.config import get_settings


@pytest.mark.parametrize(("env", "value"), [
    ("COACH_MAX_REPAIRS", "99"),
    ("COACH_DEADLINE_S", "soon"),
    ("COACH_MODEL_PRICES", "nonsense"),
    ("COACH_BACKEND", "gpt"),
])
def test_a_bad_setting_names_the_variable(monkeypatch, capsys, env: str, value: str) -> None:
    monkeypatch.setenv(env, value)
    get_settings.cache_clear()
    try:
        assert main(["guidelines", "search", "退款", "-k", "1"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("coach: error: bad setting") and env in err and "Traceback" not in err
