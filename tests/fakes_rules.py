"""A fake semantic scorer: each head fires on units holding one of its marker words, so the rules'
use of the semantic tier (spans, suppression, round state, counting) is tested without the model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from coach.rules.semantic.heads import HEADS


class FakeScorer:
    heads = HEADS
    thresholds = np.full(len(HEADS), 0.5, dtype=np.float32)

    def __init__(self, markers: Mapping[str, Sequence[str]]) -> None:
        unknown = set(markers) - set(HEADS)
        assert not unknown, unknown
        self.markers = markers
        self.calls: list[list[str]] = []

    def score(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), len(HEADS)), dtype=np.float32)
        for i, text in enumerate(texts):
            for h, head in enumerate(HEADS):
                if any(m in text for m in self.markers.get(head, ())):
                    out[i, h] = 0.9
        return out
