"""One label per training piece: the same piece written by several writers (or twice by one, with
and without its closing comma) can carry different labels. "您说得对，" opens a plain apology in one
reply and a sarcastic jab in another; taught both ways, a head learns noise. Each piece is keyed by
its normalised text without trailing punctuation, and each head takes the majority of the piece's
labels; a tie teaches that head nothing (the head skips the piece)."""

from __future__ import annotations

from collections.abc import Sequence

_TRAILING = " \t\r\n，,。.！!？?；;：:、…~～"


def piece_key(norm: str) -> str:
    """The piece as its labels are pooled: normalised text, trailing punctuation dropped."""
    return norm.rstrip(_TRAILING)


def settle(votes: Sequence[dict[str, int | None]]) -> dict[str, int | None]:
    """Each head's majority over the labels given to one piece; None on a tie or with no label."""
    out: dict[str, int | None] = {}
    for head in votes[0]:
        known = [v[head] for v in votes if v.get(head) is not None]
        ones = sum(1 for k in known if k)
        zeros = len(known) - ones
        out[head] = None if ones == zeros else int(ones > zeros)
    return out
