"""Passage vectors cached on disk by content, so a restart or an added document embeds only what changed.

A vector is keyed by `vectors.text_key` (a hash of the embedding model's name and the embedded
text), not by corpus: a passage that comes back unchanged in an edited corpus keeps its vector.
The cache lives in `<cache dir>/vectors/<model>/` as shards (`*.npz`, written atomically, one per
batch of fresh vectors, so an interrupted embedding keeps what it finished); `compact()` merges
them into one. As with the index cache, a cache that cannot be read or written only costs the
embedding next time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from coach.knowledge.vectors import MODEL, load_table, save_table

log = logging.getLogger("coach.knowledge")

COMPACT_AT = 16  # shards: more are merged into one when an embedding finishes


class VectorCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._table: dict[str, np.ndarray] | None = None

    @classmethod
    def under(cls, cache_dir: Path, model: str = MODEL) -> VectorCache:
        return cls(cache_dir / "vectors" / model)

    # -- reading --------------------------------------------------------------------------------
    def _shards(self) -> list[Path]:
        try:
            return sorted(self.folder.glob("*.npz"))
        except OSError:
            return []

    def table(self) -> dict[str, np.ndarray]:
        """Every cached vector (read once; later additions are kept in memory too)."""
        if self._table is None:
            table: dict[str, np.ndarray] = {}
            for shard in self._shards():
                try:
                    table.update(load_table(shard.read_bytes()))
                except (OSError, ValueError, KeyError) as exc:  # a damaged shard costs only its vectors
                    log.warning("vector cache shard %s unreadable (%s); ignored", shard, exc)
            self._table = table
        return self._table

    def lookup(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        table = self.table()
        return {k: table[k] for k in keys if k in table}

    def __len__(self) -> int:
        return len(self.table())

    # -- writing --------------------------------------------------------------------------------
    def add(self, vectors: dict[str, np.ndarray]) -> None:
        """Keeps the vectors (in memory at once, on disk as one new shard when it can)."""
        if not vectors:
            return
        # as a reload would see them (stored as float16): a restart ranks exactly as before it
        self.table().update({k: np.asarray(v, dtype=np.float16).astype(np.float32) for k, v in vectors.items()})
        name = hashlib.sha1("\n".join(sorted(vectors)).encode()).hexdigest()[:16]
        try:
            self._write(self.folder / f"{name}.npz", vectors)
        except OSError as exc:
            log.warning("could not write the vector cache %s: %s", self.folder, exc)

    def compact(self) -> None:
        """Merges the shards into one (when there are many)."""
        shards = self._shards()
        if len(shards) <= COMPACT_AT:
            return
        table = self.table()
        name = hashlib.sha1("\n".join(sorted(table)).encode()).hexdigest()[:16]
        try:
            target = self.folder / f"{name}.npz"
            self._write(target, table)
            for shard in shards:
                if shard != target:
                    shard.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not compact the vector cache %s: %s", self.folder, exc)

    def _write(self, path: Path, vectors: dict[str, np.ndarray]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".writing-", suffix=".npz", dir=self.folder)
        os.close(fd)
        try:
            save_table(Path(tmp), vectors)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
