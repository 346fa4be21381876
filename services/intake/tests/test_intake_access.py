"""The authorisation matrix: every intake endpoint × every role × owner or not. Built from the app's
route table, so an endpoint added later without a row here fails the test instead of going unchecked.

Outcomes: `401` no valid token; `403` known but not allowed; `404` not yours, shown as absent (BOLA);
`ok` the request reached the domain (2xx, or a 409/422 about the case's state or the body)."""
from __future__ import annotations

from pathlib import Path

import pytest

from onewindow_intake.config import Settings

from intake_platform import Platform, start

REGISTRATION, FOOD = "330100-SCJGJ-XK-001", "330100-SCJGJ-XK-002"
OWN_DEPT, OTHER_DEPT = "330100-SCJGJ", "330100-SWJ"
ROLES = ("anonymous", "owner", "other_applicant", "agent", "clerk", "supervisor", "reviewer", "other_reviewer",
         "system")
PUBLIC = dict.fromkeys(ROLES, "ok")

#                                             anon  owner other agent clerk super  rev  o-rev  system
MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/v1/catalogue/items"):              ("ok",) * 9,
    ("GET", "/v1/catalogue/items/{code}"):       ("ok",) * 9,
    ("GET", "/v1/bundles"):                      ("ok",) * 9,
    ("GET", "/v1/bundles/{code}"):               ("ok",) * 9,
    ("POST", "/v1/materials"):                   ("401", "ok", "ok", "403", "ok", "403", "403", "403", "403"),
    ("POST", "/v1/delegations"):                 ("401", "ok", "ok", "403", "403", "403", "403", "403", "403"),
    ("GET", "/v1/materials"):                    ("401", "ok", "ok", "403", "403", "403", "403", "403", "403"),
    ("POST", "/v1/applications"):                ("401", "ok", "ok", "403", "ok", "403", "403", "403", "403"),
    ("GET", "/v1/applications"):                 ("401", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    ("GET", "/v1/applications/{case_id}"):       ("401", "ok", "404", "404", "ok", "ok", "ok", "404", "ok"),
    ("POST", "/v1/applications/{case_id}/acceptance"):
                                                 ("401", "403", "404", "404", "ok", "ok", "403", "404", "403"),
    ("POST", "/v1/applications/{case_id}/escalation"):
                                                 ("401", "403", "404", "404", "ok", "403", "403", "404", "403"),
    ("POST", "/v1/applications/{case_id}/escalation-decision"):
                                                 ("401", "403", "404", "404", "403", "ok", "403", "404", "403"),
    ("POST", "/v1/applications/{case_id}/withdrawal"):
                                                 ("401", "ok", "404", "404", "403", "403", "403", "404", "403"),
    ("POST", "/v1/applications/{case_id}/supplements"):
                                                 ("401", "ok", "404", "404", "ok", "403", "403", "404", "403"),
    ("GET", "/v1/applications/{case_id}/materials/{material_id}"):
                                                 ("401", "403", "403", "403", "403", "403", "ok", "404", "ok"),
    ("POST", "/v1/applicants"):                  ("401", "403", "403", "403", "ok", "403", "403", "403", "403"),
    ("POST", "/v1/applicants/{applicant_ref}/erasure"):
                                                 ("401", "403", "403", "403", "403", "ok", "403", "403", "403"),
    ("GET", "/v1/applicants/{applicant_ref}"):   ("401", "403", "403", "403", "403", "ok", "403", "403", "403"),
    ("POST", "/v1/erasure/retention-runs"):      ("401", "403", "403", "403", "403", "ok", "403", "403", "403"),
}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    directory: Path = tmp_path_factory.mktemp("access")
    settings = Settings(environment="test", database_url=f"sqlite:///{directory}/intake.db",
                        kafka_bootstrap_servers=None, bus_path=directory / "bus.db")
    client, clock = start(settings)
    with client:
        yield Platform(client, clock, settings)


def _headers(p: Platform, role: str, owner: str) -> dict[str, str]:
    return {
        "anonymous": {}, "owner": p.token("applicant", owner), "other_applicant": p.token("applicant"),
        "agent": p.token("agent"), "clerk": p.token("window_clerk"), "supervisor": p.token("supervisor"),
        "reviewer": p.token("department_reviewer", department=OWN_DEPT),
        "other_reviewer": p.token("department_reviewer", department=OTHER_DEPT),
        "system": p.token("department_system", department=OWN_DEPT),
    }[role]


def _fresh_case(p: Platform) -> dict:
    """An online case of its own for each cell, accepted, its materials shared with 市场监管局."""
    owner = p.token("applicant")
    ids = [p.upload(owner, c) for c in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY", "CL-JBR-SQWTS")]
    reply = p.post("/v1/applications", owner, {"item_codes": [REGISTRATION], "applicant_kind": "enterprise",
                                               "answers": p.answers(f"/v1/catalogue/items/{REGISTRATION}"),
                                               "material_ids": ids})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted", reply.text
    return reply.json()


def _request(p: Platform, method: str, path: str, headers: dict, case: dict) -> int:
    material = case["materials"][0]["material_id"]
    url = path.replace("/v1/bundles/{code}", "/v1/bundles/330100-YJS-KCG").format(
        code=REGISTRATION, case_id=case["case_id"], material_id=material, applicant_ref=case["applicant_ref"])
    bodies = {
        "/v1/materials": None, "/v1/applications": {"item_codes": [REGISTRATION], "applicant_kind": "enterprise",
                                                    "applicant_ref": case["applicant_ref"],
                                                    "applicant": {"kind": "enterprise", "number": "91330106MA2H0Q1X5R",
                                                                  "name": "杭州味道餐饮有限公司"}},
        "acceptance": {}, "escalation": {"reason": "材料存疑"}, "escalation-decision": {"decision": "accept",
                                                                                    "reason": "同意受理"},
        "withdrawal": {}, "supplements": {"material_ids": [material]}, "erasure": {"reason": "applicant_request"},
        "/v1/applicants": {"kind": "citizen", "number": "11010519491231002X", "name": "王芳"},
        "/v1/delegations": {"agent_ref": "agent-helper-01", "acts": ["apply"], "authorisation_material_id": material},
    }
    if method == "GET":
        return p.client.get(url, headers=headers, params={"purpose": "审查"}).status_code
    key = {"Idempotency-Key": f"matrix-{abs(hash((url, str(headers))))}"}
    if path == "/v1/materials":
        return p.client.post(url, headers=headers | key, content=b"%PDF-1.7 matrix",
                             params={"type_code": "CL-GSZC", "filename": "a.pdf", "applicant_ref": case["applicant_ref"]}
                             ).status_code
    body = bodies.get(path.rsplit("/", 1)[-1], bodies.get(path))
    return p.client.post(url, headers=headers | key, json=body).status_code


def _outcome(status: int) -> str:
    return str(status) if status in (401, 403, 404) else "ok" if status < 500 else f"server error {status}"


def test_the_matrix_covers_every_route(embedded: Platform) -> None:
    paths = embedded.client.get("/openapi.json").json()["paths"]
    routes = {(method.upper(), path) for path, operations in paths.items() for method in operations
              if path.startswith("/v1/")}
    assert routes == set(MATRIX)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_every_role_gets_exactly_its_access(embedded: Platform, method: str, path: str) -> None:
    seen = {}
    for role, expected in zip(ROLES, MATRIX[(method, path)]):
        case = _fresh_case(embedded)
        seen[role] = _outcome(_request(embedded, method, path, _headers(embedded, role, case["applicant_ref"]), case))
    assert seen == dict(zip(ROLES, MATRIX[(method, path)]))
