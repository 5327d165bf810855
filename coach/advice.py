"""What to tell an operator when answers come back degraded, and telling it once.

A degraded answer is a valid one (the offline drafter's), so nothing fails loudly: with a slow
self-hosted model and the default deadline every suggestion can come back `degraded: timeout` and
the only trace is a field in the JSON. `degraded_advice()` says in one plain line why the LLM path
gave nothing and which setting to change; `DegradedNotices` logs that line at warning level the
first time each cause is seen (per process), never on every request, and keeps the last one for
`coach suggest` to print.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from coach.config import Settings
from coach.errors import CoachError

log = logging.getLogger("coach.pipeline")

_DOCTOR = "`coach doctor` measures the endpoint and recommends values"


def _status(error: BaseException | None) -> int | None:
    """The HTTP status behind an LLM error (the SDK's exception is its cause), if any."""
    while error is not None:
        status = getattr(error, "status_code", None)
        if isinstance(status, int):
            return status
        error = error.__cause__
    return None


def _base_url(settings: Settings) -> str:
    return settings.openai_base_url or "https://api.openai.com/v1"


def _llm_error_cause(error: BaseException | None, settings: Settings) -> tuple[str, str]:
    """(key, why and what to change) for an `llm_error`."""
    from coach.drafting.llm_transport import endpoint_hint

    kind = getattr(error, "kind", "llm_error")
    status = _status(error)
    base = _base_url(settings)
    if status in (401, 403) or kind == "auth":
        return "auth", (f"the endpoint refused the key ({status or 401}): set OPENAI_API_KEY to a key "
                        f"{base} accepts")
    if status == 404:
        cause = error.__cause__ if error is not None and error.__cause__ is not None else error
        why = endpoint_hint(cause, base).strip(" ()") if cause is not None else ""
        return "not_found", (f"{why or 'the endpoint answered 404: does OPENAI_BASE_URL end with /v1?'}; "
                             f"check OPENAI_BASE_URL={base} and COACH_MODEL={settings.model}")
    if kind == "connection":
        return kind, (f"cannot reach the endpoint at OPENAI_BASE_URL={base}: is the model server running, "
                      "and is that its address?")
    if kind == "circuit_open":
        return kind, ("the endpoint kept failing, so it is skipped for COACH_LLM_BREAKER_COOLDOWN_S="
                      f"{settings.llm_breaker_cooldown_s:g} s at a time; the errors before this say why")
    if kind == "rate_limited":
        return kind, "the endpoint keeps answering 429 (rate limited): raise its limits or lower the load"
    if kind == "server_error":
        return kind, "the endpoint keeps failing with 5xx errors: its own log says why"
    if kind == "length":
        return kind, (f"the model's replies were cut off at COACH_MAX_TOKENS={settings.max_tokens}: "
                      "raise COACH_MAX_TOKENS")
    if kind in ("empty", "malformed", "no_choices"):
        return kind, (f"the model gave no usable reply ({kind}): is COACH_MODEL={settings.model} a chat model "
                      "this server serves?")
    message = error.message if isinstance(error, CoachError) else (str(error) if error else "")
    return kind, f"the endpoint failed{': ' + message if message else ''}"


def degraded_advice(reason: str, error: BaseException | None, settings: Settings) -> tuple[str, str]:
    """(key, one plain line) for a degraded answer: why the offline drafter answered and what to change.

    `key` tells causes apart finer than `reason` (a 401 and a 404 are both `llm_error`)."""
    if reason == "timeout":
        return "timeout", (
            f"answers are degraded (timeout): the model did not answer within COACH_DEADLINE_S="
            f"{settings.deadline_s:g} s for the whole suggestion (COACH_LLM_TIMEOUT_S={settings.llm_timeout_s:g} s "
            f"per call), so the offline drafter answered; a slow or self-hosted model needs more: raise both "
            f"({_DOCTOR})")
    if reason == "llm_error":
        key, why = _llm_error_cause(error, settings)
        return f"llm_error:{key}", f"answers are degraded (llm_error): {why}; the offline drafter answered meanwhile"
    if reason == "invalid_after_repair":
        return reason, (
            f"answers are degraded (invalid_after_repair): every draft broke a validator rule even after "
            f"COACH_MAX_REPAIRS={settings.max_repairs} repairs, so the offline drafter answered; a stronger "
            f"COACH_MODEL or more COACH_MAX_REPAIRS may help")
    if reason == "template_error":
        where = f"in COACH_PROMPTS_DIR={settings.prompts_dir}" if settings.prompts_dir else "(the error is logged)"
        return reason, (f"answers are degraded (template_error): the prompt template could not be rendered "
                        f"{where}, so the offline drafter answered; fix the template")
    return reason, f"answers are degraded ({reason}): the offline drafter answered"


@dataclass
class DegradedNotices:
    """Says each cause of degraded answers once: a warning in `logger` (None: only kept in `last`)."""

    settings: Settings
    logger: logging.Logger | None = log
    last: str | None = None
    _said: set[str] = field(default_factory=set)

    def note(self, reason: str, error: BaseException | None = None) -> str:
        key, advice = degraded_advice(reason, error, self.settings)
        self.last = advice
        if key not in self._said:
            self._said.add(key)
            if self.logger is not None:
                self.logger.warning("%s", advice, extra={"degraded_reason": reason})
        return advice
