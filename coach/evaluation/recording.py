"""What happens inside one trial, seen from the drafter seam.

The runner opens a `TrialLog` around each `suggest` call (a context variable, so concurrent trials
never mix); the eval's caching drafter writes into it: LLM calls, cache hits, and the violations of
drafts the pipeline rejected (they come back as `DraftRequest.feedback` on the repair call).
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from collections.abc import Iterator
from dataclasses import dataclass, field

from coach.types import Violation


@dataclass
class TrialLog:
    sample: int = 0
    drafter_calls: int = 0
    cache_hits: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def note_feedback(self, feedback: tuple[Violation, ...]) -> None:
        for violation in feedback:
            self.rejected[violation.rule] += 1


_current: ContextVar[TrialLog | None] = ContextVar("coach_eval_trial", default=None)


def current_log() -> TrialLog | None:
    return _current.get()


@contextmanager
def trial_log(sample: int = 0) -> Iterator[TrialLog]:
    log = TrialLog(sample=sample)
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)
