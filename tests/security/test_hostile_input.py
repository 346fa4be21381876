"""Hostile input against the served platform: each is refused with an RFC 9457 problem (a stable code,
Chinese and English titles) — or, where it is harmless text, kept and echoed as inert data — and a
refused request leaves nothing behind: no case, no material, no event (so no outbox row), no remembered reply."""
from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onewindow_intake.domain.vault import MAX_BYTES
from tests.security.tokens import bearer, claims, expired, signed, unsigned
from tests.security.world import FOOD, World


def fresh_applicant() -> str:
    return f"app-hostile-{uuid.uuid4().hex[:10]}"


def traces(world: World, service: str, ref: str) -> dict[str, int]:
    """Everything `service` stored that names `ref`: events, remembered replies, and at intake its cases
    and materials. Outbox rows are not counted: each names an event (counted here), and the relay
    deletes them once published, so a count of them before and after could differ with nothing stored."""
    like = f"%{ref}%"
    found = {
        "events": world.query(service, "SELECT count(*) AS n FROM events WHERE stream_id LIKE $1 OR subject LIKE $1 "
                                       "OR data::text LIKE $1 OR metadata::text LIKE $1", like)[0]["n"],
        "replies": world.query(service, "SELECT count(*) AS n FROM idempotency_keys WHERE principal LIKE $1", like)[0]["n"],
    }
    if service == "intake":
        found["cases"] = world.query(service, "SELECT count(*) AS n FROM cases WHERE applicant_ref = $1", ref)[0]["n"]
        found["materials"] = world.query(service, "SELECT count(*) AS n FROM materials WHERE applicant_ref = $1",
                                         ref)[0]["n"]
    return found


def nothing(world: World, service: str, ref: str) -> None:
    assert set(traces(world, service, ref).values()) == {0}, traces(world, service, ref)


def problem(reply: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The reply is an RFC 9457 problem with this status and stable code, in Chinese and English."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json"), reply.headers
    body = reply.json()
    assert body["code"] == code and body["status"] == status, body
    assert body["type"].endswith("/" + code) and body["title"] and body["title_zh"], body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title_zh"]), body  # Chinese, really
    return body


def upload(world: World, ref: str, content: Any, filename: str = "a.pdf", **headers: str) -> httpx.Response:
    return world.intake.post("/v1/materials", content=content, params={"type_code": "CL-YYZZ", "filename": filename},
                             headers=world.token("applicant", ref) | {"Idempotency-Key": uuid.uuid4().hex} | headers)


# --- uploads -------------------------------------------------------------------------------------------

def test_an_upload_above_the_limit_is_refused_and_not_kept(world: World) -> None:
    ref = fresh_applicant()
    big = b"%PDF-1.7 " + b"0" * MAX_BYTES
    problem(upload(world, ref, big), 422, "material_too_large")

    def chunks() -> Any:  # no Content-Length: the size is only known by reading
        yield b"%PDF-1.7 "
        for _ in range(11):
            yield b"0" * (1024 * 1024)

    problem(upload(world, ref, chunks()), 422, "material_too_large")
    nothing(world, "intake", ref)


def test_a_multipart_body_or_an_empty_one_is_not_a_document(world: World) -> None:
    """The vault takes the raw document and recognises it by content: multipart framing (malformed or
    not), an HTML page calling itself a PDF, or nothing at all are refused."""
    ref = fresh_applicant()
    malformed = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7"  # never closed
    problem(upload(world, ref, malformed, **{"Content-Type": "multipart/form-data; boundary=XyZ"}), 422,
            "material_type_unsupported")
    problem(upload(world, ref, b"<html><script>alert(1)</script></html>", "a.pdf"), 422, "material_type_unsupported")
    problem(upload(world, ref, b""), 422, "material_empty")
    nothing(world, "intake", ref)


@pytest.mark.parametrize("name", ["../../../etc/passwd.pdf", "/etc/shadow.pdf", "C:\\Windows\\system32\\x.pdf",
                                  "a\x00b.pdf", "..\\..\\boot.ini.pdf", "营业执照\u202egpj.pdf"])
