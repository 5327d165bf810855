"""wrong_language beyond Chinese and English: a reply in another Latin-script language than the
customer's own (langid, restricted to common Latin-script languages)."""

from __future__ import annotations

import pytest

from coach.rules.latin import other_language
from coach.rules.validator import Validator
from coach.types import Turn

EN = [Turn(role="customer", text="I've been charged twice for the same haircut appointment.", round=1)]
ES = [Turn(role="customer", text="Me cobraron dos veces por la misma cita de peluquería.", round=1)]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Lamentamos mucho el inconveniente, ya hemos reembolsado el cargo.", "es"),
        ("Nous sommes désolés, un technicien passera demain matin.", "fr"),
        ("Es tut uns leid, wir haben den Betrag erstattet.", "de"),
        ("Sorry about that, the refund is on its way.", None),
        ("ok thx", None),  # too short to judge
        ("Refund processed!!", None),
    ],
)
def test_other_latin_languages_are_named(text: str, lang: str | None) -> None:
    assert other_language(text) == lang


@pytest.mark.parametrize(
    ("draft", "turns", "flagged"),
    [
        ("Lamentamos mucho el inconveniente. Ya hemos reembolsado el cargo duplicado.", EN, True),
        ("Nous sommes désolés pour ce désagrément. Un technicien passera demain matin.", EN, True),
        ("Lamentamos mucho el inconveniente. Ya hemos reembolsado el cargo duplicado.", ES, False),
        ("Sorry about the double charge, it has been refunded to your card.", EN, False),
        ("Merci! Sorry about the double charge, it has been refunded to your card today.", EN, False),
    ],
)
def test_a_reply_in_another_latin_language_than_the_customers(draft: str, turns: list[Turn], flagged: bool) -> None:
    rules = {v.rule for v in Validator(scorer=None)(draft, turns).violations}
    assert ("wrong_language" in rules) is flagged
