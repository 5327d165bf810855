"""Structured logs: one JSON object per line, the request id on every line, customer PII redacted.

The request id lives in a context variable that the request middleware sets, so any code running
for a request (routes, the pipeline, worker threads started with asyncio.to_thread, which copy
the context) can read it with `current_request_id()` without passing it around.

`redact()` is pure and applied by the formatter to the message, every string field and the
traceback, so a customer's phone number typed into a turn never reaches the log store.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("coach_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return request_id_var.get()


# Order matters: the most specific shapes first, so an 18-digit ID number or a phone number with
# its country code is not taken for a bank card, and an e-mail's digits not for a phone number.
_PII_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[EMAIL]", re.compile(r"[\w.+%-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    # Mainland resident ID: region(6) + birth date(8) + sequence(3) + check digit or X.
    ("[ID]", re.compile(r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])")),
    # Mainland mobiles, with or without +86 and with optional 3-4-4 grouping.
    ("[PHONE]", re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")),
    # Landlines: area code 0xx or 0xxx, optional dash or space, then 7-8 digits (010-82794120).
    ("[PHONE]", re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?:-\d{1,5})?(?!\d)")),
    # Bank cards: 13 to 19 digits, optionally grouped by spaces or dashes.
    ("[CARD]", re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")),
    # International numbers written with a plus, and North American (415) 555-0100.
    ("[PHONE]", re.compile(r"\+\d{1,3}(?:[ -]?\d{2,4}){2,5}(?!\d)")),
    ("[PHONE]", re.compile(r"\(\d{3}\)\s?\d{3}[ -]\d{4}(?!\d)")),
)


# Customers often type full-width digits (１３８...); fold them so the patterns see them.
_FOLD_DIGITS = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "\uff0d": "-", "\uff0b": "+", "\u3000": " "})


def redact(text: str) -> str:
    """Replace phone, ID card, bank card numbers and e-mail addresses with placeholders."""
    text = text.translate(_FOLD_DIGITS)
    for placeholder, pattern in _PII_PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(str(value))


_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "request_id", "color_message", "taskName"}


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id (or None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id, extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = _redact_value(value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, redacted all the same."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return redact(super().format(record))


def log_config(level: str = "info", fmt: str = "json") -> dict[str, Any]:
    """A logging.config.dictConfig dict for uvicorn (applied in every worker process)."""
    lvl = level.upper()
    formatter = "coach.logging_setup.JsonFormatter" if fmt == "json" else "coach.logging_setup.TextFormatter"
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "coach.logging_setup.RequestIdFilter"}},
        "formatters": {"default": {"()": formatter}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": lvl, "propagate": False},
            "uvicorn.error": {"level": lvl},
            "uvicorn.access": {"handlers": ["default"], "level": lvl, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": lvl},
    }
