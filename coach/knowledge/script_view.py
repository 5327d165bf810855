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


def in_script(passage: Passage, script: Script) -> Passage:
    if script == "en" or passage.original_text is not None:
        return passage
    text, title = to_script(passage.text, script), to_script(passage.title, script)
    if text == passage.text and title == passage.title:
        return passage
    return passage.model_copy(update={
        "text": text, "title": title, "original_text": passage.text, "original_title": passage.title,
    })
