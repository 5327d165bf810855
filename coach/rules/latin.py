"""Which language a Latin-script text is in, when it is confidently not English (a Spanish or French
reply to an English-speaking customer is the wrong language too).

langid.py (BSD; its model ships inside the package, nothing is fetched) restricted to common
languages written in Latin letters. Loaded once, lazily, under a lock (about 1.5 s); a short text
(fewer than three words) is never judged.
"""

from __future__ import annotations

import re
import threading
from typing import Any

CANDIDATES = ("en", "es", "fr", "de", "pt", "it", "nl", "id", "ms", "vi", "tl", "tr", "pl", "sv", "da", "no")
CONFIDENCE = 0.95
_WORD = re.compile(r"[^\W\d_]{2,}")
_LOCK = threading.Lock()
_MODEL: Any = None


def _model() -> Any:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            from langid.langid import LanguageIdentifier, model

            identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
            identifier.set_languages(list(CANDIDATES))
            _MODEL = identifier
    return _MODEL


def other_language(text: str) -> str | None:
    """The language code of `text` when it is Latin-script, at least three words, and confidently
    not English; else None."""
    if len(_WORD.findall(text)) < 3:
        return None
    lang, p = _model().classify(text)
    return lang if lang != "en" and p >= CONFIDENCE else None


def warm() -> None:
    _model()
