"""The Kafka topics: one per producing service, created explicitly (auto-create is off).

Case topics are keyed by case id, so a case's events from one service stay in order on one
partition. Nothing orders events across topics: a consumer of several topics must not rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class CleanupPolicy(StrEnum):
    DELETE = "delete"
    COMPACT = "compact"


DEFAULT_PARTITIONS = 4
"""Enough for a few consumer instances per group on one machine; a province raises it at creation
(partitions can be added later, but that moves keys and so breaks per-case order for a while)."""


@dataclass(frozen=True)
class Topic:
    name: str
    producer: str  # the one service that writes it; also the service segment of its event types
    key: str  # what the Kafka key (and CloudEvents subject) is
    cleanup_policy: CleanupPolicy = CleanupPolicy.DELETE
    partitions: int = DEFAULT_PARTITIONS
    description: str = ""

    @property
    def configs(self) -> dict[str, str]:
        """Topic configs to create it with. Case topics are never expired (retention.ms -1): the
        services' own stores are the truth, but a consumer can only rebuild its projections (supervision's
        timelines, evaluation's statistics) by replaying the topics from the start."""
        return {"cleanup.policy": self.cleanup_policy.value, "retention.ms": "-1"}


CASE_KEY = "case id (办件编号)"

INTAKE = Topic("intake.events", "intake", CASE_KEY, description="一窗受理: applications, materials, commitments.")
APPROVAL = Topic("approval.events", "approval", CASE_KEY, description="后台审批: items, deadlines, decisions.")
CERTIFICATES = Topic("certificates.events", "certificates", CASE_KEY, description="电子证照: issue and revocation.")
EVALUATION = Topic(
    "evaluation.events",
    "evaluation",
    "case id; a complaint not linked to a case is keyed by its complaint id",
    description="好差评: ratings, rectifications, complaints.",
)
NOTIFY = Topic("notify.events", "notify", CASE_KEY, description="Notifications and result delivery (统一出件).")
SUPERVISION = Topic("supervision.events", "supervision", CASE_KEY, description="电子监察: deadline alerts.")
# Compacted: the latest version of each item is kept for ever, so a new consumer bootstraps its copy
# of the catalogue by reading the topic from the start. Cases keep the version they were accepted
# under; consumers therefore store every version they see, not only the latest.
CATALOGUE = Topic(
    "catalogue.items",
    "intake",
    "item code (事项编码)",
    cleanup_policy=CleanupPolicy.COMPACT,
    description="事项标准化: the service-item catalogue, one record per item code.",
)

TOPICS: MappingProxyType[str, Topic] = MappingProxyType(
    {t.name: t for t in (INTAKE, APPROVAL, CERTIFICATES, EVALUATION, NOTIFY, SUPERVISION, CATALOGUE)}
)
