"""Prometheus metrics, defined once. Every stage records into these; /metrics exposes them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
CITATIONS_UNRESOLVED = Counter(
    "coach_citations_unresolved_total", "drafts whose citations all failed to match a passage shown", registry=REGISTRY
)
VIOLATIONS = Counter("coach_violations_total", "violations found in drafts, by rule", ["rule"], registry=REGISTRY)
TOKENS = Counter("coach_llm_tokens_total", "LLM tokens, by kind", ["kind"], registry=REGISTRY)

# The service's own health (issue 7): load shedding, rejected requests, feedback.
INFLIGHT = Gauge(
    "coach_inflight_requests", "requests holding a slot of the in-flight bound", ["route"],
    registry=REGISTRY, multiprocess_mode="livesum",
)
QUEUED = Gauge(
    "coach_queued_requests", "requests waiting for a slot of the in-flight bound", ["route"],
    registry=REGISTRY, multiprocess_mode="livesum",
)
QUEUE_WAIT = Histogram(
    "coach_queue_wait_seconds", "time a request waited for an in-flight slot", ["route"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
SHED = Counter("coach_shed_total", "requests answered 429 by the in-flight bound, by reason", ["route", "reason"], registry=REGISTRY)
REJECTED = Counter("coach_rejected_requests_total", "requests refused before routing, by reason", ["reason"], registry=REGISTRY)
FEEDBACK = Counter("coach_feedback_total", "agent feedback stored, by verdict", ["verdict"], registry=REGISTRY)
FEEDBACK_STORE_ERRORS = Counter(
    "coach_feedback_store_errors_total", "feedback database operations that failed (503 to the caller), by operation",
    ["operation"], registry=REGISTRY,
)
SHOWN = Counter("coach_suggestions_shown_total", "suggestions sent to agents and recorded for the feedback report", registry=REGISTRY)
SHOWN_DROPPED = Counter(
    "coach_suggestions_shown_dropped_total", "suggestion responses not recorded for the feedback report (database away)",
    registry=REGISTRY,
)
