"""Settings, read once from the environment (or a .env file) and injected everywhere."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # The LLM endpoint (OpenAI or any OpenAI-compatible server).
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str = Field(default="gpt-4o-mini", validation_alias="COACH_MODEL")
    backend: Literal["auto", "openai", "offline"] = Field(default="auto", validation_alias="COACH_BACKEND")
    llm_timeout_s: float = Field(default=6.0, gt=0, validation_alias="COACH_LLM_TIMEOUT_S")
    max_tokens: int = Field(default=400, ge=16, validation_alias="COACH_MAX_TOKENS")
    temperature: float = Field(default=0.4, ge=0, le=2, validation_alias="COACH_TEMPERATURE")
    llm_retries: int = Field(default=3, ge=0, le=10, validation_alias="COACH_LLM_RETRIES")
    llm_retry_wait_s: float = Field(default=0.25, ge=0, validation_alias="COACH_LLM_RETRY_WAIT_S")
    llm_breaker_threshold: int = Field(default=5, ge=0, validation_alias="COACH_LLM_BREAKER_THRESHOLD")
    llm_breaker_cooldown_s: float = Field(default=10.0, ge=0, validation_alias="COACH_LLM_BREAKER_COOLDOWN_S")
    llm_retry_max_wait_s: float = Field(default=2.0, ge=0, validation_alias="COACH_LLM_RETRY_MAX_WAIT_S")
    # Prices per million tokens by model-name prefix, JSON: {"qwen2.5": [0.1, 0.3]}. OpenAI's list
    # applies only to OpenAI's and Azure's endpoints; anything else is reported with no cost.
    model_prices: dict[str, tuple[float, float]] = Field(default_factory=dict, validation_alias="COACH_MODEL_PRICES")

    # The service.
    api_keys: str = Field(default="", validation_alias="COACH_API_KEYS")
    guidelines_dir: Path | None = Field(default=None, validation_alias="COACH_GUIDELINES_DIR")
    prompts_dir: Path | None = Field(default=None, validation_alias="COACH_PROMPTS_DIR")
    cache_dir: Path | None = Field(default=None, validation_alias="COACH_CACHE_DIR")
    # The feedback database: a SQLite file path (embedded default) or a postgresql:// URL (coach.db.url).
    database: str = Field(default="coach-feedback.sqlite3", min_length=1, validation_alias="COACH_DATABASE")
    # After the database was found unreachable, /v1/feedback answers 503 at once for this long (its
    # Retry-After) before trying the database again.
    database_retry_s: float = Field(default=5.0, ge=0.1, le=300, validation_alias="COACH_DATABASE_RETRY_S")
    max_repairs: int = Field(default=2, ge=0, le=5, validation_alias="COACH_MAX_REPAIRS")
    deadline_s: float = Field(default=8.0, gt=0, validation_alias="COACH_DEADLINE_S")
    # hybrid: BM25 + glossary + dense vectors (best recall, English queries included; the query
    # embedding costs about 1 ms per character, capped). lexical: BM25 + glossary only (sub-ms).
    retrieval: Literal["hybrid", "lexical"] = Field(default="hybrid", validation_alias="COACH_RETRIEVAL")
    reload_prompts: bool = Field(default=False, validation_alias="COACH_RELOAD_PROMPTS")
    # The customers' timezone (IANA) when a request gives none and its locale does not settle it
    # (zh-CN and zh-TW do); without it an English customer's wall clock is unknown and the offline
    # drafter proposes callback times from tomorrow on.
    timezone: str | None = Field(default=None, validation_alias="COACH_TIMEZONE")

    # Operating the service (issue 7): browser origins, limits, load shedding, logs.
    cors_origins: str = Field(default="", validation_alias="COACH_CORS_ORIGINS")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, validation_alias="COACH_MAX_BODY_BYTES")
    max_inflight: int = Field(default=64, ge=1, validation_alias="COACH_MAX_INFLIGHT")
    max_queue: int = Field(default=256, ge=0, validation_alias="COACH_MAX_QUEUE")
    queue_timeout_s: float = Field(default=5.0, ge=0, validation_alias="COACH_QUEUE_TIMEOUT_S")
    log_format: Literal["json", "text"] = Field(default="json", validation_alias="COACH_LOG_FORMAT")
    # A streamed suggestion sends an SSE comment after this many quiet seconds (0: never), so that
    # proxies do not close the connection while a slow model drafts (issue 13).
    sse_keepalive_s: float = Field(default=5.0, ge=0, validation_alias="COACH_SSE_KEEPALIVE_S")
    # Traces (issue 14): OTLP/HTTP export when the standard endpoint variable is set; customer text
    # in spans only when explicitly allowed, and then redacted as in the logs.
    otel_endpoint: str | None = Field(default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    trace_content: bool = Field(default=False, validation_alias="COACH_TRACE_CONTENT")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"COACH_TIMEZONE {v!r} is not an IANA timezone such as Asia/Shanghai") from None
        return v.strip()

    @field_validator("openai_base_url", "otel_endpoint", mode="before")
    @classmethod
    def _blank_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @property
    def resolved_backend(self) -> Literal["openai", "offline"]:
        if self.backend != "auto":
            return self.backend
        has_key = self.openai_api_key is not None and self.openai_api_key.get_secret_value().strip()
        return "openai" if (has_key or self.openai_base_url) else "offline"

    @property
    def service_keys(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.api_keys.split(",") if k.strip())

    @property
    def cors_origin_list(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())

    @property
    def resolved_cache_dir(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "coach"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
