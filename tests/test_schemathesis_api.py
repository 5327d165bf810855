"""The OpenAPI description is honest: schemathesis generates requests for every operation from
/openapi.json and checks that nothing answers 5xx and every response matches the schema.

Bounded (a few examples per operation, no shrinking to speak of) so it runs in seconds.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import schemathesis
from schemathesis.checks import positive_data_acceptance
from hypothesis import HealthCheck, Phase, settings

from coach.api.app import create_app
from coach.config import Settings

_DB = Path(tempfile.mkdtemp(prefix="coach-schemathesis-")) / "feedback.sqlite3"
app = create_app(Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(_DB)))  # type: ignore[call-arg]
asyncio.run(app.state.runtime.load())  # ready before the first request, as after start-up


# The coverage phase's boundary cases are many; fuzzing a few examples per operation is the bound.
_CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_CONFIG)


@schema.parametrize()
@settings(
    max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
)
def test_api_matches_its_description(case) -> None:  # noqa: ANN001
    # Every default check but one: a schema-valid request may still be refused with a 4xx when
    # its meaning is wrong (an unknown template, a blank query), which the schema cannot express.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
