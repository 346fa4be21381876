"""Authentication and role checks for every service: bearer tokens (OIDC-style for people, OAuth2
client credentials for machines) verified against a configured key set, roles as plain strings."""
from __future__ import annotations

from .dependencies import authenticated, current_principal, require_roles, verifier_from_app_state
from .development import DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER, DevelopmentIssuer, dev_token_router
from .principal import DEPARTMENT_SYSTEM, MACHINE_ROLES, SERVICE, Principal, principal_as_actor_fields
from .verifier import SUPPORTED_ALGORITHMS, TokenVerifier

__all__ = [
    "DEPARTMENT_SYSTEM",
    "DEVELOPMENT_AUDIENCE",
    "DEVELOPMENT_ISSUER",
    "MACHINE_ROLES",
    "SERVICE",
    "SUPPORTED_ALGORITHMS",
    "DevelopmentIssuer",
    "Principal",
    "TokenVerifier",
    "authenticated",
    "current_principal",
    "dev_token_router",
    "principal_as_actor_fields",
    "require_roles",
    "verifier_from_app_state",
]
