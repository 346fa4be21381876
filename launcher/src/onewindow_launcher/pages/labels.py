"""The Chinese words the pages show for the services' codes (statuses, roles, levels)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from onewindow_chassis.clock import SHANGHAI

CASE_STATUS = {"received": "已收件，待受理", "accepted": "已受理", "escalated": "已提请审核", "not_accepted": "不予受理",
               "ended_incomplete": "未按期补齐，办理终止", "withdrawn": "已撤回"}
ITEM_STATUS = {"open": "办理中", "waiting": "等待前置事项", "in_review": "审查中", "approved": "准予许可", "rejected": "不予许可",
               "suspended": "暂停计时", "terminated": "终止办理", "not_completed": "未办结"}
CHANNEL = {"online": "网上办事大厅", "mobile": "移动端", "window": "窗口", "kiosk": "自助终端", "agent": "帮办代办"}
SOURCE = {"uploaded": "本次上传", "reused": "材料库复用", "e_licence": "电子证照免提交", "commitment": "告知承诺"}
STAGE = {"acceptance": "受理", "approval": "审批", "delivery": "出件", "overall": "一件事整体评价", "follow_up": "整改后追评"}
LEVELS = [("very_satisfied", "非常满意 ★★★★★"), ("satisfied", "满意 ★★★★"), ("basically_satisfied", "基本满意 ★★★"),
          ("dissatisfied", "不满意 ★★"), ("very_dissatisfied", "非常不满意 ★")]
LEVEL = dict(LEVELS)
ALERT = {"yellow": "黄牌预警", "red": "红牌超期"}
LIGHT = {"green": "正常", "yellow": "临近期限", "red": "已超期", "paused": "暂停计时"}
LICENCE_STATUS = {"issued": "有效", "revoked": "已撤销"}
SUSPENSIONS = [("correction", "补正（申请人补正材料，暂停计时）"), ("hearing", "听证"), ("testing", "检验、检测、检疫"),
               ("inspection", "鉴定、现场勘验"), ("expert_review", "专家评审"), ("other_special_procedure", "其他特别程序")]
DELIVERY = {"window_pickup": "窗口领取", "post": "免费邮寄", "electronic": "仅电子证照"}
EVENT = {"ApplicationReceived": "收件", "ApplicationAccepted": "受理", "MaterialsShared": "材料共享至部门",
         "ItemAssigned": "分送部门", "ItemDecided": "作出决定", "ItemSuspended": "暂停计时", "ItemResumed": "恢复计时",
         "MaterialAccessed": "部门调阅材料", "CaseConcluded": "办结", "LicenceIssued": "核发证照",
         "ApplicationEscalated": "提请审核", "EscalationDecided": "审核决定", "MaterialsSupplemented": "补齐材料",
         "CorrectionSubmitted": "提交补正", "ResultDelivered": "出件", "ResultDispatched": "寄出",
         "EvaluationSubmitted": "评价", "ApplicationNotAccepted": "不予受理", "ApplicationWithdrawn": "撤件"}
DEMO_APPLICANTS = [("app-wangfang-0001", "王芳（开餐馆）"), ("app-liqiang-0001", "李强（高龄津贴）"),
                   ("app-zhaomin-0001", "赵敏（食品经营许可）"), ("app-sunlei-0001", "孙磊（公共场所卫生许可）"),
                   ("app-zhoujie-0001", "周杰（好差评）")]


def when(value: Any) -> str:
    """An instant or a day as a person in Hangzhou reads it."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI) if value.tzinfo else value
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


def word(table: dict[str, str], key: Any) -> str:
    return table.get(str(key), str(key)) if key is not None else ""


FILTERS = {"when": when,
           "case_status": lambda v: word(CASE_STATUS, v), "item_status": lambda v: word(ITEM_STATUS, v),
           "channel": lambda v: word(CHANNEL, v), "source": lambda v: word(SOURCE, v),
           "stage": lambda v: word(STAGE, v), "level": lambda v: word(LEVEL, v), "alert": lambda v: word(ALERT, v),
           "light": lambda v: word(LIGHT, v), "licence_status": lambda v: word(LICENCE_STATUS, v),
           "event": lambda v: word(EVENT, v), "delivery": lambda v: word(DELIVERY, v)}
