"""Who may call what: per service, per endpoint, the outcome for every role — the table the access
matrix checks and the schema tests take their tokens from. A new endpoint needs its row here."""
from __future__ import annotations

from tests.security.world import FOOD_DEPT, HYGIENE_DEPT

ROLES = ("anonymous", "owner", "other_applicant", "agent", "clerk", "supervisor", "reviewer", "other_reviewer",
         "system", "other_system", "service", "unbound_reviewer")
OK, PUBLIC = "ok", ("ok",) * len(ROLES)
# Every app's own: liveness, readiness, metrics, and its API's documentation.
OPS = {("GET", path): PUBLIC for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs",
                                          "/docs/oauth2-redirect", "/redoc")}
# Whose department owns the resources each service's rows are about.
DEPARTMENT = {"intake": FOOD_DEPT, "approval": FOOD_DEPT, "supervision": FOOD_DEPT,
              "certificates": HYGIENE_DEPT, "evaluation": HYGIENE_DEPT, "notify": HYGIENE_DEPT}


def department_of(service: str, path: str) -> str:
    return HYGIENE_DEPT if path.endswith("/verification") else DEPARTMENT[service]


#  anon   owner  other  agent  clerk  super  rev    o-rev  sys    o-sys  svc    unbound
MATRIX: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "intake": OPS | {
        ("GET", "/v1/catalogue/items"): PUBLIC,
        ("GET", "/v1/catalogue/items/{code}"): PUBLIC,
        ("GET", "/v1/bundles"): PUBLIC,
        ("GET", "/v1/bundles/{code}"): PUBLIC,
        ("POST", "/v1/materials"):
            ("401", OK, OK, "403", OK, "403", "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/materials"):
            ("401", OK, OK, "403", "403", "403", "403", "403", "403", "403", "403", "401"),
        ("POST", "/v1/delegations"):
            ("401", OK, OK, "403", "403", "403", "403", "403", "403", "403", "403", "401"),
        ("POST", "/v1/applications"):
            ("401", OK, OK, "403", OK, "403", "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/applications"):
            ("401", OK, OK, OK, OK, OK, OK, OK, OK, OK, "403", "401"),
        ("GET", "/v1/applications/{case_id}"):
            ("401", OK, "404", "404", OK, OK, OK, "404", OK, "404", "403", "401"),
        ("POST", "/v1/applications/{case_id}/acceptance"):
            ("401", "403", "404", "404", OK, OK, "403", "404", "403", "404", "403", "401"),
        ("POST", "/v1/applications/{case_id}/escalation"):
            ("401", "403", "404", "404", OK, "403", "403", "404", "403", "404", "403", "401"),
        ("POST", "/v1/applications/{case_id}/escalation-decision"):
            ("401", "403", "404", "404", "403", OK, "403", "404", "403", "404", "403", "401"),
        ("POST", "/v1/applications/{case_id}/withdrawal"):
            ("401", OK, "404", "404", "403", "403", "403", "404", "403", "404", "403", "401"),
        ("POST", "/v1/applications/{case_id}/supplements"):
            ("401", OK, "404", "404", OK, "403", "403", "404", "403", "404", "403", "401"),
        ("GET", "/v1/applications/{case_id}/materials/{material_id}"):
            ("401", "403", "403", "403", "403", "403", OK, "404", OK, "404", "403", "401"),
        # the window registers an applicant checked against their papers
        ("POST", "/v1/applicants"):
            ("401", "403", "403", "403", OK, "403", "403", "403", "403", "403", "403", "401"),
        # 个人信息删除: supervisors only
        ("POST", "/v1/applicants/{applicant_ref}/erasure"):
            ("401", "403", "403", "403", "403", OK, "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/applicants/{applicant_ref}"):
            ("401", "403", "403", "403", "403", OK, "403", "403", "403", "403", "403", "401"),
        ("POST", "/v1/erasure/retention-runs"):
            ("401", "403", "403", "403", "403", OK, "403", "403", "403", "403", "403", "401"),
    },
    "approval": OPS | {
        ("GET", "/v1/queue"):
            ("401", "403", "403", "403", "403", OK, OK, OK, OK, OK, "403", "401"),
        ("GET", "/v1/cases/{case_id}"):
            ("401", "403", "403", "403", "403", OK, OK, "404", OK, "404", "403", "401"),
        **{("POST", f"/v1/cases/{{case_id}}/items/{{item_code}}/{command}"):
           ("401", "403", "403", "403", "403", "403", OK, "403", OK, "403", "403", "401")
           for command in ("decision", "suspension", "resumption", "extension", "verification")},
    },
    "certificates": OPS | {
        ("GET", "/v1/keys"): PUBLIC,
        ("GET", "/v1/verify"): PUBLIC,
        ("GET", "/v1/wallet"):
            ("401", OK, OK, "403", "403", "403", "403", "403", "403", "403", "403", "401"),
        **{("GET", f"/v1/licences/{{licence_id}}{view}"):
           ("401", OK, "404", "404", OK, OK, OK, "404", OK, "404", "404", "401")
           for view in ("", "/qr.png", "/qr.svg", "/page")},
        # 免证办: any department's system may fetch a held licence, each read recorded with its purpose
        ("GET", "/v1/holders/{holder_ref}/licences"):
            ("401", "403", "403", "403", "403", "403", "403", "403", OK, OK, OK, "401"),
        ("POST", "/v1/licences/{licence_id}/revocation"):
            ("401", "403", "403", "403", "403", OK, OK, "404", OK, "404", "403", "401"),
    },
    "evaluation": OPS | {
        ("GET", "/v1/cases/{case_id}/evaluations"):
            ("401", OK, "404", "403", OK, OK, OK, "404", OK, "404", "403", "401"),
        ("POST", "/v1/cases/{case_id}/evaluations"):
            ("401", OK, "404", "403", "403", "403", "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/rectifications"):
            ("401", "403", "403", "403", "403", OK, OK, OK, OK, OK, "403", "401"),
        ("POST", "/v1/rectifications/{rectification_id}/answer"):
            ("401", "403", "403", "403", "403", OK, OK, "403", OK, "403", "403", "401"),
        ("POST", "/v1/complaints"):
            ("401", OK, "404", "403", OK, OK, "403", "403", "403", "403", "403", "401"),
        ("POST", "/v1/cases/{case_id}/appeals"):
            ("401", "403", "403", "403", "403", OK, OK, "403", OK, "403", "403", "401"),
        ("POST", "/v1/appeals/{appeal_id}/decision"):
            ("401", "403", "403", "403", "403", OK, "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/statistics"):
            ("401", "403", "403", "403", OK, OK, OK, OK, OK, OK, "403", "401"),
    },
    "notify": OPS | {
        ("PUT", "/v1/contacts/me"):
            ("401", OK, OK, "403", "403", "403", "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/inbox"):
            ("401", OK, OK, "403", "403", "403", "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/cases/{case_id}/notifications"):
            ("401", "403", "403", "403", OK, OK, "403", "403", "403", "403", "403", "401"),
        ("POST", "/v1/cases/{case_id}/delivery"):
            ("401", "403", "403", "403", OK, "403", "403", "403", "403", "403", "403", "401"),
        ("GET", "/v1/cases/{case_id}/delivery"):
            ("401", OK, "404", "403", OK, OK, "403", "403", "403", "403", "403", "401"),
        ("POST", "/v1/cases/{case_id}/delivery/{delivery_id}/receipt"):
            ("401", "403", "403", "403", OK, "403", "403", "403", "403", "403", "403", "401"),
    },
    "supervision": OPS | {
        **{("GET", path): ("401", "403", "403", "403", "403", OK, OK, OK, OK, OK, "403", "401")
           for path in ("/v1/items", "/v1/alerts", "/v1/overdue", "/v1/stats/items", "/v1/audit/materials")},
        ("GET", "/v1/cases/{case_id}/timeline"):
            ("401", "403", "403", "403", "403", OK, OK, "404", OK, "404", "403", "401"),
    },
}
