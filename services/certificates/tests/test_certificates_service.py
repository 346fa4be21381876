"""The certificates service over HTTP, on the embedded default and on PostgreSQL + Kafka: an approval
heard on the bus yields a signed licence whose QR code, read back from its PNG by a real decoder,
verifies offline; a false commitment found afterwards revokes it, which online verification reports."""
from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import date

import zxingcpp
from PIL import Image

from onewindow_certificates.domain.identifier import LicenceIdentifier
from onewindow_certificates.signing.document import seal_holds
from onewindow_certificates.signing.keys import KeySet
from onewindow_certificates.signing.showing import verify

from certificates_platform import (
    Platform, a_case, approved, eventually, food_licence_item, found_false, json_of, received, released,
)

TODAY = date(2026, 3, 2)


def _wallet(platform: Platform, holder: str) -> list[dict]:
    return json_of(platform.client.get("/v1/wallet", headers=platform.token("applicant", holder)))["items"]


def test_an_approval_yields_a_licence_whose_qr_verifies_until_a_false_commitment_revokes_it(platform: Platform) -> None:
    case_id, holder, item = a_case()
    # The approval first: certificates waits (NotYet) for the catalogue version and the application.
    platform.publish([approved(case_id, item)])
    platform.publish([food_licence_item(item.item_code)])
    platform.publish([received(case_id, holder, item)])

    licences = eventually(lambda: _wallet(platform, holder))
    assert len(licences) == 1
    licence = licences[0]
    assert licence["name"] == "食品经营许可证" and licence["issuer_name"] == "杭州市市场监督管理局"
    assert licence["status"] == "issued" and licence["case_id"] == case_id
    assert (licence["valid_from"], licence["valid_until"]) == ("2026-03-02", "2031-03-01")  # 5 years
    assert str(LicenceIdentifier.parse(licence["licence_id"])) == licence["licence_id"]  # check character holds
    licence_id = licence["licence_id"]

    # 一码亮证: the PNG, read by a real QR decoder, verifies offline with nothing but the published keys.
    holder_token = platform.token("applicant", holder)
    png = platform.client.get(f"/v1/licences/{licence_id}/qr.png", headers=holder_token)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert len(decoded) == 1 and decoded[0].text.startswith("OW1:")
    keys = KeySet.from_jwks(json_of(platform.client.get("/v1/keys")))
    offline = verify(decoded[0].text, keys, TODAY)
    assert offline.standing.value == "valid" and offline.claims is not None
    assert (offline.claims.licence_id, offline.claims.holder_ref, offline.claims.holder_id_type.value) == (
        licence_id, holder, "001")
    online = json_of(platform.client.get("/v1/verify", params={"payload": decoded[0].text}))
    assert online["status"] == "valid" and online["registered"] and online["issuer_name"] == "杭州市市场监督管理局"

    svg = platform.client.get(f"/v1/licences/{licence_id}/qr.svg", headers=holder_token)
    assert svg.status_code == 200 and b"<svg" in svg.content
    page = platform.client.get(f"/v1/licences/{licence_id}/page", headers=holder_token)
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text and "<svg" in page.text
    assert "食品经营许可证" in page.text and "此件由杭州市市场监督管理局提供" in page.text
    stranger = platform.token("applicant", f"app-{uuid.uuid4().hex}")
    assert platform.client.get(f"/v1/licences/{licence_id}/page", headers=stranger).status_code == 404

    # 免证办: intake, as a system, fetches the sealed licence file instead of asking for a copy.
    path, params = f"/v1/holders/{holder}/licences", {"type_code": "LIC-SPJY", "purpose": "免证办：食品经营许可材料"}
    held = json_of(platform.client.get(path, params=params, headers=platform.token("service", "svc-intake-01")))
    assert held["licence"]["licence_id"] == licence_id and seal_holds(base64.b64decode(held["document"]), keys)
    assert json.loads(base64.b64decode(held["document"]))["qr_payload"] == decoded[0].text
    assert platform.client.get(path, params=params, headers=holder_token).status_code == 403

    # The approval heard again (a replay under a new event id) issues nothing twice.
    platform.publish([approved(case_id, item)])

    # 先证后核: the commitment was false; the licence is revoked, and an online verifier learns of it.
    platform.publish([found_false(case_id, item)])
    revoked = eventually(lambda: (r := json_of(platform.client.get("/v1/verify", params={"payload": decoded[0].text})))
                         ["status"] == "revoked" and r)
    assert revoked and revoked["revocation_reason"] == "false_commitment"
    assert verify(decoded[0].text, keys, TODAY).standing.value == "valid"  # offline cannot know
    [after] = _wallet(platform, holder)
    assert after["status"] == "revoked" and after["licence_id"] == licence_id
    assert platform.client.get(path, params=params, headers=platform.token("service", "svc-intake-01")).status_code == 404


def test_a_held_result_is_issued_on_release_and_its_department_may_revoke_it(platform: Platform) -> None:
    case_id, holder, item = a_case()
    _, _, other_item = a_case()  # a second item of the same case, approved outright
    platform.publish([food_licence_item(item.item_code), food_licence_item(other_item.item_code),
                      received(case_id, holder, item, other_item)])
    # 容缺受理: the first item's result waits for the owed materials. The second's approval comes after it
    # on the same case (same key, same partition): once its licence is there, the first was heard.
    platform.publish([approved(case_id, item, held=True), approved(case_id, other_item)])
    [outright] = eventually(lambda: _wallet(platform, holder))
    assert outright["item_code"] == other_item.item_code

    platform.publish([released(case_id, item)])
    eventually(lambda: len(_wallet(platform, holder)) == 2)
    [licence] = [x for x in _wallet(platform, holder) if x["item_code"] == item.item_code]
    url = f"/v1/licences/{licence['licence_id']}/revocation"
    other = platform.token("department_reviewer", department="330100-WJW")
    body = {"reason": "issued_in_error", "detail": "证照类别填写错误，收回重发"}
    refused = platform.client.post(url, json=body, headers=other | {"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 404  # not its licence
    own = platform.token("department_reviewer", "reviewer-scjgj-01", department="330100-SCJGJ")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = platform.client.post(url, json=body, headers=own | key)
    again = platform.client.post(url, json=body, headers=own | key)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status"] == "revoked" and first.json()["revocation_reason"] == "issued_in_error"
    online = json_of(platform.client.get("/v1/verify", params={"payload": licence["qr_payload"]}))
    assert online["status"] == "revoked"
