"""refusal: the draft is not a reply but a refusal to engage (a model's "I can't assist with that",
"我无法继续这段对话"). The semantic head carries most of it; the few fixed formulas of model
refusals are matched literally as well (coach/data/rules/lexicon/refusal.yaml)."""

from __future__ import annotations

from coach.rules.base import PhraseRule
from coach.rules.lexicon_files import load_phrases

PHRASES = load_phrases("refusal")

REFUSAL = PhraseRule(id="refusal", phrases=PHRASES, head="refusal")
