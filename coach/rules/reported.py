"""Units that report the customer's own words ("您反映我们就说不办了"): the phrase rules leave them
to the customer. The openings are data (coach/data/rules/reported_speech.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache

from coach.datafiles import data_yaml

_LEAD = r"^[\s,，、。!！?？:：;；~～…\-]*(?:(?:好的|嗯|是的|明白|理解|ok|okay|so|and|i see)[\s,，、。!！]*)?"


@lru_cache(maxsize=1)
def _opening() -> re.Pattern[str]:
    data = data_yaml("rules", "reported_speech.yaml")
    frames = [p for lang in ("zh", "en") for p in data.get(lang, ())]
    return re.compile(_LEAD + "(?:" + "|".join(f"(?:{p})" for p in frames) + ")")


def reports_customer(unit_text: str) -> bool:
    """The unit (normalised text) opens by reporting what the customer said."""
    return _opening().match(unit_text) is not None
