"""The authorisation matrix of the whole platform: every endpoint of the six services × every role ×
own department or another's × owner or not, on PostgreSQL + Kafka with data made through the APIs.

The endpoints come from each app's route table: an endpoint added later without its row here fails
`test_the_matrix_covers_every_route` instead of going unchecked.

Outcomes: `401` no valid token; `403` known but not allowed (BFLA); `404` not yours, shown as absent
(BOLA); `ok` the request reached the domain (2xx, or a 409/422 about the resource's state or the body).
The roles expected to be refused run first, on the untouched resource, so a refusal can never hide
behind a state the allowed roles left behind."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from onewindow_launcher.services import SERVICES
from tests.security.expectations import MATRIX, OK, OPS, ROLES, department_of
from tests.security.tokens import bearer, claims, signed
from tests.security.world import citizen_id, FOOD, FOOD_DEPT, HYGIENE, HYGIENE_DEPT, KCG, OTHER_DEPT, World, eventually

def routes_of(world: World, service: str) -> set[tuple[str, str]]:
    """Every method and path the app answers, from its route table: routers' routes, hidden routes and
    plain Starlette routes included (HEAD is GET's shadow)."""
    return {(method, route.path) for route in iter_route_contexts(world.apps[service].routes)
            for method in (route.methods or {"GET"}) - {"HEAD"}}


def headers(world: World, role: str, department: str, owner: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    if role == "unbound_reviewer":  # a reviewer's token that names no department: bound to nothing, so refused
        return bearer(signed(world.settings, world.clock, claims(world.clock, "department_reviewer")))
    role_of, subject, dept = {
        "owner": ("applicant", owner, None), "other_applicant": ("applicant", None, None),
        "agent": ("agent", None, None), "clerk": ("window_clerk", None, None),
        "supervisor": ("supervisor", None, None), "reviewer": ("department_reviewer", None, department),
        "other_reviewer": ("department_reviewer", None, OTHER_DEPT), "system": ("department_system", None, department),
        "other_system": ("department_system", None, OTHER_DEPT), "service": ("service", "svc-approval", None),
    }[role]
    return world.token(role_of, subject, dept)


def _outcome(status: int) -> str:
    return str(status) if status in (401, 403, 404) else OK if status < 500 else f"server error {status}"


Request = Callable[[dict[str, str]], Any]


def _intake(world: World, method: str, path: str, owner: str) -> Request:
    case_id, material = "", ""
    if "{case_id}" in path:  # a case of its own for each endpoint: what one endpoint does cannot spoil another's
        case_id = world.food_case(owner)
        case = world.intake.get(f"/v1/applications/{case_id}", headers=world.token("supervisor")).json()
        material = case["materials"][0]["material_id"]
    elif path == "/v1/delegations":
        material = world.upload(world.token("applicant", owner), "CL-JBR-SQWTS")
    applicant = owner
    if "{applicant_ref}" in path:  # a throwaway applicant registered at the window: erasing them spoils nothing
        registered = world.post("intake", "/v1/applicants", world.token("window_clerk"), {
            "kind": "citizen", "number": citizen_id("330106", "19900101", f"{uuid.uuid4().int % 1000:03d}"),
            "name": "张三"})
        assert registered.status_code == 201, registered.text
        applicant = registered.json()["applicant_ref"]
    code = KCG if path.startswith("/v1/bundles") else FOOD
    url = path.format(code=code, case_id=case_id, material_id=material, applicant_ref=applicant)
    bodies = {
        "acceptance": {}, "escalation": {"reason": "材料存疑"}, "withdrawal": {}, "erasure": {"reason": "applicant_request"},
        "retention-runs": {},
        "escalation-decision": {"decision": "accept", "reason": "同意受理"},
        "supplements": {"material_ids": [material]},
        "delegations": {"agent_ref": "agent-helper-01", "acts": ["apply"], "authorisation_material_id": material},
        "applicants": {"kind": "citizen", "number": citizen_id("330106", "19900101", "731"), "name": "李四"},
        "applications": {"item_codes": [FOOD], "applicant_kind": "enterprise", "applicant_ref": owner,
                         "applicant": {"kind": "enterprise", "number": "91330106MA2H0Q1X5R", "name": "杭州味道餐饮有限公司"}},
    }
    if method == "GET":
        return lambda h: world.intake.get(url, headers=h, params={"purpose": "审查"})
    if path == "/v1/materials":
        return lambda h: world.post("intake", url, h, content=b"%PDF-1.7 matrix",
                                    params={"type_code": "CL-YYZZ", "filename": "a.pdf", "applicant_ref": owner})
    return lambda h: world.post("intake", url, h, bodies[path.rsplit("/", 1)[-1]])


def _approval(world: World, method: str, path: str, owner: str) -> Request:
    if path.endswith("/verification"):  # 先证后核: of an item approved on commitment (drawn: the rate is 1)
        case_id, item = world.hygiene_case(owner), HYGIENE
    else:
        case_id, item = world.food_case(owner), FOOD
    url = path.format(case_id=case_id, item_code=item)
    bodies = {"decision": {"approve": True, "reason": "材料齐全"},
              "suspension": {"reason": "expert_review", "note": "组织专家评审"}, "resumption": {"outcome": "评审通过"},
              "extension": {"days": 5, "reason": "情况复杂，依法延期"}, "verification": {"truthful": True}}
    if method == "GET":
        return lambda h: world.approval.get(url, headers=h)
    return lambda h: world.post("approval", url, h, bodies[path.rsplit("/", 1)[-1]])


def _certificates(world: World, method: str, path: str, owner: str) -> Request:
    licence = world.made["licence"]
    url = path.format(licence_id=licence["licence_id"], holder_ref=owner)
    query = {"payload": licence["qr_payload"], "type_code": licence["type_code"], "purpose": "免证办核验"}
    if method == "GET":
        return lambda h: world.certificates.get(url, headers=h, params=query)
    return lambda h: world.post("certificates", url, h, {"reason": "issued_in_error", "detail": "矩阵测试"})


def _evaluation(world: World, method: str, path: str, owner: str, rated: dict[str, str]) -> Request:
    case_id = world.made["hygiene_case"]
    url = path.format(case_id=case_id, **rated)
    bodies = {
        "/v1/cases/{case_id}/evaluations": {"stage": "acceptance", "level": "satisfied", "channel": "online"},
        "/v1/rectifications/{rectification_id}/answer": {"disposition": "explained", "answer": "已向申请人说明审批时限"},
        "/v1/complaints": {"source": "online", "aspects": ["attitude"], "case_id": case_id, "text": "窗口态度差"},
        "/v1/cases/{case_id}/appeals": {"evaluation_id": rated["evaluation_id"], "grounds": "恶意差评"},
        "/v1/appeals/{appeal_id}/decision": {"outcome": "dismissed", "reason": "评价属实"},
    }
    if method == "GET":
        return lambda h: world.evaluation.get(url, headers=h)
    return lambda h: world.post("evaluation", url, h, bodies[path])


def _notify(world: World, method: str, path: str, owner: str, delivery_id: str) -> Request:
    url = path.format(case_id=world.made["hygiene_case"], delivery_id=delivery_id)
    if method == "PUT":
        return lambda h: world.notify.put(url, headers=h, json={"email": "owner@example.com"})
    if method == "GET":
        return lambda h: world.notify.get(url, headers=h)
    body = {} if path.endswith("receipt") else {"method": "window_pickup"}
    return lambda h: world.post("notify", url, h, body)


def _supervision(world: World, method: str, path: str, owner: str) -> Request:
    case_id = world.made.setdefault("supervised_case", world.food_case(owner))
    eventually_timeline(world, case_id)
    url = path.format(case_id=case_id)
    return lambda h: world.supervision.get(url, headers=h, params={"case_id": case_id})


def eventually_timeline(world: World, case_id: str) -> None:
    supervisor = world.token("supervisor")
    eventually(lambda: world.supervision.get(f"/v1/cases/{case_id}/timeline", headers=supervisor).status_code == 200,
               what="supervision to archive the case")


def _plain(world: World, service: str, method: str, path: str) -> Request:
    return lambda h: world.clients[service].request(method, path, headers=h)


CASES = sorted((service, method, path) for service, table in MATRIX.items() for method, path in table)


@pytest.mark.parametrize("service", SERVICES)
def test_the_matrix_covers_every_route(world: World, service: str) -> None:
    assert routes_of(world, service) == set(MATRIX[service])


@pytest.mark.parametrize(("service", "method", "path"), CASES)
def test_every_role_gets_exactly_its_access(request: pytest.FixtureRequest, world: World, service: str, method: str,
                                            path: str) -> None:
    owner = world.made["owner"]
    if (method, path) in OPS:
        call = _plain(world, service, method, path)
    elif service == "evaluation":
        call = _evaluation(world, method, path, owner, request.getfixturevalue("rated"))
    elif service == "notify":
        call = _notify(world, method, path, owner, request.getfixturevalue("posted"))
    else:
        call = {"intake": _intake, "approval": _approval, "certificates": _certificates,
                "supervision": _supervision}[service](world, method, path, owner)
    expected = dict(zip(ROLES, MATRIX[service][(method, path)]))
    seen: dict[str, str] = {}
    for role in sorted(ROLES, key=lambda r: expected[r] == OK):  # the refused first, on the untouched resource
        reply = call(headers(world, role, department_of(service, path), owner))
        seen[role] = _outcome(reply.status_code)
        if reply.status_code in (401, 403, 404):  # every refusal is a problem a person can read
            problem = reply.json()
            assert reply.headers["content-type"].startswith("application/problem+json"), reply.text
            assert problem["status"] == reply.status_code and problem["code"] and problem["title_zh"], problem
    assert seen == expected


def test_lists_show_a_department_only_its_own_cases(world: World, rated: dict[str, str]) -> None:
    """The lists a department reads are filtered to it: the same request by 税务局 and by the case's own
    department differ by exactly the case (BOLA through a list instead of an id)."""
    food = world.made.setdefault("supervised_case", world.food_case(world.made["owner"]))
    eventually_timeline(world, food)
    hygiene = world.made["hygiene_case"]
    lists = [  # (service, path, params, the case it must show, its department, how a row names its case)
        ("intake", "/v1/applications", {"limit": 100}, food, FOOD_DEPT, lambda r: r["items"]),
        ("approval", "/v1/queue", {"limit": 200}, food, FOOD_DEPT, lambda r: r["items"]),
        ("supervision", "/v1/items", {"limit": 500}, food, FOOD_DEPT, lambda r: r),
        ("evaluation", "/v1/rectifications", {"limit": 200}, hygiene, HYGIENE_DEPT, lambda r: r["items"]),
    ]
    for service, path, params, case_id, department, rows in lists:
        for role in ("department_reviewer", "department_system"):
            own = rows(world.clients[service].get(path, params=params, headers=world.token(role, department=department)).json())
            other = rows(world.clients[service].get(path, params=params, headers=world.token(role, department=OTHER_DEPT)).json())
            assert all(row.get("department_code", OTHER_DEPT) == OTHER_DEPT or "departments" in row for row in other), path
            assert all(OTHER_DEPT in row.get("departments", [OTHER_DEPT]) for row in other), path
            if case_id is not None:
                assert case_id in {row["case_id"] for row in own}, (service, path)
                assert case_id not in {row["case_id"] for row in other}, (service, path)
