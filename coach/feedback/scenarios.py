"""Edited and rejected feedback as a scenario set for `coach eval run` (`coach feedback export`):
the same conversation, with the expectation that the coach no longer offers the reply the agent
would not send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from coach.feedback.entry import FeedbackEntry


def _verbatim(text: str) -> str:
    """A pattern that matches exactly this reply (whitespace runs flexible), and nothing longer."""
    words = [re.escape(part) for part in text.split()]
    return r"^\s*" + r"\s+".join(words) + r"\s*$"


def scenarios_from_feedback(entries: Iterable[FeedbackEntry], name: str = "feedback") -> tuple[dict[str, Any], int]:
    """A scenario set (as a plain dict) from the edited and rejected entries that carry their
    conversation; also returns how many such entries had to be skipped for lack of one."""
    scenarios: list[dict[str, Any]] = []
    skipped = 0
    for entry in entries:
        if entry.verdict not in ("edited", "rejected"):
            continue
        if entry.conversation is None:
            skipped += 1
            continue
        if entry.verdict == "edited":
            what = f"the agent edited suggestion {entry.suggestion_index + 1} before sending it"
            if entry.final_text:
                what += f"; the agent sent: {entry.final_text}"
        else:
            what = f"the agent rejected suggestion {entry.suggestion_index + 1}"
            if entry.reason:
                what += f" ({entry.reason})"
        what += f". Suggested draft: {entry.suggestion}"
        ref = entry.request_id or "unknown"
        scenarios.append({
            "id": f"fb-{entry.id or len(scenarios) + 1}-{entry.verdict}",
            "description": f"{what} [request {ref}]",
            "conversation": entry.conversation.model_dump(mode="json", exclude_none=True),
            "expect": {"rules_clean": True, "must_not_match": [_verbatim(entry.suggestion)]},
            "tags": ["feedback", entry.verdict],
        })
    document = {
        "name": name,
        "description": "edited and rejected suggestions from agents' feedback (coach feedback export)",
        "scenarios": scenarios,
    }
    return document, skipped


def dump_scenarios(document: dict[str, Any], path: str | None) -> str:
    """YAML text of the set (JSON when the target file ends in .json)."""
    if path and path.lower().endswith(".json"):
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    import yaml

    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
