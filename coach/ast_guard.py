"""One ast.parse at a time in the process.

CPython 3.11 keeps the AST constructor's recursion count in per-interpreter state, not per thread:
two ast.parse calls at once fail with "SystemError: AST constructor recursion depth mismatch". The
service loads its numpy files in several threads at start-up (the validator's heads beside the
guideline vectors and the term bridge), and numpy reads every .npy header with ast.literal_eval,
which calls ast.parse. Installed once, when the package is imported.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.RLock()
_parse = ast.parse


def _one_at_a_time(*args: Any, **kwargs: Any) -> Any:
    with _LOCK:
        return _parse(*args, **kwargs)


def install() -> None:
    """Wrap ast.parse (ast.literal_eval looks `parse` up in the ast module, so it is covered too)."""
    if ast.parse is not _one_at_a_time:
        ast.parse = _one_at_a_time  # type: ignore[assignment]
