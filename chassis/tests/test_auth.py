"""Bearer tokens: the development issuer's round trip, the forgeries a verifier must refuse, and the
FastAPI dependencies that turn them into 401 and 403 problems. No infrastructure."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from onewindow_chassis import problems
from onewindow_chassis.auth import (
    DevelopmentIssuer, Principal, TokenVerifier, current_principal, dev_token_router, principal_as_actor_fields,
    require_roles,
)
from onewindow_chassis.clock import ManualClock
from onewindow_chassis.problems import Problem

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CLERK, APPLICANT = "clerk-0001", "applicant-7f3a9c"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def issuer(clock: ManualClock) -> DevelopmentIssuer:
    return DevelopmentIssuer("test", clock=clock)


@pytest.fixture
def verifier(issuer: DevelopmentIssuer, clock: ManualClock) -> TokenVerifier:
    return TokenVerifier(issuer.jwks(), issuer.issuer, issuer.audience, clock)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value).encode())


def claims(issuer: DevelopmentIssuer, **overrides: Any) -> dict[str, Any]:
    now = int(START.timestamp())
    base = {"iss": issuer.issuer, "aud": issuer.audience, "sub": CLERK, "role": "window_clerk",
            "iat": now, "exp": now + 600}
    return {k: v for k, v in (base | overrides).items() if v is not None}


def refused(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as caught:
        verifier.verify(token)
    assert caught.value.status == 401
    return caught.value


# --- round trip -------------------------------------------------------------------------------------

def test_a_development_token_round_trips_into_a_principal(issuer: DevelopmentIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue("reviewer-42ab", "department_reviewer", "SCJGJ-330100", scopes=["cases:read"])
    principal = verifier.verify(token)
    assert principal.subject == "reviewer-42ab"
    assert principal.role == "department_reviewer"
    assert principal.department_code == "SCJGJ-330100"
    assert principal.scopes == frozenset({"cases:read"})
    assert principal.token_id and principal.client_id is None and not principal.is_machine
    assert principal_as_actor_fields(principal) == {
        "role": "department_reviewer", "ref": "reviewer-42ab", "department_code": "SCJGJ-330100"}


def test_a_machine_token_names_its_client_and_department(issuer: DevelopmentIssuer, verifier: TokenVerifier) -> None:
    principal = verifier.verify(issuer.issue("tax-bureau-system", "department_system", "SWJ-330100"))
    assert principal.is_machine and principal.client_id == "tax-bureau-system"
    assert principal.department_code == "SWJ-330100"


def test_a_department_system_token_without_a_department_is_refused(issuer: DevelopmentIssuer,
                                                                   verifier: TokenVerifier) -> None:
    token = jwt.encode(claims(issuer, role="department_system", client_id="tax-system"), issuer._key,
                       algorithm="EdDSA", headers={"kid": issuer.kid})
    assert refused(verifier, token).code == "token_invalid"


def test_the_issuer_refuses_what_no_verifier_would_accept(issuer: DevelopmentIssuer) -> None:
    with pytest.raises(ValueError):
        issuer.issue("110101199003071234", "applicant")  # an ID-card number is not an opaque ref
    with pytest.raises(ValueError):
        issuer.issue("short", "applicant")
    with pytest.raises(ValueError):
        issuer.issue(CLERK, "window_clerk", ttl=timedelta(days=2))


# --- time -------------------------------------------------------------------------------------------

def test_an_expired_token_is_token_expired(issuer: DevelopmentIssuer, verifier: TokenVerifier,
                                           clock: ManualClock) -> None:
    token = issuer.issue(CLERK, "window_clerk", ttl=timedelta(minutes=5))
    assert verifier.verify(token).subject == CLERK  # its signature is remembered; its times are checked each use
    clock.advance(timedelta(minutes=5, seconds=29))
    assert verifier.verify(token).subject == CLERK  # within the 30 s of leeway
    clock.advance(timedelta(seconds=2))
    assert refused(verifier, token).code == "token_expired"


def test_a_token_issued_in_the_future_is_refused(issuer: DevelopmentIssuer, verifier: TokenVerifier,
                                                 clock: ManualClock) -> None:
    token = issuer.issue(CLERK, "window_clerk")
    clock.advance(timedelta(seconds=-31))
    assert refused(verifier, token).code == "token_invalid"


# --- who it is for, who made it ---------------------------------------------------------------------

@pytest.mark.parametrize("field", ["audience", "issuer"])
def test_a_token_for_another_audience_or_from_another_issuer_is_refused(
    issuer: DevelopmentIssuer, clock: ManualClock, field: str
) -> None:
    other = TokenVerifier(issuer.jwks(), **({"issuer": issuer.issuer, "audience": issuer.audience}
                                            | {field: "somebody-else"}), clock=clock)
    assert refused(other, issuer.issue(CLERK, "window_clerk")).code == "token_invalid"


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub", "role"])
def test_a_token_without_a_required_claim_is_refused(issuer: DevelopmentIssuer, verifier: TokenVerifier,
                                                     missing: str) -> None:
    token = jwt.encode(claims(issuer, **{missing: None}), issuer._key, algorithm="EdDSA", headers={"kid": issuer.kid})
    problem = refused(verifier, token)
    assert problem.code == "token_invalid" and problem.detail == f"the token has no {missing} claim"


# --- forgeries --------------------------------------------------------------------------------------

def test_an_unsigned_alg_none_token_is_refused(issuer: DevelopmentIssuer, verifier: TokenVerifier) -> None:
    for header in ({"alg": "none"}, {"alg": "none", "kid": issuer.kid}, {"alg": "None", "typ": "JWT"}):
        token = f"{segment(header)}.{segment(claims(issuer))}."
        problem = refused(verifier, token)
        assert problem.code == "token_invalid" and problem.detail == "the signing algorithm is not allowed"


def _public_key_bytes(issuer: DevelopmentIssuer) -> list[bytes]:
    public = issuer._key.public_key()
    return [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        issuer.jwks()["keys"][0]["x"].encode(),
    ]


def test_an_hs256_token_keyed_with_the_public_key_is_refused(issuer: DevelopmentIssuer,
                                                             verifier: TokenVerifier) -> None:
    """The classic algorithm confusion: the attacker knows the public key and uses it as an HMAC secret."""
    for secret in _public_key_bytes(issuer):
        signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT', 'kid': issuer.kid})}.{segment(claims(issuer))}"
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        problem = refused(verifier, f"{signing_input}.{b64url(signature)}")
        assert problem.code == "token_invalid" and problem.detail == "the signing algorithm is not allowed"


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused(issuer: DevelopmentIssuer,
                                                                   verifier: TokenVerifier) -> None:
    attacker = Ed25519PrivateKey.generate()
    attacker_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(attacker.public_key()))
    # Bringing its own key in the header (jwk) changes nothing: the key comes from the configured set only.
    for headers in ({"kid": issuer.kid}, {"kid": issuer.kid, "jwk": attacker_jwk},
                    {"kid": issuer.kid, "jku": "https://attacker.example/jwks.json"}):
        token = jwt.encode(claims(issuer), attacker, algorithm="EdDSA", headers=headers)
        problem = refused(verifier, token)
        assert problem.code == "token_invalid" and problem.detail == "the signature does not verify"


def test_a_token_with_an_unknown_kid_or_none_is_refused(issuer: DevelopmentIssuer, verifier: TokenVerifier) -> None:
    for headers in ({"kid": "somebody-elses-key"}, {}):
        token = jwt.encode(claims(issuer), issuer._key, algorithm="EdDSA", headers=headers)
        problem = refused(verifier, token)
        assert problem.code == "token_invalid" and problem.detail == "the signing key is not known"


def test_a_tampered_payload_is_refused(issuer: DevelopmentIssuer, verifier: TokenVerifier) -> None:
    genuine = issuer.issue(APPLICANT, "applicant")
    assert verifier.verify(genuine).role == "applicant"  # remembered as verified: the forgery must not ride on it
    header, _, signature = genuine.split(".")
    forged = f"{header}.{segment(claims(issuer, sub=APPLICANT, role='supervisor'))}.{signature}"
    assert refused(verifier, forged).code == "token_invalid"
    assert refused(verifier, forged).code == "token_invalid"  # and a refusal is never remembered as a pass


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "not a token at all", "x" * 9000])
def test_garbage_is_refused(verifier: TokenVerifier, token: str) -> None:
    assert refused(verifier, token).code == "token_invalid"


def test_crit_headers_and_other_token_types_are_refused(issuer: DevelopmentIssuer, verifier: TokenVerifier) -> None:
    for headers in ({"kid": issuer.kid, "crit": ["exp"], "exp": 1}, {"kid": issuer.kid, "typ": "logout+jwt"}):
        token = jwt.encode(claims(issuer), issuer._key, algorithm="EdDSA", headers=headers)
        assert refused(verifier, token).code == "token_invalid"


# --- other key types in the set ---------------------------------------------------------------------

def _jwks_of(public_key: Any, kid: str, algorithm: type) -> dict[str, Any]:
    return {"keys": [json.loads(algorithm.to_jwk(public_key)) | {"kid": kid, "use": "sig"}]}


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_es256_and_rs256_keys_verify_with_their_own_algorithm_only(clock: ManualClock, alg: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1()) if alg == "ES256" else rsa.generate_private_key(65537, 2048)
    family = jwt.algorithms.ECAlgorithm if alg == "ES256" else jwt.algorithms.RSAAlgorithm
    verifier = TokenVerifier(_jwks_of(key.public_key(), "idp-1", family), "https://idp.example", "onewindow", clock)
    now = int(START.timestamp())
    good = {"iss": "https://idp.example", "aud": ["onewindow", "other"], "sub": APPLICANT, "role": "applicant",
            "iat": now, "exp": now + 300, "scope": "openid cases:own"}
    principal = verifier.verify(jwt.encode(good, key, algorithm=alg, headers={"kid": "idp-1"}))
    assert principal.role == "applicant" and principal.scopes == {"openid", "cases:own"}
    # The key verifies with its own algorithm only: not another one of its family, nor another allowed one.
    other_alg = jwt.encode(good, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "idp-1"})
    assert refused(verifier, other_alg).code == "token_invalid"
    if alg == "RS256":
        assert refused(verifier, jwt.encode(good, key, algorithm="PS256", headers={"kid": "idp-1"})).code \
            == "token_invalid"


def test_a_key_set_with_secret_or_private_material_is_refused(issuer: DevelopmentIssuer, clock: ManualClock) -> None:
    secret = {"keys": [{"kty": "oct", "k": b64url(b"s" * 32), "kid": "hmac"}]}
    private = {"keys": [json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(Ed25519PrivateKey.generate())) | {"kid": "p"}]}
    weak_rsa = _jwks_of(rsa.generate_private_key(65537, 1024).public_key(), "weak", jwt.algorithms.RSAAlgorithm)
    for jwks in (secret, private, weak_rsa, {"keys": []}, {}):
        with pytest.raises(ValueError):
            TokenVerifier(jwks, issuer.issuer, issuer.audience, clock)
    with pytest.raises(ValueError):
        TokenVerifier(issuer.jwks(), issuer.issuer, issuer.audience, clock, algorithms=["HS256"])


def test_principals_hold_no_identity_numbers() -> None:
    with pytest.raises(ValueError):
        Principal("110101199003071234", "applicant")
    with pytest.raises(ValueError):
        Principal("13800138000x", "Window Clerk")
    with pytest.raises(ValueError):
        Principal("service-intake", "service")  # a machine names its client


def test_the_development_issuer_is_refused_in_earnest() -> None:
    for environment in ("production", "staging"):
        with pytest.raises(ValueError, match="refused"):
            DevelopmentIssuer(environment)


# --- FastAPI -------------------------------------------------------------------------------------------

@pytest.fixture
def client(issuer: DevelopmentIssuer, clock: ManualClock) -> Iterator[TestClient]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.verifier = issuer.verifier(clock)  # what a service does with its configured key set
        yield

    app = FastAPI(lifespan=lifespan)
    problems.install(app)
    app.include_router(dev_token_router(issuer))

    @app.post("/v1/acceptances")
    async def accept(principal: Principal = Depends(require_roles("window_clerk", "supervisor"))) -> dict[str, str]:
        return {"accepted_by": principal.subject}

    @app.get("/v1/me")
    async def me(principal: Principal = Depends(current_principal)) -> dict[str, Any]:
        return principal_as_actor_fields(principal)

    with TestClient(app) as test_client:
        yield test_client


def _bearer(client: TestClient, subject: str, role: str, **extra: Any) -> dict[str, str]:
    response = client.post("/v1/dev/tokens", json={"subject": subject, "role": role} | extra)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert response.headers["cache-control"] == "no-store"
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_the_bearer_scheme_is_in_the_openapi_document(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert [scheme["scheme"] for scheme in schemes.values()] == ["bearer"]


def test_no_token_is_401_token_missing(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        response = client.post("/v1/acceptances", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "token_missing" and response.json()["title_zh"]


def test_a_bad_token_is_401_token_invalid(client: TestClient) -> None:
    response = client.post("/v1/acceptances", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_an_applicant_may_not_do_a_clerks_work(client: TestClient) -> None:
    response = client.post("/v1/acceptances", headers=_bearer(client, APPLICANT, "applicant"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "forbidden"


def test_a_clerk_may(client: TestClient) -> None:
    response = client.post("/v1/acceptances", headers=_bearer(client, CLERK, "window_clerk"))
    assert response.status_code == 200 and response.json() == {"accepted_by": CLERK}


def test_an_expired_token_over_http(client: TestClient, clock: ManualClock) -> None:
    headers = _bearer(client, CLERK, "window_clerk")
    clock.advance(timedelta(hours=1))
    response = client.post("/v1/acceptances", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_any_authenticated_caller_reads_itself(client: TestClient) -> None:
    response = client.get("/v1/me", headers=_bearer(client, "tax-bureau-system", "department_system",
                                                      department_code="SWJ-330100"))
    assert response.json() == {"role": "department_system", "ref": "tax-bureau-system", "department_code": "SWJ-330100"}


def test_the_development_route_refuses_what_it_cannot_sign(client: TestClient) -> None:
    bad = [{"subject": "110101199003071234", "role": "applicant"}, {"subject": CLERK, "role": "Window Clerk"},
           {"subject": "tax-bureau-system", "role": "department_system"}]
    for body in bad:
        assert client.post("/v1/dev/tokens", json=body).status_code == 422
    assert client.get("/v1/dev/jwks").json()["keys"][0]["kty"] == "OKP"


def test_a_missing_verifier_fails_closed() -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/v1/guarded")
    async def guarded(principal: Principal = Depends(require_roles("supervisor"))) -> str:
        return "in"

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/v1/guarded", headers={"Authorization": "Bearer a.b.c"})
    assert response.status_code == 500
