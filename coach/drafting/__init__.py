"""Drafters: turn a DraftRequest into candidate replies (coach.protocols.Drafter).

llm.LLMDrafter talks to an OpenAI-compatible endpoint; offline.OfflineDrafter composes replies
deterministically from the situation. Neither validates: the pipeline does.
"""

from coach.drafting.llm import LLMDrafter

__all__ = ["LLMDrafter"]
