"""The licence, the register and the settings, without I/O."""
from __future__ import annotations

import base64
import json
import os
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from onewindow_certificates.adapters import register_file
from onewindow_certificates.config import Settings
from onewindow_certificates.domain.identifier import LicenceIdentifier
from onewindow_certificates.domain.licence import HolderIdType, Licence, LicenceStatus, Standing, valid_until
from onewindow_certificates.domain.register import Register
from onewindow_certificates.signing.document import sealed_document, seal_holds
from onewindow_certificates.signing.keys import Ed25519Signer, KeySet, development_signing_key, thumbprint
from onewindow_chassis.settings import DEVELOPMENT_MASTER_KEY
from onewindow_contracts.base import Sealed
from onewindow_contracts.certificates import LicenceRevoked, RevocationReason
from onewindow_contracts.values import Actor, ActorRole, ApplicantKind, ItemRef

REGISTER = register_file.read()
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ITEM = ItemRef(item_code="330100-SCJGJ-XK-002", item_version=1)
REVIEWER = Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="reviewer-scjgj-07", department_code="330100-SCJGJ")


def _licence(type_code: str = "LIC-SPJY", kind: ApplicantKind = ApplicantKind.ENTERPRISE) -> Licence:
    return Licence.draft(case_id="330100-20260302-AB12CD34", item=ITEM,
                         licence_type=REGISTER.licence_type(type_code, "食品经营许可证核发"),
                         issuer=REGISTER.issuer("330100-SCJGJ"), issued_on=date(2026, 3, 2),
                         holder_ref="app-4f1c2b9e0d7a4c3b8e6f5a2d1c0b9a8e", holder_kind=kind, region_code="330100")


def test_a_drafted_licence_has_a_checked_identifier_and_the_register_s_names() -> None:
    licence = _licence()
    identifier = LicenceIdentifier.parse(licence.licence_id)
    assert identifier.type_code == "11100000000013338W002" and identifier.issuer_code == "330100SCJGJ"
    assert identifier.serial.startswith("20260302") and len(identifier.serial) == 16 and identifier.version == 1
    assert licence.licence_id == _licence().licence_id  # the same case and item always give the same id
    assert licence.licence_no == "JY" + identifier.serial
    assert (licence.name, licence.issuer_name) == ("食品经营许可证", "杭州市市场监督管理局")
    assert (licence.valid_from, licence.valid_until) == (date(2026, 3, 2), date(2031, 3, 1))
    assert licence.holder_id_type is HolderIdType.CREDIT_CODE
    assert _licence(kind=ApplicantKind.CITIZEN).holder_id_type is HolderIdType.CITIZEN_ID
    assert _licence("LIC-YYZZ").valid_until is None  # 营业执照: 长期


def test_a_type_or_issuer_missing_from_the_register_still_gets_a_licence() -> None:
    empty = Register()
    licence_type, issuer = empty.licence_type("LIC-NEW-1", "某事项"), empty.issuer("330106-ABC")
    assert (licence_type.name, licence_type.national_code, licence_type.valid_years) == ("某事项", "LICNEW1", None)
    assert (issuer.name, issuer.identifier_code) == ("330106-ABC", "330106ABC")


def test_validity_years_end_the_day_before_the_anniversary() -> None:
    assert valid_until(date(2026, 3, 2), 5) == date(2031, 3, 1)
    assert valid_until(date(2028, 2, 29), 4) == date(2032, 2, 28)
    assert valid_until(date(2028, 2, 29), 5) == date(2033, 2, 28)  # no 29 February in 2033: the month's last day
    assert valid_until(date(2026, 1, 1), None) is None


def test_revoking_twice_changes_nothing_and_the_stream_folds_back() -> None:
    licence = _licence()
    issued = licence.issued(holder_code=Sealed(key_id="app-4f1c2b9e0d7a", nonce="AAAAAAAA", ciphertext="AAAAAAAA"),
                            document_sha256="0" * 64, signing_key_id="k" * 64, at=AT)
    [revoked] = licence.revoke(RevocationReason.FALSE_COMMITMENT, REVIEWER, AT, detail="现场核查与承诺不符")
    assert isinstance(revoked, LicenceRevoked) and revoked.licence_id == licence.licence_id
    folded = Licence.fold([issued, revoked], "杭州市市场监督管理局")
    assert folded.status is LicenceStatus.REVOKED and folded.revocation_reason is RevocationReason.FALSE_COMMITMENT
    assert folded.revoke(RevocationReason.FALSE_COMMITMENT, REVIEWER, AT) == []
    assert folded.standing_on(date(2026, 3, 3)) is Standing.REVOKED
    assert Licence.fold([issued], "x").standing_on(date(2031, 3, 2)) is Standing.EXPIRED


def test_the_licence_file_is_sealed_and_an_altered_one_is_not() -> None:
    signer = Ed25519Signer(b"\x01" * 32)
    keys = KeySet([signer.public_jwk()])
    document = sealed_document(_licence(), "OW1:TEST", signer)
    assert seal_holds(document, keys)
    altered = json.loads(document)
    altered["metadata"]["valid_until"] = "2099-12-31"
    assert not seal_holds(json.dumps(altered).encode(), keys)
    assert not seal_holds(document, KeySet([Ed25519Signer(b"\x02" * 32).public_jwk()]))


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037 appendix A.3: the thumbprint of its Ed25519 example key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert base64.urlsafe_b64encode(bytes.fromhex(thumbprint(jwk))).rstrip(b"=") == b"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_development_signing_key_only_where_no_real_person_is() -> None:
    test = Settings(environment="test")
    master = base64.b64decode(DEVELOPMENT_MASTER_KEY)
    assert test.signer().kid == Ed25519Signer(development_signing_key(master)).kid  # every process agrees
    earnest = {"master_key": base64.b64encode(os.urandom(32)).decode(), "token_jwks": '{"keys": []}',
               "database_url": "postgresql://db/certificates"}
    with pytest.raises(ValidationError, match="SIGNING_KEY"):
        Settings(environment="production", **earnest)
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(environment="production", signing_key=base64.b64encode(b"short").decode(), **earnest)
    key = base64.b64encode(os.urandom(32)).decode()
    production = Settings(environment="production", signing_key=key, **earnest)
    assert production.signer().kid != test.signer().kid


def test_retired_keys_stay_published_beside_the_signing_key() -> None:
    retired = Ed25519Signer(b"\x03" * 32).public_jwk()
    settings = Settings(environment="test", retired_keys_jwks=json.dumps({"keys": [retired]}))
    published = settings.published_keys(settings.signer()).jwks()["keys"]
    assert [k["kid"] for k in published] == [settings.signer().kid, retired["kid"]]
    assert all("d" not in k for k in published)  # public halves only
