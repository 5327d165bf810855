"""A circuit breaker for the LLM endpoint: fail fast while it is down.

Every suggestion against a dead endpoint would otherwise spend its retries and backoff before the
offline drafter answers (3-5 s each in the fault benchmark). After `threshold` consecutive failed
attempts (connection refused, timeout, 5xx) the circuit opens: calls are refused at once and
retries in progress stop, for `cooldown_s`; then a single trial call goes through (half-open), and
its outcome closes the circuit or opens it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, threshold: int = 5, cooldown_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold  # 0 disables the breaker
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        cooled = self._clock() - self._opened_at >= self.cooldown_s
        return "half_open" if cooled else "open"

    def allow(self) -> bool:
        """May a call go out now? In the half-open state only one trial call at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def release(self) -> None:
        """The call that was let through ended without a verdict (cancelled, or a failure that
        says nothing of the endpoint's health): the next call may be the trial."""
        self._trial_in_flight = False

    def failure(self) -> None:
        self._failures += 1
        self._trial_in_flight = False
        if self.threshold and (self._opened_at is not None or self._failures >= self.threshold):
            self._opened_at = self._clock()
