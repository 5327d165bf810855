"""GET /metrics: Prometheus text, request latency per route template, shed and rejected counts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from coach.api.app import create_app
from coach.config import Settings


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_exposes_latency_per_route_and_rejections(tmp_path) -> None:
    settings = Settings(_env_file=None, COACH_API_KEYS="k", COACH_DATABASE=str(tmp_path / "f.db"))  # type: ignore[call-arg]
    client = TestClient(create_app(settings))
    before = _samples(client.get("/metrics").text)
    client.get("/healthz")
    client.get("/v1/feedback/recent")  # 401, refused before routing: labelled by its path
    client.get("/no/such/page")  # 404, unmatched
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("coach_request_seconds_count", route="/healthz", method="GET", status="200") == 1
    assert delta("coach_request_seconds_count", route="unmatched", method="GET", status="404") == 1
    assert delta("coach_rejected_requests_total", reason="unauthorized") == 1
    assert delta("coach_request_seconds_count", route="/v1/feedback/recent", method="GET", status="401") == 1
    names = {name for name, _ in after}
    for family in ("coach_stage_seconds", "coach_llm_errors", "coach_degraded", "coach_violations", "coach_shed"):
        assert any(n.startswith(family) for n in names) or family in response.text
