"""Drafters: turn a DraftRequest into candidate replies (coach.protocols.Drafter).

llm.LLMDrafter talks to an OpenAI-compatible endpoint; offline.OfflineDrafter composes replies
deterministically from the situation. Neither validates: the pipeline does. Imported lazily, so
the offline path never loads the openai SDK.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LLMDrafter"]


def __getattr__(name: str) -> Any:
    if name == "LLMDrafter":
        from coach.drafting.llm import LLMDrafter

        return LLMDrafter
    raise AttributeError(f"module 'coach.drafting' has no attribute {name!r}")
