"""Schemathesis against every service's OpenAPI, served over HTTP on PostgreSQL + Kafka: requests
generated from the document, sent with a valid token of a role the access table lets in, must never
end in a server error, and every answer must match what the document promises.

Derandomised (Hypothesis draws the same examples from the same document every run) with a modest
count per operation, so CI is reproducible and the whole pass takes a minute or so on 2 cores."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, Phase, given, settings
from pydantic import BaseModel
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from onewindow_launcher.services import SERVICES
from tests.security.expectations import MATRIX, OK, ROLES, department_of
from tests.security.world import World
from tests.support.served import served

EXAMPLES = 12  # per operation: enough to reach the odd corners, few enough for 2 shared cores
# The role a generated request is sent as: the most privileged staff role the table lets in, so the
# request reaches the domain rather than stopping at the door.
PREFERENCE = ("supervisor", "clerk", "reviewer", "system", "owner", "service")
TOKEN_ROLE = {"supervisor": ("supervisor", None), "clerk": ("window_clerk", None), "owner": ("applicant", None),
              "reviewer": ("department_reviewer", "dept"), "system": ("department_system", "dept"),
              "service": ("service", None)}


def caller(world: World, service: str, method: str, path: str) -> dict[str, str]:
    allowed = dict(zip(ROLES, MATRIX[service][(method, path)]))
    role = next((r for r in PREFERENCE if allowed[r] == OK), None)
    if role is None or allowed["anonymous"] == OK:
        return {}
    name, department = TOKEN_ROLE[role]
    subject = world.made["owner"] if role == "owner" else None
    return world.token(name, subject, department_of(service, path) if department else None)


def probe(openapi: dict[str, Any], base_url: str, headers_for: Callable[[str, str], dict[str, str]],
          examples: int = EXAMPLES) -> tuple[int, list[str]]:
    """Send each operation's generated requests; return how many were sent and what failed."""
    schema = schemathesis.openapi.from_dict(openapi)
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = headers_for(operation.method.upper(), operation.path)

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def one(case: Any) -> None:
            nonlocal sent
            sent += 1
            extra = {"Idempotency-Key": f"schema-{sent:06d}-{uuid.uuid4().hex[:8]}"} if case.method != "GET" else {}
            response = case.call(base_url=base_url, headers=headers | extra, timeout=30)
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                       headers=headers | extra)
            except (AssertionError, FailureGroup) as failure:
                failures.append(f"{operation.label}: {str(failure)[:1500]}")

        one()
    return sent, failures


@pytest.mark.parametrize("service", SERVICES)
def test_no_server_error_and_every_answer_matches_the_schema(world: World, service: str) -> None:
    base_url = str(world.clients[service].base_url).rstrip("/")
    sent, failures = probe(world.apps[service].openapi(), base_url,
                           lambda method, path: caller(world, service, method, path))
    assert sent >= EXAMPLES  # the pass really ran
    assert not failures, "\n\n".join(failures[:10])


def test_the_probe_finds_a_server_error_and_an_answer_off_its_schema() -> None:
    """The checks can fail: a little app that breaks its promise both ways is caught both ways."""
    app = FastAPI()

    class Licence(BaseModel):
        licence_id: str

    @app.get("/broken", response_model=Licence)
    async def broken() -> Any:
        raise RuntimeError("boom")

    @app.get("/off-schema", responses={200: {"content": {"application/json": {"schema": {
        "type": "object", "required": ["licence_id"], "properties": {"licence_id": {"type": "string"}}}}}}})
    async def off_schema() -> JSONResponse:
        return JSONResponse({"licence_no": 7})

    with served(app) as url:
        sent, failures = probe(app.openapi(), url, lambda method, path: {}, examples=2)
    assert sent >= 2
    assert any(f.startswith("GET /broken") and "Server error" in f for f in failures), failures
    assert any(f.startswith("GET /off-schema") and "schema" in f.lower() for f in failures), failures
