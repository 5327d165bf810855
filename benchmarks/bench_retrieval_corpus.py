"""A synthetic guideline corpus with a realistic, growing vocabulary (used by the retrieval and
cleaning benchmarks).

Words come from a Simon-style process: each next word is new with a probability that falls like
Heaps' law (vocabulary ~ K * tokens^beta), else a copy of an earlier token, which yields Zipf-like
frequencies. New words are the real guidelines' words first (so queries from the labelled set
meet familiar terms), then generated 2- to 4-character Han words drawn from the real passages'
characters. Documents are written as files with headings, paragraphs and Chinese punctuation, so
the benchmark runs the product's own path: read, clean, chunk, segment, index.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from coach.knowledge.corpus import bundled_documents
from coach.knowledge.ingest import build_passages
from coach.knowledge.tokenize import tokenize

HEAPS_K = 8.0
HEAPS_BETA = 0.62


def real_vocabulary() -> tuple[list[str], list[str]]:
    """(the bundled passages' words by frequency, their Han characters)."""
    passages = build_passages(bundled_documents())
    counts: Counter[str] = Counter()
    chars: set[str] = set()
    for p in passages:
        words = [w for w in tokenize(p.text) if len(w) >= 2 or "\u4e00" <= w <= "\u9fff"]
        counts.update(words)
        chars.update(ch for ch in p.text if "\u4e00" <= ch <= "\u9fff")
    return [w for w, _ in counts.most_common()], sorted(chars)


def token_stream(n_tokens: int, seed: int = 7) -> tuple[np.ndarray, list[str]]:
    """Word ids of a stream of n_tokens words and the vocabulary they index."""
    rng = np.random.default_rng(seed)
    real, chars = real_vocabulary()
    positions = np.arange(1, n_tokens + 1, dtype=np.float64)
    vocab_at = np.floor(HEAPS_K * positions**HEAPS_BETA).astype(np.int64)
    is_new = np.empty(n_tokens, dtype=bool)
    is_new[0] = True
    is_new[1:] = vocab_at[1:] > vocab_at[:-1]
    n_words = int(is_new.sum())
    ids = np.full(n_tokens, -1, dtype=np.int64)
    ids[is_new] = np.arange(n_words)
    # Copies: each copy takes the word of a uniformly chosen earlier position (resolved in blocks,
    # parents drawn before the block start so one vectorised pass per block suffices).
    start = 1
    while start < n_tokens:
        end = min(n_tokens, max(start * 2, start + 1))
        block = np.arange(start, end)
        copy = block[~is_new[start:end]]
        if copy.size:
            parents = rng.integers(0, start, size=copy.size)
            ids[copy] = ids[parents]
        start = end
    char_arr = np.array(chars)
    n_generated = max(0, n_words - len(real))
    lengths = rng.choice([2, 2, 3, 3, 4], size=n_generated)
    picks = rng.integers(0, len(char_arr), size=int(lengths.sum()))
    generated, offset = [], 0
    for length in lengths:
        generated.append("".join(char_arr[picks[offset : offset + length]]))
        offset += length
    vocab = (real + generated)[:n_words]
    return ids, vocab


def write_corpus(folder: Path, n_passages: int, per_doc: int = 100, seed: int = 7) -> int:
    """Documents of per_doc paragraphs (about 120 to 250 characters each, one passage each) with a
    heading every 10 paragraphs. Returns the number of characters written."""
    rng = np.random.default_rng(seed + 1)
    words_per_para = rng.integers(45, 95, size=n_passages)
    ids, vocab = token_stream(int(words_per_para.sum()), seed)
    folder.mkdir(parents=True, exist_ok=True)
    written, pos = 0, 0
    for d in range((n_passages + per_doc - 1) // per_doc):
        lines = [f"第{d}号服务规范"]
        for j in range(min(per_doc, n_passages - d * per_doc)):
            n = int(words_per_para[d * per_doc + j])
            words = [vocab[i] for i in ids[pos : pos + n]]
            pos += n
            if j % 10 == 0:
                lines += ["", f"{j // 10 + 1}. {words[0]}{words[1]}", ""]
            marks = rng.choice(["，", "，", "，", "。", "、", "；", "？"], size=len(words) // 6 + 1)
            sentence = "".join(w + (str(marks[k // 6]) if k % 6 == 5 else "") for k, w in enumerate(words))
            lines.append(sentence.rstrip("，、；") + "。")
        text = "\n".join(lines)
        (folder / f"{d:05d}_synthetic.txt").write_text(text, encoding="utf-8")
        written += len(text)
    return written
