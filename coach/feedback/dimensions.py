"""What the report breaks feedback down by, computed once when a row is stored (pure functions).

- The edit distance between the suggestion and what the agent sent: Levenshtein over characters
  (rapidfuzz), and the same divided by the longer text's length (0: sent as suggested, 1: nothing
  kept). An accepted suggestion went out as it was (0); a rejected one has none.
- The strategy and locale of the conversation, as coach's deterministic situation reading gives
  them (the same function that steered the suggestion): for rows whose suggestion response the
  service did not record.
"""

from __future__ import annotations

import logging

from rapidfuzz.distance import Levenshtein

from coach.types import Conversation

log = logging.getLogger("coach.feedback")

LOCALE_OF_SCRIPT = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en"}


def edit_measure(verdict: str, suggestion: str, final_text: str | None) -> tuple[int | None, float | None]:
    """(characters changed, share of the longer text changed), or (None, None) when nothing was sent."""
    if verdict == "rejected":
        return None, None
    if final_text is None:
        return (0, 0.0) if verdict == "accepted" else (None, None)
    before, after = suggestion.strip(), final_text.strip()
    distance = Levenshtein.distance(before, after)
    longest = max(len(before), len(after))
    return distance, round(distance / longest, 4) if longest else 0.0


def conversation_reading(conversation: Conversation | None) -> tuple[str | None, str | None]:
    """(strategy, locale) of the conversation: the locale it names, else its customer's script."""
    if conversation is None:
        return None, None
    from coach.analysis.situation import analyse

    try:
        situation = analyse(conversation)
    except Exception:  # a reading that fails costs a breakdown cell, never the verdict
        log.warning("could not read the conversation of a feedback row", exc_info=True)
        return None, conversation.locale
    return situation.strategy, conversation.locale or LOCALE_OF_SCRIPT.get(situation.script)
