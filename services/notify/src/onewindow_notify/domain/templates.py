"""What the applicant is told, in Chinese: one versioned template per purpose (pure; no I/O).

Events carry `template_code` and `template_version`, never the text: the text is rebuilt from these
and the case's facts. A template's wording changes only with a new version.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from onewindow_contracts.notify import NotificationPurpose as P


@dataclass(frozen=True)
class Template:
    code: str
    version: int
    title: str
    body: str  # str.format over the message's facts

    def render(self, facts: dict[str, Any]) -> "Message":
        return Message(self.code, self.version, self.title.format(**facts), self.body.format(**facts))


@dataclass(frozen=True)
class Message:
    template_code: str
    template_version: int
    title: str
    body: str

    def sms(self, signature: str) -> str:
        """The short form: signature, title and body on one line."""
        return f"{signature}{self.title}：{self.body}"


TEMPLATES: dict[P, Template] = {
    P.ACCEPTED: Template(
        "TPL-ACCEPTED", 1, "受理通知",
        "您的申请已受理，办件编号{case_id}，受理通知书编号{notice_no}。{supplement}"
        "可凭办件编号查询办理进度。"),
    P.NOT_ACCEPTED: Template(
        "TPL-NOT-ACCEPTED", 1, "不予受理通知",
        "您的申请（办件编号{case_id}）不予受理，通知书编号{notice_no}。理由：{reason}"),
    P.SUPPLEMENT_REQUESTED: Template(
        "TPL-SUPPLEMENT", 1, "补正通知",
        "您的办件{case_id}（事项{item_code}）需补正以下材料：{materials}。说明：{note}"
        "请尽快登录办事大厅提交，补正期间办理时限暂停计算。"),
    P.DECIDED: Template(
        "TPL-DECIDED", 1, "审批结果",
        "您的办件{case_id}{subject}审批结果：{outcome}。{detail}"),
    P.LICENCE_ISSUED: Template(
        "TPL-LICENCE", 1, "证照核发",
        "您的办件{case_id}已核发{licence_name}，证照编号{licence_no}，电子证照可在“我的证照”中查看和亮证。"),
    P.RESULT_DISPATCHED: Template(
        "TPL-DISPATCHED", 1, "证照寄出",
        "您的办件{case_id}的办理结果已通过{carrier}免费寄出，运单号{waybill_no}，请注意查收。"),
    P.RECTIFICATION_ANSWERED: Template(
        "TPL-RECTIFICATION", 1, "整改答复",
        "关于您对办件{case_id}的评价，整改答复如下：{answer}欢迎您再次评价。"),
}

_OUTCOMES = {
    "approved": "准予许可（通过）", "rejected": "不予许可", "partly_approved": "部分通过",
    "not_completed": "未办结", "terminated": "终止办理",
}


def outcome_text(outcome: str) -> str:
    return _OUTCOMES.get(outcome, outcome)


def supplement_clause(due_on: date | None) -> str:
    return f"容缺受理：请于{due_on.year}年{due_on.month}月{due_on.day}日前补齐材料。" if due_on else ""


def render(purpose: P, facts: dict[str, Any]) -> Message:
    return TEMPLATES[purpose].render(facts)