def test_a_file_name_is_kept_as_a_base_name_only(world: World, name: str) -> None:
    ref = fresh_applicant()
    reply = upload(world, ref, b"%PDF-1.7 " + uuid.uuid4().bytes, name)
    assert reply.status_code == 201, reply.text
    kept = reply.json()["filename"]
    assert "/" not in kept and "\\" not in kept and "\x00" not in kept and not kept.startswith("."), kept
    assert kept.endswith(".pdf") or kept.endswith("gpj.pdf"), kept
    stored = world.query("intake", "SELECT filename FROM materials WHERE applicant_ref = $1", ref)
    assert [r["filename"] for r in stored] == [kept]


@pytest.mark.parametrize("name", ["..", ".", "/", "a/..", " . "])
def test_a_file_name_with_nothing_left_is_refused(world: World, name: str) -> None:
    ref = fresh_applicant()
    problem(upload(world, ref, b"%PDF-1.7 x", name), 422, "filename_invalid")
    nothing(world, "intake", ref)


# --- injection ---------------------------------------------------------------------------------------

SQL = "'); DROP TABLE events; --"
SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def test_injection_in_form_fields_is_kept_as_inert_text(world: World) -> None:
    """SQL and script in the answers of a form are data: stored as given, echoed as JSON strings, the
    tables intact; no page renders them as markup."""
    ref = fresh_applicant()
    holder = world.token("applicant", ref)
    ids = [world.upload(holder, c) for c in ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC",
                                              "CL-SPAQZD", "CL-JKZM")]
    answers = world.answers(f"/v1/catalogue/items/{FOOD}")
    text_fields = [code for code, value in answers.items() if value == "杭州味道面馆"]
    assert text_fields, answers
    answers[text_fields[0]] = SQL + SCRIPT
    reply = world.post("intake", "/v1/applications", holder, {
        "item_codes": [FOOD], "applicant_kind": "enterprise", "material_ids": ids, "use_e_licences": False,
        "answers": answers})
    assert reply.status_code == 201, reply.text
    case_id = reply.json()["case_id"]
    assert world.count("intake", "events") > 0  # the table the injection names is still there
    evaluation = world.post("evaluation", "/v1/complaints", holder, {"source": "online", "aspects": ["attitude"],
                                                                      "department_code": "330100-SCJGJ",
                                                                      "text": SCRIPT + SQL})
    assert evaluation.status_code == 200, evaluation.text
    # query parameters are bound, never spliced: an injected filter matches nothing of anyone else's
    listed = world.intake.get("/v1/applications", params={"status": "' OR '1'='1"}, headers=holder)
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text
    mine = world.intake.get("/v1/applications", headers=holder).json()["items"]
    assert [c["case_id"] for c in mine] == [case_id]


@pytest.mark.parametrize(("service", "path", "params"), [
    ("approval", "/v1/queue", {"after": "not-a-cursor"}),
    ("approval", "/v1/queue", {"after": "2026-13-45|x|y"}),
    ("intake", "/v1/applications", {"before": "yesterday|x"}),
])
def test_a_forged_page_cursor_is_a_clear_422(world: World, service: str, path: str, params: dict[str, str]) -> None:
    headers = world.token("department_reviewer", department="330100-SCJGJ") if service == "approval" \
        else world.token("window_clerk")
    problem(world.clients[service].get(path, params=params, headers=headers), 422, "cursor_invalid")


# --- tokens --------------------------------------------------------------------------------------------

def _bad_tokens(world: World) -> dict[str, tuple[str, str]]:
    """Each bad token, and the code it must be refused with."""
    stranger = Ed25519PrivateKey.generate()
    body = claims(world.clock, "applicant", fresh_applicant())
    return {
        "forged_signature": (signed(world.settings, world.clock, body, key=stranger), "token_invalid"),
        "expired": (expired(world.settings, world.clock), "token_expired"),
        "alg_none": (unsigned(body), "token_invalid"),
        "wrong_audience": (signed(world.settings, world.clock, body | {"aud": "another-platform"}), "token_invalid"),
        "wrong_issuer": (signed(world.settings, world.clock, body | {"iss": "https://idp.example"}), "token_invalid"),
        "tampered_role": (_tampered(world, body), "token_invalid"),
        "id_number_as_subject": (signed(world.settings, world.clock, body | {"sub": "11010519491231002X"}),
                                 "token_invalid"),
    }


def _tampered(world: World, body: dict[str, Any]) -> str:
    """A real token whose claims were edited to say supervisor, keeping the old signature."""
    import base64
    import json

    header, _, signature = signed(world.settings, world.clock, body).split(".")
    raised = base64.urlsafe_b64encode(json.dumps(body | {"role": "supervisor"}).encode()).rstrip(b"=").decode()
    return f"{header}.{raised}.{signature}"


