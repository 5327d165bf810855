"""The report's figures: frozen values built from the per-view sums by pure functions.

- shown: suggestions the service sent to agents (each candidate of a response counts);
- used: suggestions the agent sent, as they were (accepted) or after changing them (edited);
- rejected: suggestions the agent turned down;
- acceptance rate: used / shown; edit rate: edited / used;
- edit distance: between the suggestion and what the agent sent, for edited ones: characters
  changed (Levenshtein) and the share of the longer text changed, both as means.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict

from coach.errors import InvalidInput

# The breakdowns, in the order the report shows them: (dimension, heading).
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("template", "template version"), ("model", "model"), ("strategy", "strategy"), ("locale", "locale"),
    ("degraded", "degraded"),
)
UNKNOWN = "(unknown)"
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")
MAX_DAYS = 3660


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figures(Frozen):
    shown: int = 0
    used: int = 0
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    acceptance_rate: float | None = None
    edit_rate: float | None = None
    edit_distance_mean: float | None = None
    edit_ratio_mean: float | None = None


class Group(Figures):
    key: str


class Breakdown(Frozen):
    dimension: str
    heading: str
    groups: tuple[Group, ...]


class ReportRange(Frozen):
    """Days `first` to `last`, both included, in the time zone `utc_offset` (e.g. +08:00)."""

    first: date
    last: date
    utc_offset_minutes: int = 0

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_minutes))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the range (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), self.zone).astimezone(UTC)

    @property
    def offset_text(self) -> str:
        sign = "-" if self.utc_offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.utc_offset_minutes), 60)
        return f"{sign}{hours:02d}:{minutes:02d}"

    def days(self) -> list[str]:
        return [(self.first + timedelta(days=i)).isoformat() for i in range((self.last - self.first).days + 1)]


class Report(Frozen):
    database: str
    range: ReportRange
    generated_at: str
    totals: Figures
    breakdowns: tuple[Breakdown, ...]
    days: tuple[Group, ...]  # one per day of the range, empty days included
    query_ms: dict[str, float]


def parse_offset(text: str) -> int:
    """Minutes east of UTC from `+08:00`, `-05:30`, `+8` or `Z`; InvalidInput naming --utc-offset."""
    value = text.strip().upper()
    if value in ("Z", "UTC"):
        return 0
    match = _OFFSET.fullmatch(value)
    total = int(match.group(2)) * 60 + int(match.group(3) or 0) if match else -1
    if match is None or int(match.group(3) or 0) >= 60 or total > 14 * 60:
        raise InvalidInput(f"--utc-offset {text!r} is not an offset from UTC such as +08:00 or -05:00")
    return -total if match.group(1) == "-" else total


def make_range(first: str | None, last: str | None, utc_offset: str = "+00:00", *, today: date | None = None) -> ReportRange:
    """The range of `--from` and `--to` (YYYY-MM-DD, both included); by default the 30 days to today."""
    offset = parse_offset(utc_offset)
    today = today or datetime.now(timezone(timedelta(minutes=offset))).date()
    try:
        end = date.fromisoformat(last) if last else today
    except ValueError:
        raise InvalidInput(f"--to {last!r} is not a date of the form 2025-05-31") from None
    try:
        start = date.fromisoformat(first) if first else end - timedelta(days=29)
    except ValueError:
        raise InvalidInput(f"--from {first!r} is not a date of the form 2025-05-01") from None
    if start > end:
        raise InvalidInput(f"--from {start} is after --to {end}")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"the range {start} to {end} is longer than {MAX_DAYS} days")
    return ReportRange(first=start, last=end, utc_offset_minutes=offset)


def _ratio(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def figures(sums: dict[str, Any]) -> dict[str, Any]:
    """The figures of one group from its sums (shown, accepted, edited, rejected, measured,
    distance_sum, ratio_sum); missing sums count as 0."""
    shown, accepted, edited, rejected = (int(sums.get(k) or 0) for k in ("shown", "accepted", "edited", "rejected"))
    measured = int(sums.get("measured") or 0)
    used = accepted + edited
    return {
        "shown": shown, "used": used, "accepted": accepted, "edited": edited, "rejected": rejected,
        "acceptance_rate": _ratio(used, shown), "edit_rate": _ratio(edited, used),
        "edit_distance_mean": _ratio(float(sums.get("distance_sum") or 0), measured, 2),
        "edit_ratio_mean": _ratio(float(sums.get("ratio_sum") or 0), measured),
    }


def day_key(value: object, zone: timezone) -> str:
    """YYYY-MM-DD of a day as the days query gives it: that text (SQLite), or the moment the day
    begins (PostgreSQL)."""
    if isinstance(value, datetime):
        return value.astimezone(zone).date().isoformat()
    return str(value)[:10]


def group_key(dimension: str, value: object) -> str:
    if value is None:
        return UNKNOWN
    if dimension == "degraded":
        return "degraded" if value in (True, 1) else "not degraded"
    return str(value)
