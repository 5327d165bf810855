"""hostile_tone: blame, sarcasm, threats or contempt toward the customer.

Look-alikes that stay quiet: "这不是您的问题" (exoneration), offering the complaint channel
("如需投诉，我可以帮您转接"), "it's not your fault", "we'll deal with it for you".

The wordings live in coach/data/rules/lexicon/tone.yaml.
"""

from __future__ import annotations

from coach.rules.base import PhraseRule
from coach.rules.lexicon_files import load_phrases

PHRASES = load_phrases("tone")

# "Sorry," or "好的，" in front is part of the tone: the clause is not read without it.
HOSTILE_TONE = PhraseRule(id="hostile_tone", phrases=PHRASES, head="hostile", reads_tails=False)