WRITES = {  # one state-changing request per service, that a valid token of the right role could make
    "intake": ("POST", "/v1/applications", {"item_codes": [FOOD], "applicant_kind": "enterprise", "answers": {},
                                            "material_ids": []}),
    "approval": ("POST", f"/v1/cases/330100-20260303-ZZZZ/items/{FOOD}/decision", {"approve": True}),
    "certificates": ("POST", "/v1/licences/nope/revocation", {"reason": "issued_in_error"}),
    "evaluation": ("POST", "/v1/complaints", {"source": "online", "aspects": ["attitude"], "text": "x"}),
    "notify": ("PUT", "/v1/contacts/me", {"email": "a@example.com"}),
    "supervision": ("GET", "/v1/alerts", None),
}


@pytest.mark.parametrize("service", sorted(WRITES))
def test_bad_tokens_are_refused_by_every_service_and_leave_nothing(world: World, service: str) -> None:
    method, path, body = WRITES[service]
    for name, (token, code) in _bad_tokens(world).items():
        reply = world.clients[service].request(method, path, json=body,
                                               headers=bearer(token) | {"Idempotency-Key": uuid.uuid4().hex})
        refusal = problem(reply, 401, code)
        assert token not in reply.text and "11010519491231002X" not in reply.text, (name, refusal)  # never echoed
    anonymous = world.clients[service].request(method, path, json=body)
    problem(anonymous, 401, "token_missing")
    garbage = world.clients[service].request(method, path, json=body, headers={"Authorization": "Bearer a.b"})
    problem(garbage, 401, "token_invalid")


def test_a_refused_token_stores_nothing(world: World) -> None:
    ref = fresh_applicant()
    body = claims(world.clock, "applicant", ref)
    for token in (signed(world.settings, world.clock, body, key=Ed25519PrivateKey.generate()), unsigned(body)):
        reply = world.intake.post("/v1/materials", content=b"%PDF-1.7 forged",
                                  params={"type_code": "CL-YYZZ", "filename": "a.pdf"},
                                  headers=bearer(token) | {"Idempotency-Key": uuid.uuid4().hex})
        problem(reply, 401, "token_invalid")
    nothing(world, "intake", ref)
    assert upload(world, ref, b"%PDF-1.7 " + uuid.uuid4().bytes).status_code == 201  # the check can see a trace
    assert traces(world, "intake", ref)["materials"] == 1


# --- Idempotency-Key -----------------------------------------------------------------------------------

def test_an_idempotency_key_replayed_with_another_body_is_refused_and_changes_nothing(world: World) -> None:
    ref = fresh_applicant()
    holder = world.token("applicant", ref)
    key = {"Idempotency-Key": f"replay-{uuid.uuid4().hex}"}
    params = {"type_code": "CL-YYZZ", "filename": "a.pdf"}
    first = world.intake.post("/v1/materials", content=b"%PDF-1.7 first", params=params, headers=holder | key)
    assert first.status_code == 201, first.text
    before = traces(world, "intake", ref)
    again = world.intake.post("/v1/materials", content=b"%PDF-1.7 first", params=params, headers=holder | key)
    assert (again.status_code, again.json()) == (201, first.json())  # a true retry: the first reply
    other = world.intake.post("/v1/materials", content=b"%PDF-1.7 second", params=params, headers=holder | key)
    problem(other, 422, "idempotency_key_reused")
    assert traces(world, "intake", ref) == before

    complaint = {"source": "online", "aspects": ["attitude"], "department_code": "330100-SCJGJ", "text": "第一次"}
    first = world.evaluation.post("/v1/complaints", json=complaint, headers=holder | key)
    assert first.status_code == 200, first.text
    before = traces(world, "evaluation", ref)
    problem(world.evaluation.post("/v1/complaints", json=complaint | {"text": "第二次"}, headers=holder | key), 422,
            "idempotency_key_reused")
    assert traces(world, "evaluation", ref) == before
    problem(world.evaluation.post("/v1/complaints", json=complaint, headers=holder), 422, "idempotency_key_required")
    problem(world.evaluation.post("/v1/complaints", json=complaint, headers=holder | {"Idempotency-Key": "short"}),
            422, "idempotency_key_invalid")
