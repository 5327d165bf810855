"""The customer's language from their turns: order numbers, e-mail addresses and a bare "OK" say
nothing of it (a Chinese reply after "KT4482" is not in the wrong language)."""

from __future__ import annotations

import pytest

from coach.rules import validate
from coach.text import script_of_turns
from coach.types import Turn


def turns(*said: tuple[str, str]) -> list[Turn]:
    return [Turn(role=role, text=text) for role, text in said]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("said", "script"),
    [
        ((("customer", "这已经是第三个漏水的电水壶了！"), ("agent", "麻烦发一下订单号。"), ("customer", "KT4482")), "zh-Hans"),
        ((("customer", "為什麼我們組長導不出報表？"), ("customer", "zhangwei@huaxin-tech.cn")), "zh-Hant"),
        ((("customer", "我的包裹还没到"), ("customer", "OK")), "zh-Hans"),
        ((("customer", "My parcel never arrived."), ("customer", "订单 A1234")), "zh-Hans"),  # the newest words still weigh most
        ((("customer", "My parcel never arrived."), ("customer", "A1234")), "en"),
        ((("customer", "KT4482"),), "en"),  # nothing said: the old reading stands
    ],
)
def test_turns_without_words_do_not_vote(said: tuple[tuple[str, str], ...], script: str) -> None:
    assert script_of_turns(turns(*said)) == script


def test_a_chinese_reply_after_an_order_number_is_not_wrong_language() -> None:
    said = turns(("customer", "这已经是第三个漏水的电水壶了！"), ("agent", "麻烦发一下订单号。"), ("customer", "KT4482"))
    result = validate("收到，我们马上给您换一个新的水壶。", said)
    assert "wrong_language" not in {v.rule for v in result.violations}
