"""Language/script detection and Traditional<->Simplified conversion (OpenCC).

OpenCC is the reference converter (phrase-level tables, maintained, a C++ core with wheels);
we never hand-roll character tables.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from collections.abc import Sequence

from coach.types import Locale, Script, Turn

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional (any variant) to Simplified; Simplified and other text pass through."""
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Simplified to Traditional (Taiwan standard characters, no phrase localisation)."""
    return _converter("s2tw").convert(text) if text else text


def detect_script(text: str) -> Script:
    """zh-Hant, zh-Hans or en, from the characters themselves.

    Traditional is recognised by characters that OpenCC's t2s would change; text with no Han
    characters but Latin words is English. Mixed text follows the majority of its signal (an
    English word counting as two Chinese characters).
    """
    han = _CJK.findall(text)
    latin = _LATIN_WORD.findall(text)
    if latin and (len(han) < 2 or 2 * len(latin) > len(han)):
        return "en"  # an English sentence naming a dish or a product in Chinese is English
    if not han:
        return "en" if latin else "zh-Hans"
    joined = "".join(han)
    simplified = to_simplified(joined)
    trad_chars = sum(1 for a, b in zip(joined, simplified) if a != b)
    if trad_chars == 0:
        return "zh-Hans"
    traditional = to_traditional(joined)
    simp_chars = sum(1 for a, b in zip(joined, traditional) if a != b)
    return "zh-Hant" if trad_chars >= simp_chars else "zh-Hans"


def script_for_locale(locale: Locale) -> Script:
    return {"zh-CN": "zh-Hans", "zh-TW": "zh-Hant", "en": "en"}[locale]


def to_script(text: str, script: Script) -> str:
    """Render Chinese text in the wanted script (English text passes through)."""
    if script == "zh-Hant":
        return to_traditional(text)
    if script == "zh-Hans":
        return to_simplified(text)
    return text


_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"\S+")
_WORD_ONLY = re.compile(r"[A-Za-z][A-Za-z'’-]*[,.!?;:]?")


def _says_something(text: str) -> bool:
    """The text holds Chinese, or at least two plain English words (not ids, numbers or addresses)."""
    if _HAN_CHAR.search(text):
        return True
    return sum(bool(_WORD_ONLY.fullmatch(tok)) for tok in _TOKEN.findall(text)) >= 2


def script_of_turns(turns: Sequence[Turn], locale: Locale | None = None) -> Script:
    """locale wins; else the customer's own writing, newest turns weighing most."""
    if locale is not None:
        return script_for_locale(locale)
    votes: dict[str, float] = {"en": 0.0, "zh": 0.0, "zh-Hans": 0.0, "zh-Hant": 0.0}
    customer = [t.text for t in turns if t.role == "customer"] or [
        t.text for t in turns
    ]
    # An order number, an e-mail address or a bare "OK" says nothing of the customer's language.
    customer = [t for t in customer if _says_something(t)] or customer
    for age, text in enumerate(reversed(customer[-8:])):
        weight = 0.5**age
        script = detect_script(text)
        if script == "en":
            votes["en"] += weight
            continue
        votes["zh"] += weight
        if script == "zh-Hant":
            votes["zh-Hant"] += weight
        elif to_traditional(text) != text:  # really Simplified, not script-neutral characters
            votes["zh-Hans"] += weight
    if votes["en"] > votes["zh"]:
        return "en"
    if votes["zh-Hant"] == votes["zh-Hans"] == 0:  # only characters common to both: follow the agent
        agent = [t.text for t in turns if t.role == "agent"]
        return "zh-Hant" if agent and detect_script(agent[-1]) == "zh-Hant" else "zh-Hans"
    return "zh-Hant" if votes["zh-Hant"] > votes["zh-Hans"] else "zh-Hans"
