"""Passages kept as columns: a cached 100,000-passage corpus loads in a fraction of a second
because Passage objects are made only for what a caller asks for (results, get, .passages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.types import Passage

COLUMNS = ("id", "source", "title", "text", "position")


@dataclass(frozen=True)
class PassageColumns:
    id: list[str]
    source: list[str]
    title: list[str]
    text: list[str]
    position: list[int]

    def __post_init__(self) -> None:
        if len({len(getattr(self, c)) for c in COLUMNS}) != 1:
            raise ValueError("passage columns differ in length")

    @classmethod
    def from_passages(cls, passages: Sequence[Passage]) -> PassageColumns:
        return cls(**{c: [getattr(p, c) for p in passages] for c in COLUMNS})

    @classmethod
    def from_dict(cls, columns: dict[str, list]) -> PassageColumns:
        if set(columns) != set(COLUMNS):
            raise ValueError("the passage columns are not the expected ones")
        return cls(**{c: list(columns[c]) for c in COLUMNS})

    def as_dict(self) -> dict[str, list]:
        return {c: getattr(self, c) for c in COLUMNS}

    def __len__(self) -> int:
        return len(self.id)

    def passage(self, i: int, score: float = 0.0) -> Passage:
        return Passage(
            id=self.id[i], source=self.source[i], title=self.title[i], text=self.text[i],
            position=self.position[i], score=score,
        )
