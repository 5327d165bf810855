"""Entitlements: a repair, replacement or visit in a sentence that says the product is under
warranty is what the customer is owed, not a concession (coach/data/rules/entitlement.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache

from coach.datafiles import data_yaml
from coach.rules.offers import money_in


@lru_cache(maxsize=1)
def _data() -> tuple[re.Pattern[str], frozenset[str]]:
    raw = data_yaml("rules", "entitlement.yaml")
    pattern = re.compile("|".join(f"(?:{p})" for p in raw["warranty"].values()))
    return pattern, frozenset(raw["kinds"])


def under_warranty(norm_sentence: str) -> bool:
    return bool(_data()[0].search(norm_sentence))


def entitled_kind(kind: str) -> bool:
    """The offer reader's benefit kind can be an entitlement (a repair, not money)."""
    return kind in _data()[1]


def entitled_unit(norm_unit: str, norm_sentence: str) -> bool:
    """A unit the grant head flags that names no sum, in a sentence under warranty."""
    return under_warranty(norm_sentence) and not money_in(norm_unit)
