"""Passages as the reader reads them: in the reader's Chinese script, the source's text kept.

A company's guidelines may be in Traditional while the agent and the customer write Simplified, or
the reverse. Shown passages (and the passages an LLM is given) are converted to the reader's script
with OpenCC; `original_text`/`original_title` keep the source's own words, one click away in the
panel. English readers get the source as it is: there is no translation here.
"""

from __future__ import annotations

from collections.abc import Iterable

from coach.text import to_script
from coach.types import Passage, Script


def for_script(passages: Iterable[Passage], script: Script) -> tuple[Passage, ...]:
    return tuple(in_script(p, script) for p in passages)


# A corpus' passages come back request after request: each one's conversion is remembered (by its
# words and the script), so a request pays OpenCC only for passages it is the first to show.
_CONVERTED: dict[tuple[str, str, str], tuple[str, str]] = {}
REMEMBERED = 4096  # about 12 MB at most for long passages


def _converted(text: str, title: str, script: Script) -> tuple[str, str]:
    key = (script, text, title)
    found = _CONVERTED.get(key)
    if found is None:
        found = (to_script(text, script), to_script(title, script))
        if len(_CONVERTED) >= REMEMBERED:
            _CONVERTED.clear()
        _CONVERTED[key] = found
    return found


def in_script(passage: Passage, script: Script) -> Passage:
    if script == "en" or passage.original_text is not None:
        return passage
    text, title = _converted(passage.text, passage.title, script)
    if text == passage.text and title == passage.title:
        return passage
    return passage.model_copy(update={
        "text": text, "title": title, "original_text": passage.text, "original_title": passage.title,
    })
