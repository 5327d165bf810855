"""Typed errors with one root. The API layer alone maps them to HTTP statuses."""

from __future__ import annotations


class CoachError(Exception):
    """Root of every error coach raises on purpose."""

    code = "coach_error"

    def __init__(self, message: str, *, detail: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidInput(CoachError):
    """The caller sent something coach cannot use (bad query, bad JSON, out-of-range k...)."""

    code = "invalid_input"


class NotFound(CoachError):
    """A named thing (passage id, template, run) does not exist."""

    code = "not_found"


class ConfigError(CoachError):
    """Settings or files coach was pointed at are unusable (missing folder, binary file...)."""

    code = "config_error"


class TemplateError(CoachError):
    """A prompt template failed to load or render; message names file and line."""

    code = "template_error"


class NotReady(CoachError):
    """The service is still loading (guideline index not ready)."""

    code = "not_ready"


class Overloaded(CoachError):
    """Too much work in flight; the caller should retry after `retry_after` seconds."""

    code = "overloaded"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMError(CoachError):
    """The LLM endpoint failed (HTTP error, timeout, garbage). `kind` names the failure."""

    code = "llm_error"

    def __init__(self, message: str, *, kind: str = "llm_error") -> None:
        super().__init__(message)
        self.kind = kind


class ProtectedPath(InvalidInput):
    """A write would land among files coach ships and pins (the scenario sets under eval/scenarios/)."""

    code = "protected_path"


class SchemaMismatch(ConfigError):
    """The database's schema is not the one this coach was written for (behind: run
    `coach db upgrade`; ahead: a newer coach migrated it). Nothing is read or written."""

    code = "schema_mismatch"


class StoreUnavailable(CoachError):
    """The feedback database cannot be reached or refused the operation; the caller should retry
    after `retry_after` seconds. Nothing was stored."""

    code = "store_unavailable"

    def __init__(self, message: str, *, retry_after: float = 5.0, unreachable: bool = True) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable  # False: the database answered, and refused
