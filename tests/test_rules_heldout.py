"""Floors of the validator on the blind held-out rounds, first half of them (the check and the rounds' story: tests/heldout_floors.py)."""

from __future__ import annotations

import pytest

from tests.heldout_floors import HALVES, below_floors, measure_rounds


@pytest.fixture(scope="module")
def measured() -> dict[str, dict]:
    return measure_rounds(HALVES[0])


@pytest.mark.parametrize("round_name", HALVES[0])
def test_floors_hold_on_an_untouched_round(round_name: str, measured: dict[str, dict]) -> None:
    below = below_floors(round_name, measured[round_name])
    assert not below, "\n".join(below)
