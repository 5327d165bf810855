"""Prometheus metrics, defined once. Every stage records into these; /metrics exposes them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUEST_LATENCY = Histogram(
    "coach_request_seconds", "HTTP request latency", ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
STAGE_LATENCY = Histogram(
    "coach_stage_seconds", "latency of one pipeline stage", ["stage"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
LLM_ERRORS = Counter("coach_llm_errors_total", "LLM call failures by kind", ["kind"], registry=REGISTRY)
LLM_RETRIES = Counter("coach_llm_retries_total", "LLM transport retries", registry=REGISTRY)
REPAIRS = Counter("coach_repairs_total", "re-drafts after a rejected draft", registry=REGISTRY)
DEGRADED = Counter("coach_degraded_total", "answers from the offline fallback, by reason", ["reason"], registry=REGISTRY)
VIOLATIONS = Counter("coach_violations_total", "violations found in drafts, by rule", ["rule"], registry=REGISTRY)
TOKENS = Counter("coach_llm_tokens_total", "LLM tokens, by kind", ["kind"], registry=REGISTRY)
