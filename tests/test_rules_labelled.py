"""The labelled drafts of tests/data/rules/*.yaml: each must yield exactly its expected rule ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.rules import DEFAULT_VALIDATOR, Validator
from coach.types import Policy, Turn

DATA = Path(__file__).parent / "data" / "rules"
FIXTURES = yaml.safe_load((DATA / "fixtures.yaml").read_text(encoding="utf-8"))


def _load() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.yaml")):
        if path.name == "fixtures.yaml":
            continue
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            cases.append({**case, "file": path.name})
    return cases


CASES = _load()


def _turns(case: dict[str, Any]) -> tuple[Turn, ...]:
    raw = case.get("turns", [])
    if isinstance(raw, str):
        raw = FIXTURES["turns"][raw]
    return tuple(Turn.model_validate(t) for t in raw)


def _policy(case: dict[str, Any]) -> Policy:
    raw = case.get("policy", {})
    if isinstance(raw, str):
        raw = FIXTURES["policies"][raw]
    return Policy.model_validate(raw)


def test_the_set_is_large_and_balanced() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(CASES) >= 200
    for lang in ("zh-Hans", "zh-Hant", "en"):
        assert sum(c["lang"] == lang for c in CASES) >= 25, lang
    for rule in ("authority_exposure", "double_concession", "over_authority", "hostile_tone"):
        assert sum(rule in c["expect"] for c in CASES) >= 15, rule
    assert sum(not c["expect"] for c in CASES) >= 80


LEXICAL = Validator(scorer=None)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_lexical_tier_on_its_table(case: dict[str, Any]) -> None:
    """The word lists and the offer reader were written against these tables: exact."""
    draft = case["draft"]
    result = LEXICAL(draft, _turns(case), _policy(case), case.get("locale"))
    got = {v.rule for v in result.violations}
    assert got == set(case["expect"]), [(v.rule, v.evidence) for v in result.violations]
    assert result.ok == (not case["expect"])
    for v in result.violations:
        assert 0 <= v.span[0] <= v.span[1] <= len(draft)
        assert v.evidence == draft[v.span[0]:v.span[1]] and v.evidence
        assert v.message and v.hint
    if "evidence" in case:
        assert case["evidence"] in [v.evidence for v in result.violations]


def test_both_tiers_keep_every_lexical_catch_and_stay_precise() -> None:
    """With the semantic tier on, nothing the lexical tier caught is lost, and what it adds on the
    tables' clean and other-rule drafts stays rare."""
    results = validate_many(CASES)
    wrong: list[tuple[str, str, str]] = []
    for case, result in zip(CASES, results):
        got = {v.rule for v in result.violations}
        want = set(case["expect"])
        assert want <= got, (case["id"], sorted(want - got))
        wrong.extend((case["id"], rule, case["draft"]) for rule in got - want)
    assert len(wrong) <= 0.05 * len(CASES), wrong


def validate_many(cases: list[dict[str, Any]]) -> list[Any]:
    return DEFAULT_VALIDATOR.many([(c["draft"], _turns(c), _policy(c), c.get("locale")) for c in cases])
