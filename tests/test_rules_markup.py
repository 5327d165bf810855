"""markup: Markdown or HTML a chat window would show raw, and look-alikes that are plain text."""

from __future__ import annotations

import pytest

from coach.rules.validator import Validator

CASES = [
    ("## 处理结果\n已为您退款。", True),
    ("已为您处理：**36元**已退回。", True),
    ("Here's what I did:\n- refunded the fee\n- booked the engineer", True),
    ("1. 退款\n2. 补发", True),
    ("```\nrefund\n```", True),
    ("See [our policy](https://example.com/policy).", True),
    ("退款已处理。<br>请查收。", True),
    ("你好，計劃如下：\n\n| 計劃 | 月費 |\n|---|---|\n| 基本 | $138 |", True),
    ("Plans:\n\nName | Price\n--- | ---\nBasic | $10", True),
    ("Call us on 555-1234 | open 9-5 | thanks", False),
    ("The total is 3 --- wait, 4 items.", False),
    ("1. 先核实订单。", False),  # one numbered line is not a list
    ("我们已退款 - 请查收。", False),
    ("价格是 5*3=15 元。", False),
]


@pytest.mark.parametrize(("draft", "flagged"), CASES)
def test_markup(draft: str, flagged: bool) -> None:
    rules = {v.rule for v in Validator(scorer=None)(draft).violations}
    assert ("markup" in rules) is flagged
