"""authority_exposure: the draft tells the customer the agent lacks power, permission or budget,
names the agent's ceiling, or says only a superior can decide.

Not exposure (and covered by vetoes or by narrow wording): offering to bring in the duty manager,
a specialist team following up, "权限" as an app permission or a member's access level, and saying
the cause of a fault cannot be judged without an inspection.

The wordings live in coach/data/rules/lexicon/authority.yaml.
"""

from __future__ import annotations

from coach.rules.base import PhraseRule
from coach.rules.lexicon_files import load_phrases

PHRASES = load_phrases("authority")

AUTHORITY_EXPOSURE = PhraseRule(id="authority_exposure", phrases=PHRASES, head="authority", yields_to=("refusal",))
