"""coach.ast_guard: every ast.parse in the process (ast.literal_eval's, numpy's .npy headers',
Hypothesis's) runs under one lock, so CPython 3.11's shared AST recursion counter is never
used by two threads at once."""

from __future__ import annotations

import ast
import io

import numpy as np
import pytest

import coach  # noqa: F401 - installs the guard
from coach import ast_guard


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each real parse the guard lets through, and whether the lock was held for it."""
    seen: list[bool] = []
    real = ast_guard._parse

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(ast_guard._LOCK._is_owned())  # type: ignore[attr-defined]
        return real(*args, **kwargs)

    monkeypatch.setattr(ast_guard, "_parse", recording)
    return seen


def test_ast_parse_runs_under_the_lock(calls: list[bool]) -> None:
    ast.parse("x = 1")
    assert calls == [True]


def test_literal_eval_and_numpy_headers_go_through_it(calls: list[bool]) -> None:
    assert ast.literal_eval("[1, (2, 3)]") == [1, (2, 3)]
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3))
    buffer.seek(0)
    assert np.load(buffer).tolist() == [0, 1, 2]
    assert len(calls) >= 2 and all(calls)


def test_installing_twice_wraps_once() -> None:
    ast_guard.install()
    assert ast.parse is ast_guard._one_at_a_time
