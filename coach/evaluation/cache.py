"""A disk cache of LLM responses for eval runs, keyed by model, messages and parameters.

`CachingDrafter` wraps the pipeline's LLM drafter (the `coach.protocols.Drafter` seam): a request
seen before is answered from disk; an error is never cached (nothing is stored unless the inner
drafter returned). The repeat index of `--repeat` is part of the key, so repeats stay distinct
samples while a rerun replays them. The same cache serves the judge.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from coach.evaluation.recording import current_log
from coach.protocols import Drafter
from coach.types import Draft, DraftRequest

CACHE_VERSION = 1


def cache_key(model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    payload = json.dumps({"v": CACHE_VERSION, "model": model, "messages": messages, "params": params},
                         ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """JSON values on disk, one file per key, written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class CachingDrafter:
    """A Drafter that answers repeated LLM requests from a ResponseCache."""

    def __init__(self, inner: Drafter, cache: ResponseCache | None, *, model: str, params: dict[str, Any]) -> None:
        self._inner = inner
        self._cache = cache
        self._model = model
        self._params = dict(params)
        self.name = getattr(inner, "name", "llm")

    def key_for(self, request: DraftRequest, sample: int) -> str:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        params = {**self._params, **request.params, "n": request.n, "sample": sample}
        return cache_key(self._model, messages, params)

    async def draft(self, request: DraftRequest) -> list[Draft]:
        log = current_log()
        if log is not None:
            log.drafter_calls += 1
            log.note_feedback(request.feedback)
        if self._cache is None or not request.messages:
            return await self._inner.draft(request)
        key = self.key_for(request, log.sample if log is not None else 0)
        hit = self._cache.get(key)
        if isinstance(hit, list) and hit:
            try:
                drafts = [Draft.model_validate(d) for d in hit]
            except ValueError:
                drafts = []
            if drafts:
                if log is not None:
                    log.cache_hits += 1
                return drafts
        drafts = await self._inner.draft(request)  # an exception propagates: errors are never cached
        if drafts:
            self._cache.put(key, [d.model_dump(mode="json") for d in drafts])
        return drafts

    def __getattr__(self, name: str) -> Any:  # anything else the pipeline asks of its drafter
        return getattr(self._inner, name)
