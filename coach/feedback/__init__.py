"""Agents' verdicts on suggestions (accepted, edited, rejected) and what they were shown.

`entry.py` the values; `store.py` the database (SQLite or PostgreSQL, coach.db); `service.py` the
service's way to it (own threads, a breaker, 503 with Retry-After while the database is away);
`dimensions.py` the edit distance and the conversation's strategy and locale; `scenarios.py`
`coach feedback export`; `report/` `coach feedback report`.
"""

from coach.feedback.entry import VERDICTS, FeedbackEntry, ShownRecord, Verdict
from coach.feedback.scenarios import _verbatim, dump_scenarios, scenarios_from_feedback
from coach.feedback.store import FeedbackStore

__all__ = [
    "VERDICTS", "FeedbackEntry", "FeedbackStore", "ShownRecord", "Verdict", "_verbatim", "dump_scenarios",
    "scenarios_from_feedback",
]
