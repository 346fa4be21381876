"""Who is calling: the verified content of a bearer token, and nothing that identifies a person in clear.

Roles are plain strings here: the chassis knows no domain words, and each service checks the roles
it knows (its contracts' `ActorRole`) with `require_roles`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# An opaque reference: 8–64 characters, safe as a Kafka key, a CloudEvents subject and a URL segment
# (the same shape as the contracts' OpaqueRef, which the chassis may not import).
SUBJECT_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{7,63}$"
CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$"  # department codes
CLIENT_ID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,127}$"  # client ids, token ids (jti)
ROLE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
SCOPE_PATTERN = r"^[\x21\x23-\x5b\x5d-\x7e]{1,128}$"  # RFC 6749 §3.3 scope-token
MAX_SCOPES = 64

# Machines authenticate with OAuth2 client credentials: their tokens name the client.
DEPARTMENT_SYSTEM = "department_system"  # another government system, bound to one department
SERVICE = "service"  # one of our services calling another
MACHINE_ROLES = frozenset({DEPARTMENT_SYSTEM, SERVICE})
# Roles that act for one department and see only what concerns it: a token of theirs that names no
# department would be bound to none, and the services' "my department" filters would then filter nothing.
DEPARTMENT_BOUND_ROLES = frozenset({DEPARTMENT_SYSTEM, "department_reviewer"})

# A subject that looks like an identity number is an identity number leaking through a token:
# 公民身份号码 (GB 11643), 统一社会信用代码 (GB 32100), mainland mobile number. Kept in step with the
# contracts' OpaqueRef, so that a principal always turns into a valid actor.
_IDENTITY_LOOKALIKES = (
    re.compile(r"^\d{17}[\dXx]$"),
    re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"),
    re.compile(r"^(\+?86)?1\d{10}$"),
)

_SUBJECT, _CODE, _CLIENT_ID, _ROLE, _SCOPE = (
    re.compile(p) for p in (SUBJECT_PATTERN, CODE_PATTERN, CLIENT_ID_PATTERN, ROLE_PATTERN, SCOPE_PATTERN)
)


def _check(pattern: re.Pattern[str], value: object, name: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{name} is not well-formed")


@dataclass(frozen=True)
class Principal:
    """The caller, as a verified token says. `subject` is an opaque reference that only the identity
    provider (or the owning service) maps back to a person; a token carries no name, no ID number."""

    subject: str
    role: str
    department_code: str | None = None
    client_id: str | None = None  # the OAuth2 client: always set for machines
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None  # jti

    def __post_init__(self) -> None:
        _check(_SUBJECT, self.subject, "subject")
        if any(pattern.match(self.subject) for pattern in _IDENTITY_LOOKALIKES):
            raise ValueError("subject must be an opaque id, not an identity or phone number")
        _check(_ROLE, self.role, "role")
        if self.department_code is not None:
            _check(_CODE, self.department_code, "department_code")
        if self.client_id is not None:
            _check(_CLIENT_ID, self.client_id, "client_id")
        if self.token_id is not None:
            _check(_CLIENT_ID, self.token_id, "token_id")
        if not isinstance(self.scopes, frozenset) or len(self.scopes) > MAX_SCOPES:
            raise ValueError("scopes must be a frozenset of at most 64 scopes")
        for scope in self.scopes:
            _check(_SCOPE, scope, "scope")
        if self.role in MACHINE_ROLES and self.client_id is None:
            raise ValueError(f"a {self.role} token must name its client (client_id)")
        if self.role in DEPARTMENT_BOUND_ROLES and self.department_code is None:
            raise ValueError(f"a {self.role} token must carry its department_code")

    @property
    def is_machine(self) -> bool:
        return self.role in MACHINE_ROLES


def scopes_of(claim: object) -> frozenset[str]:
    """The `scope` claim: a space-separated string (RFC 8693, RFC 9068) or, from some providers, a list."""
    if claim is None:
        return frozenset()
    if isinstance(claim, str):
        return frozenset(claim.split())
    if isinstance(claim, list | tuple) and all(isinstance(s, str) for s in claim):
        return frozenset(claim)
    raise ValueError("scope is neither a string nor a list of strings")


def principal_as_actor_fields(principal: Principal) -> dict[str, Any]:
    """The fields a service turns into its contracts' `Actor` (`Actor(**fields)`). An agent's
    `on_behalf_of` is not in any token: the service adds it from the recorded delegation."""
    return {"role": principal.role, "ref": principal.subject, "department_code": principal.department_code}


def joined_scopes(scopes: Iterable[str]) -> str:
    return " ".join(sorted(scopes))
