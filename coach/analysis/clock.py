"""The request's clock: when the agent asks, on the customer's wall clock.

The conversation may carry `now` (an instant) and `timezone` (IANA). The local time is `now` in
that timezone; without a timezone, `now`'s own UTC offset when it was given with one, else the
locale's (zh-CN: Asia/Shanghai, zh-TW: Asia/Taipei: one timezone each), else the service's
COACH_TIMEZONE. With none of them the wall clock is unknown: only the instant is, and a reply
proposes nothing earlier than tomorrow (never in the past wherever the customer is).
"""

from __future__ import annotations

from datetime import UTC, datetime  # noqa: F401  (UTC: naive instants are read as UTC)
from zoneinfo import ZoneInfo

from coach.types import Conversation

LOCALE_ZONES = {"zh-CN": "Asia/Shanghai", "zh-TW": "Asia/Taipei"}
SCRIPT_ZONES = {"zh-Hans": "Asia/Shanghai", "zh-Hant": "Asia/Taipei"}


def local_time(conversation: Conversation, now: datetime | None = None,
               default_zone: str | None = None, script: str | None = None) -> tuple[datetime | None, bool]:
    """(the request's time, whether it is the customer's wall clock). `now` is the instant to use
    when the conversation gives none (the caller's clock: the edge reads it, this stays pure);
    with neither, (None, False)."""
    instant = conversation.now or now
    if instant is None:
        return None, False
    given_offset = conversation.now is not None and conversation.now.tzinfo is not None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    zone = conversation.timezone
    if zone is None and given_offset:
        return instant, True
    if zone is None and conversation.locale is not None:
        zone = LOCALE_ZONES.get(conversation.locale)
    if zone is None and conversation.locale is None and script in SCRIPT_ZONES:
        zone = SCRIPT_ZONES[script]  # Chinese in either script: UTC+8 wherever it is written
    zone = zone or default_zone
    if zone is None:
        return instant, False
    return instant.astimezone(ZoneInfo(zone)), True
