"""The strategies the situation analysis can choose, each with the private instruction it stands for.

The key goes to the offline drafter (prompts/offline/*.yaml has phrasings per key) and, with its
instruction, into the notes of the LLM prompt. The instructions are data, with the templates:
prompts/notes/notes.yaml (a COACH_PROMPTS_DIR copy may change them); this is the bundled set.
"""

from __future__ import annotations

from coach.prompts.notes import load_notebook

# Every strategy the analysis can choose, with its bundled instruction.
STRATEGIES: dict[str, str] = dict(load_notebook().strategies)
