"""The Batch API as coach uses it: upload a JSONL file, create a batch over it, look at it, read
its output and error files line by line. `OpenAIBatchClient` speaks to any server that implements
OpenAI's /v1/files and /v1/batches (OpenAI, Azure OpenAI, a local scripted server in the tests)
through the `openai` SDK; the same JSONL is what vLLM's offline batch runner reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from openai import AsyncOpenAI

if TYPE_CHECKING:
    from coach.config import Settings

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class BatchInfo:
    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[str, ...] = ()  # why a batch failed as a whole (validation, token limits...)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


class BatchClient(Protocol):
    async def upload(self, path: Path) -> str: ...

    async def create(self, input_file_id: str, *, window: str, metadata: dict[str, str]) -> BatchInfo: ...

    async def retrieve(self, batch_id: str) -> BatchInfo: ...

    async def find(self, input_file_id: str) -> BatchInfo | None: ...

    def lines(self, file_id: str) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


def _info(batch: object) -> BatchInfo:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    return BatchInfo(
        id=batch.id, status=batch.status, input_file_id=batch.input_file_id,  # type: ignore[attr-defined]
        output_file_id=getattr(batch, "output_file_id", None), error_file_id=getattr(batch, "error_file_id", None),
        counts={"total": counts.total, "completed": counts.completed, "failed": counts.failed} if counts else {},
        errors=tuple(f"{getattr(e, 'code', None) or 'error'}: {getattr(e, 'message', None) or ''}".strip()
                     for e in errors),
        metadata=dict(getattr(batch, "metadata", None) or {}),
    )


class OpenAIBatchClient:
    """BatchClient over the openai SDK (its own retries on: these calls are few and idempotent,
    except `create`, whose lost answer the run finds again with `find`)."""

    def __init__(self, client: AsyncOpenAI) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBatchClient:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        return cls(AsyncOpenAI(api_key=key, base_url=settings.openai_base_url, max_retries=3, timeout=600))

    async def upload(self, path: Path) -> str:
        with path.open("rb") as fh:
            uploaded = await self.client.files.create(file=(path.name, fh), purpose="batch")
        return str(uploaded.id)

    async def create(self, input_file_id: str, *, window: str, metadata: dict[str, str]) -> BatchInfo:
        batch = await self.client.batches.create(
            input_file_id=input_file_id, endpoint="/v1/chat/completions", completion_window=window, metadata=metadata)
        return _info(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        return _info(await self.client.batches.retrieve(batch_id))

    async def find(self, input_file_id: str, *, scan: int = 1000) -> BatchInfo | None:
        """The batch made over `input_file_id` among the account's `scan` newest, if any."""
        seen = 0
        async for batch in self.client.batches.list(limit=100):
            if batch.input_file_id == input_file_id:
                return _info(batch)
            seen += 1
            if seen >= scan:
                break
        return None

    async def lines(self, file_id: str) -> AsyncIterator[bytes]:
        async with self.client.files.with_streaming_response.content(file_id) as response:
            buffer = b""
            async for piece in response.iter_bytes():
                buffer += piece
                *complete, buffer = buffer.split(b"\n")
                for line in complete:
                    if line.strip():
                        yield line
            if buffer.strip():
                yield buffer

    async def aclose(self) -> None:
        await self.client.close()
