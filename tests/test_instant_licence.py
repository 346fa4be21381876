"""秒批 that yields a licence, end to end (issue 7): a driver renews his 从业资格证 online; intake accepts
at once, approval's rule set approves with no person involved, certificates issues the e-licence; it is
in his wallet, its QR code (read back from the PNG by a real decoder) verifies OFFLINE against the
published key set; an altered code is forged; once revoked, the code answers revoked online.

intake, approval and certificates each served over real HTTP, on the embedded default and on
PostgreSQL + Kafka (the shape of tests/test_window_to_department.py)."""
from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import uuid
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import cbor2
import pytest
import zxingcpp
from PIL import Image

from onewindow_approval.service_layer.unit_of_work import stream as approval_stream
from onewindow_certificates.domain.licence import Standing
from onewindow_certificates.signing import base45
from onewindow_certificates.signing.keys import KeySet
from onewindow_certificates.signing.showing import PREFIX, verify
from onewindow_chassis.clock import ManualClock
from onewindow_chassis.db import Database
from onewindow_chassis.eventstore import event_store_for
from tests.support.platform import MODES, Platform, eventually, infrastructure, serving

RENEWAL = "330100-JTYSJ-XK-001"  # 经营性道路客货运输驾驶员从业资格证换证 (秒批, yields LIC-CYZG)
TRANSPORT = "330100-JTYSJ"
TUESDAY = datetime(2026, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def citizen_id(region: str, born: str, sequence: str = "031") -> str:
    body = region + born + sequence
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return body + "10X98765432"[total % 11]


@pytest.fixture(params=MODES)
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    with serving(request.param, ("intake", "approval", "certificates"), tmp_path, clock=ManualClock(TUESDAY),
                 **infrastructure(request, request.param)) as platform:
        yield platform


def _approvals(platform: Platform, case_id: str) -> list[dict[str, Any]]:
    """The ItemApproved events approval recorded for the case, read from its own event store."""
    async def read() -> list[dict[str, Any]]:
        db = Database(platform.databases["approval"])
        try:
            async with db.transaction() as tx:
                events = await event_store_for(db.dialect).load(tx, approval_stream(case_id))
        finally:
            await db.dispose()
        return [e.data for e in events if e.event_type.endswith(".ItemApproved")]

    return asyncio.run(read())


def _verify_command(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m onewindow_certificates.verify`, as a verifier at a checkpoint runs it."""
    return subprocess.run([sys.executable, "-m", "onewindow_certificates.verify", *args], env=dict(os.environ),
                          capture_output=True, text=True, timeout=60)


def _tampered(payload: str) -> str:
    """The same signed code with the licence's validity stretched, packed again without re-signing."""
    message = cbor2.loads(zlib.decompress(base45.decode(payload[len(PREFIX):])))
    body = list(message.value)
    claims = dict(cbor2.loads(body[2]))
    licence = dict(claims[-65537])
    assert "u" in licence, licence  # the valid-until date the forger wants to stretch
    licence["u"] = "2099-12-31"
    claims[-65537] = licence
    body[2] = cbor2.dumps(claims)
    return PREFIX + base45.encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, body))))


def test_a_driver_renews_his_qualification_in_a_second_and_its_code_verifies_offline(
    platform: Platform, tmp_path: Path,
) -> None:
    driver = f"app-chenjun-{uuid.uuid4().hex[:8]}"
    chen = platform.token("applicant", driver)
    ids = [platform.upload(chen, c) for c in ("CL-SFZ", "CL-CYZG", "CL-JSZ", "CL-ZP")]
    form = platform.intake.get(f"/v1/catalogue/items/{RENEWAL}").json()["form"]
    assert {f["code"] for f in form} == {"applicant_id_number", "qualification_category", "contact_phone"}
    answers = {"applicant_id_number": citizen_id("330102", "19750601"),  # 50 years old
               "qualification_category": "道路货物运输驾驶员", "contact_phone": "13800138000"}

    # applied online: accepted at once, no window
    reply = platform.post(platform.intake, "/v1/applications", chen, {
        "item_codes": [RENEWAL], "applicant_kind": "citizen", "answers": answers, "material_ids": ids})
    assert reply.status_code == 201 and reply.json()["status"] == "accepted", reply.text
    case_id = reply.json()["case_id"]

    # approved by the rule set, no person: the platform decided, every check recorded as the reason
    def approved() -> dict | None:
        reply = platform.approval.get(f"/v1/cases/{case_id}", headers=platform.token("supervisor"))
        return reply.json() if reply.status_code == 200 and reply.json()["concluded"] else None

    item = eventually(approved)["items"][0]
    assert (item["mode"], item["status"], item["result_held"]) == ("instant", "approved", False)
    (decision,) = _approvals(platform, case_id)
    assert decision["decided_by"]["role"] == "platform"
    rule = decision["rule_decision"]
    assert (rule["rule_set"], rule["rule_version"]) == ("RS-CYZGHZ-1", 1)
    assert {c["condition"] for c in rule["checks"]} >= {"age_not_over_60", "qualification_on_record",
                                                       "driving_licence_valid", "no_unsettled_violation"}
    assert all(c["passed"] for c in rule["checks"])

    # LicenceIssued: the holder's wallet lists it
    wallet = eventually(lambda: platform.certificates.get("/v1/wallet", headers=chen).json()["items"] or None)
    (licence,) = wallet
    assert (licence["case_id"], licence["item_code"], licence["type_code"]) == (case_id, RENEWAL, "LIC-CYZG")
    assert licence["name"] == "道路运输从业人员从业资格证" and licence["issuer_name"] == "杭州市交通运输局"
    assert licence["holder_ref"] == driver and licence["status"] == "issued"
    assert (licence["valid_from"], licence["valid_until"]) == ("2026-03-03", "2032-03-02")  # 6 years

    # its QR code, as a picture, read back by a real decoder
    png = platform.certificates.get(f"/v1/licences/{licence['licence_id']}/qr.png", headers=chen)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)).convert("L"),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert [f.text for f in found] == [licence["qr_payload"]]
    payload = found[0].text

    # verified OFFLINE: only the published key set, no call to the service
    jwks = platform.certificates.get("/v1/keys").json()
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(jwks), encoding="utf-8")
    keys = KeySet.from_jwks(jwks)
    offline = verify(payload, keys, platform.clock.now().date())
    assert offline.standing is Standing.VALID and offline.claims is not None
    assert (offline.claims.licence_id, offline.claims.holder_ref) == (licence["licence_id"], driver)
    image = tmp_path / "code.png"
    image.write_bytes(png.content)
    command = _verify_command("--image", str(image), "--keys", str(keys_file))
    assert command.returncode == 0, command.stdout + command.stderr
    assert "有效 valid" in command.stdout and "道路运输从业人员从业资格证 [LIC-CYZG]" in command.stdout
    assert answers["applicant_id_number"] not in command.stdout + payload  # the code names the holder by ref only

    # an altered code is forged, offline and online alike
    forged = _tampered(payload)
    assert verify(forged, keys, platform.clock.now().date()).standing is Standing.FORGED
    command = _verify_command("--payload", forged, "--keys", str(keys_file))
    assert command.returncode == 1 and "验签失败 forged" in command.stdout, command.stdout
    assert platform.certificates.get("/v1/verify", params={"payload": forged}).json()["status"] == "forged"
    assert platform.certificates.get("/v1/verify", params={"payload": payload}).json()["status"] == "valid"

    # revoked by the issuing department: online it answers revoked; offline the signature alone still holds
    revoked = platform.post(platform.certificates, f"/v1/licences/{licence['licence_id']}/revocation",
                            platform.token("department_reviewer", department=TRANSPORT),
                            {"reason": "issued_in_error", "detail": "复核发现驾驶证已于换证前被注销"})
    assert revoked.status_code == 200, revoked.text
    online = platform.certificates.get("/v1/verify", params={"payload": payload}).json()
    assert online["status"] == "revoked" and online["revocation_reason"] == "issued_in_error"
    command = _verify_command("--payload", payload, "--keys", str(keys_file), "--online", platform.urls["certificates"])
    assert command.returncode == 1 and "已撤销 revoked" in command.stdout, command.stdout
    assert verify(payload, keys, platform.clock.now().date()).standing is Standing.VALID  # what offline can know

