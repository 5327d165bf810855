"""The seams of the pipeline: one small protocol each, with a fake beside it in tests/fakes.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from coach.types import Draft, DraftRequest, Passage, Turn, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext


@runtime_checkable
class Retriever(Protocol):
    """Finds the guideline passages that fit a query or a conversation, best first."""

    def search(self, query: str, k: int = 5) -> list[Passage]: ...

    def search_turns(self, turns: Sequence[Turn], k: int = 5) -> list[Passage]: ...


@runtime_checkable
class Drafter(Protocol):
    """Turns a draft request into up to `request.n` candidate drafts (never validated here)."""

    name: str

    async def draft(self, request: DraftRequest) -> list[Draft]: ...


@runtime_checkable
class Rule(Protocol):
    """A pure check of one reading of a draft (coach.rules.context.DraftContext); no I/O."""

    id: str

    def check(self, ctx: DraftContext) -> list[Violation]: ...
