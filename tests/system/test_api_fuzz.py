"""Schemathesis against the running platform (``mockinterview up``): stateless per operation and stateful
(create a session, then use its id and bearer token), asserting no 5xx and responses that match the OpenAPI.

Bounded for CI: a fixed number of examples per operation and of stateful scenarios (see the settings below).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.processes import free_port, mockinterview, wait_http

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("MI_FUZZ_EXAMPLES", "20"))
SCENARIOS = int(os.environ.get("MI_FUZZ_SCENARIOS", "25"))
SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
# The fuzzer creates many sessions from one address: lift the per-client limits (they are tested elsewhere).
LIMITS = {
    "MI_SESSION_CREATES_PER_MINUTE": "100000",
    "MI_SESSIONS_PER_PROFILE_PER_DAY": "100000",
    "MI_UPLOADS_PER_MINUTE": "100000",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = {**LIMITS, "MI_DATA_KEY_FILE": str(tmp / "keys.json"), "MI_LOG_LEVEL": "WARNING"}
    with mockinterview("up", "--port", str(port), "--data-dir", str(tmp / "data"), env=env, log=tmp / "up.log") as p:
        wait_http(f"http://127.0.0.1:{port}/healthz", p, timeout=300)
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def session(server) -> tuple[str, str]:
    created = httpx.post(f"{server}/api/sessions", json=SETUP).json()
    return created["session_id"], created["token"]


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server}/openapi.json")


def test_every_operation_no_5xx_and_responses_match_the_schema(api_schema, session):
    session_id, token = session
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            if "session_id" in (case.path_parameters or {}):
                case.path_parameters["session_id"] = session_id  # a real, owned session: reach past the 404
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        check()


def test_stateful_sequences_with_session_tokens(api_schema):
    tokens: dict[str, str] = {}

    class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            sid = (case.path_parameters or {}).get("session_id")
            token = tokens.get(sid) or next(iter(tokens.values()), "no-session-yet")
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def after_call(self, response, case):
            super().after_call(response, case)
            if case.method == "POST" and case.path == "/api/sessions" and response.status_code == 201:
                body = response.json()
                tokens[body["session_id"]] = body["token"]

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Machine.run(
        settings=settings(
            max_examples=SCENARIOS, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck)
        )
    )
    assert tokens, "the fuzzer never created a session: no link from POST /api/sessions was followed"
