"""The expectation checks: table-driven over replies in all three scripts."""

from __future__ import annotations

import pytest

from coach.evaluation.checks import (
    check_cites_any,
    check_concession,
    normalise_phrase_text,
    pattern_matches,
    run_checks,
)
from coach.evaluation.scenarios import Expect
from coach.types import Offer, Passage, ValidationResult, Violation


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("回电|回复您", "我们明天下午给您回电", True),
        ("回电", "我們明天下午給您回電", True),  # Simplified pattern, Traditional reply
        ("回電", "我们明天给您回电", True),  # Traditional pattern, Simplified reply
        ("call you back", "We will CALL YOU BACK tomorrow", True),
        ("80", "我们给您20元代金券", False),
        ("\\b80\\b", "refund of 80 dollars", True),
    ],
)
def test_pattern_matching_is_script_and_case_insensitive(pattern: str, text: str, expected: bool) -> None:
    assert pattern_matches(pattern, text) is expected


def test_phrase_normalisation_drops_pinyin_glosses() -> None:
    assert "找领导" in normalise_phrase_text("客戶說“找領(lǐng)導(dǎo)”這一行為")


@pytest.mark.parametrize(
    ("concession", "offers", "passed"),
    [
        ("none", [], True),
        ("none", [Offer(kind="voucher", amount=20)], False),
        ("required", [], False),
        ("required", [Offer(kind="voucher", amount=30)], True),
        ("allowed", [Offer(kind="voucher", amount=30)], None),
        ("allowed", [], None),
    ],
)
def test_concession_expectation(concession: str, offers: list[Offer], passed: bool | None) -> None:
    check = check_concession(Expect(concession=concession), offers)  # type: ignore[arg-type]
    assert (check.passed if check else None) is passed


def test_cites_any_looks_in_cited_passages_only() -> None:
    cited = [Passage(id="p1", source="s", title="t", text="客戶說“找領(lǐng)導(dǎo)”時先查記錄")]
    assert check_cites_any(Expect(cites_any=["找领导"]), cited).passed  # type: ignore[union-attr]
    assert not check_cites_any(Expect(cites_any=["代金券"]), cited).passed  # type: ignore[union-attr]
    assert not check_cites_any(Expect(cites_any=["找领导"]), []).passed  # type: ignore[union-attr]
    assert check_cites_any(Expect(), cited) is None


def test_run_checks_reports_each_failure() -> None:
    expect = Expect(concession="none", must_match=["帮您"], must_not_match=["80"], cites_any=["回合"])
    bad = ValidationResult(ok=False, violations=(Violation(rule="authority_exposure", severity="block", message="m",
                                                           span=(0, 4), evidence="无能为力", hint="h"),))
    checks = {c.name: c for c in run_checks(expect, "无能为力，最多80元", bad, [Offer(kind="money", amount=80)], [])}
    assert set(checks) == {"rules_clean", "concession", "must_match", "must_not_match", "cites_any"}
    assert not any(c.passed for c in checks.values())
    assert "authority_exposure" in checks["rules_clean"].detail and "'80'" in checks["must_not_match"].detail
    good = run_checks(Expect(rules_clean=False), "好的", bad, [], [])
    assert good == []
