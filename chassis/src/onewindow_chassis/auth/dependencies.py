"""FastAPI dependencies: who is calling (`authenticated`), and may they (`require_roles`).

A service sets `app.state.verifier` (a `TokenVerifier`) in its lifespan; routes then declare
`principal: Principal = Depends(require_roles("window_clerk"))` or `Depends(current_principal)`.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import forbidden, token_missing
from .principal import Principal
from .verifier import TokenVerifier

VerifierGetter = Callable[[Request], TokenVerifier]
PrincipalDependency = Callable[..., Awaitable[Principal]]

# auto_error=False: a missing token is our own 401 problem, not FastAPI's 403. Declared once so the
# OpenAPI document shows one bearer scheme (and the docs page an Authorize button).
_bearer = HTTPBearer(auto_error=False, description="An OIDC access token or an OAuth2 client-credentials token")


def verifier_from_app_state(request: Request) -> TokenVerifier:
    verifier = getattr(request.app.state, "verifier", None)
    if not isinstance(verifier, TokenVerifier):
        # A wiring mistake, never a reason to let the caller in: fail closed, as a 500.
        raise RuntimeError("app.state.verifier is not set: set a TokenVerifier in the app's lifespan")
    return verifier


def authenticated(verifier_getter: VerifierGetter | None = None) -> PrincipalDependency:
    """A dependency yielding the caller's `Principal` from `Authorization: Bearer …`, or raising a
    401 problem (token_missing, token_invalid, token_expired). Without a getter, the verifier is
    `request.app.state.verifier`, and the same dependency object is returned every time, so FastAPI
    verifies a token once per request however many dependencies ask for the principal."""
    if verifier_getter is None:
        return current_principal
    return _principal_dependency(verifier_getter)


def _principal_dependency(verifier_getter: VerifierGetter) -> PrincipalDependency:
    async def principal(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Security(_bearer)
    ) -> Principal:
        if credentials is None or not credentials.credentials:
            raise token_missing()
        verified = verifier_getter(request).verify(credentials.credentials)
        request.state.principal = verified
        return verified

    return principal


current_principal: PrincipalDependency = _principal_dependency(verifier_from_app_state)


def require_roles(*roles: str, authenticate: PrincipalDependency = current_principal) -> PrincipalDependency:
    """A dependency yielding the caller's `Principal` if their role is one of `roles`; else a 403
    problem (forbidden). An unauthenticated caller gets the 401 first."""
    if not roles or not all(isinstance(role, str) and role for role in roles):
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)

    async def principal_with_role(principal: Principal = Depends(authenticate)) -> Principal:
        if principal.role not in allowed:
            raise forbidden(f"this needs one of the roles: {', '.join(sorted(allowed))}")
        return principal

    return principal_with_role
