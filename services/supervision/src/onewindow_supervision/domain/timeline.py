"""How an event reads on a case's timeline: when, who (masked), which department and item, what.

It works on the event's data as a dict, so an event type supervision has never heard of still takes
its place on the timeline (with its type as the summary) instead of being dropped.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

_SUMMARIES = {
    "ApplicationReceived": "收件：申请已提交（{channel}）",
    "ApplicationAccepted": "受理：开始计时",
    "ApplicationNotAccepted": "不予受理：{reason}",
    "ApplicationEscalated": "提请审核：{reason}",
    "EscalationDecided": "审核决定：{decision}",
    "ApplicationWithdrawn": "撤件",
    "CommitmentSigned": "签署告知承诺书",
    "DelegationRecorded": "登记帮办代办授权",
    "MaterialsShared": "材料共享给相关部门",
    "MaterialsSupplemented": "补齐补正材料",
    "SupplementDeadlineMissed": "逾期未补齐材料，终止办理",
    "MaterialAccessed": "调阅材料（用途：{purpose}）",
    "ItemAssigned": "分送承办部门，承诺办结日 {due_on}",
    "ItemSuspended": "暂停计时：{note}",
    "ItemResumed": "恢复计时，暂停 {paused_working_days} 个工作日，办结日 {due_on}",
    "ItemExtended": "延期 {extension_days} 个工作日：{reason}",
    "ItemApproved": "准予许可",
    "ItemRejected": "不予许可：{reason}",
    "ItemTerminated": "终止办理",
    "ItemResultReleased": "结果放行",
    "CaseConcluded": "办结：{outcome}",
    "PostVerificationOpened": "启动事后核查",
    "CommitmentVerified": "核查结果：{outcome}",
    "CreditMarked": "记入失信记录",
    "DeadlineWarningRaised": "黄牌预警：剩余 {working_days_left} 个工作日",
    "DeadlineBreached": "红牌警告：已超期",
    "LicenceIssued": "核发电子证照",
    "LicenceRevoked": "撤销电子证照",
    "PersonalDataErased": "申请人个人信息已删除（{reason}）",
}

# How an erased applicant appears where their masked ref stood: the case stays, the person does not.
ERASED_ACTOR = "erased"


@dataclass(frozen=True)
class Entry:
    actor_role: str | None
    actor: str | None
    department_code: str | None
    item_code: str | None
    summary: str


def short_type(event_type: str) -> str:
    return event_type.rsplit(".", 1)[-1]


def mask(ref: str) -> str:
    """Enough to tell two people apart on a timeline, not to look anyone up."""
    return "ref:" + hashlib.sha256(ref.encode()).hexdigest()[:10]


def _actor(data: dict[str, Any]) -> dict[str, Any] | None:
    for key, value in data.items():
        if (key.endswith("_by") or key == "agent") and isinstance(value, dict) and "role" in value:
            return value
    return None


def entry(event_type: str, data: dict[str, Any]) -> Entry:
    actor = _actor(data)
    item = data.get("item") if isinstance(data.get("item"), dict) else None
    department = data.get("department_code") or (actor or {}).get("department_code")
    template = _SUMMARIES.get(short_type(event_type))
    try:
        summary = template.format(**{k: v for k, v in data.items() if isinstance(v, (str, int, float))}) if template \
            else short_type(event_type)
    except (KeyError, IndexError):
        summary = template.split("：")[0] if template else short_type(event_type)
    return Entry(actor.get("role") if actor else None, mask(actor["ref"]) if actor else None, department,
                 item.get("item_code") if item else data.get("item_code"), summary[:500])
