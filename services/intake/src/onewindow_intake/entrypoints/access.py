"""Who may do what at intake: the principal from the token becomes the Actor of the events, and an
applicant sees only their own cases and materials (anyone else's answer 404, as if absent)."""
from __future__ import annotations

from onewindow_chassis.auth import Principal
from onewindow_contracts.values import Actor, ActorRole

from ..domain.errors import forbidden, not_found

STAFF = {ActorRole.WINDOW_CLERK, ActorRole.SUPERVISOR}
DEPARTMENT = {ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


def role_of(principal: Principal) -> ActorRole:
    try:
        return ActorRole(principal.role)
    except ValueError:
        raise forbidden("forbidden", "无权操作", "This role may not act at intake") from None


def actor(principal: Principal, *, on_behalf_of: str | None = None) -> Actor:
    role = role_of(principal)
    return Actor(role=role, ref=principal.subject, department_code=principal.department_code,
                 on_behalf_of=on_behalf_of if role is ActorRole.AGENT else None)


def require(principal: Principal, *roles: ActorRole) -> ActorRole:
    role = role_of(principal)
    if role not in roles:
        raise forbidden("forbidden", "无权操作", "Your role may not do this")
    return role


def may_see_case(principal: Principal, case: dict) -> None:
    """Staff see every case; a department the cases that concern it; an applicant (or the agent who
    handed it in) only their own — and for everyone else the case does not exist."""
    role = role_of(principal)
    if role in STAFF:
        return
    if role in DEPARTMENT and principal.department_code in case["departments"]:
        return
    if role is ActorRole.APPLICANT and case["applicant_ref"] == principal.subject:
        return
    if role is ActorRole.AGENT and case["agent_ref"] == principal.subject:
        return
    raise not_found("办件", "case")
