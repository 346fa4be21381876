"""The cast and props the examples share: one case of the 开餐馆 bundle (journeys.md, story 1)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from onewindow_contracts.base import Sealed
from onewindow_contracts.values import Actor, ActorRole, ItemRef, MaterialRef, MaterialSource


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def at(day: int, hour: int = 1, minute: int = 30) -> datetime:
    """A moment in March 2025, UTC (01:30 UTC is 09:30 in Asia/Shanghai)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


CASE = "C330106202503030001"
REGION = "330106"
APPLICANT = "ap_7Q2M9X4KD3"
MARKET = "SCJGJ-330106"  # 市场监管局 of the district
FOOD = ItemRef(item_code="SCJG-SPJY-001", item_version=3)  # 食品经营许可
SIGN = ItemRef(item_code="CGJ-ZPSZ-002", item_version=1)  # 户外招牌设置

APPLICANT_ACTOR = Actor(role=ActorRole.APPLICANT, ref=APPLICANT)
AGENT = Actor(role=ActorRole.AGENT, ref="st_helper_0042", on_behalf_of=APPLICANT)
CLERK = Actor(role=ActorRole.WINDOW_CLERK, ref="st_window_0107")
REVIEWER = Actor(role=ActorRole.DEPARTMENT_REVIEWER, ref="st_review_0311", department_code=MARKET)
SUPERVISOR = Actor(role=ActorRole.SUPERVISOR, ref="st_super_0001")
PLATFORM = Actor(role=ActorRole.PLATFORM, ref="platform-rules")
SEALED = Sealed(key_id="dk_ap_7Q2M9X4KD3_1", nonce="q1w2e3r4t5y6u7i8", ciphertext="Zm9vZGJhcmJhenF1eA==")

HEALTH_CERTS = MaterialRef(material_id="m_health_01", type_code="JKZM", sha256=sha("health certificates"))
LEASE = MaterialRef(material_id="m_lease_2024", type_code="ZLHT", sha256=sha("lease"), source=MaterialSource.REUSED)
LICENCE_ID = "1.2.156.3005.2.11100000000013338W011.11330106MB1234567X.2025030501.001.K"
BUSINESS_LICENCE = MaterialRef(
    material_id="m_yyzz_01",
    type_code="YYZZ",
    sha256=sha("business licence"),
    source=MaterialSource.E_LICENCE,
    licence_id="1.2.156.3005.2.11100000000013338W009.11330106MB1234567X.2025022801.001.7",
)

URBAN = "CGJ-330106"  # 城管局 of the district
TAX_SYSTEM = Actor(role=ActorRole.DEPARTMENT_SYSTEM, ref="sys_tax_330106", department_code="SWJ-330106")
