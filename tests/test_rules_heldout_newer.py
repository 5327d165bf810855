"""Floors of the validator on the blind held-out rounds, the second half of them (the check and the
rounds' story: tests/heldout_floors.py)."""

from tests.heldout_floors import half

measured, test_floors_hold_on_an_untouched_round = half(1)
