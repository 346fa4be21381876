"""好差评: a case's ratings (一事一评, one per stage and item), the rectification every bad rating opens
(评必反馈), the follow-up rating after its answer, and appeals (申诉复核); complaints (投诉, 12345 工单)
follow the same rectification path.

Two event-sourced aggregates: `CaseRatings` per case and `Complaint` per complaint. Both are pure: ids,
the clock's now, the working-day calendar and the jurisdiction's deadlines are handed in.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from onewindow_chassis.problems import DomainError
from onewindow_chassis.workdays import WorkCalendar
from onewindow_chassis.workdays.model import shanghai_date
from onewindow_contracts.base import Event
from onewindow_contracts.evaluation import (
    AppealDecided, AppealOutcome, ComplaintFiled, ComplaintSource, Disposition, EvaluationChannel, EvaluationFiled,
    EvaluationStage, EvaluationTarget, RatingLevel, RectificationAnswered, RectificationCause, RectificationOpened,
    ServiceAspect,
)
from onewindow_contracts.values import Actor, ActorRole, ItemRef

PLATFORM = Actor(role=ActorRole.PLATFORM, ref="platform-evaluation")
_STAFF_ANSWERING = {ActorRole.SUPERVISOR, ActorRole.DEPARTMENT_REVIEWER, ActorRole.DEPARTMENT_SYSTEM}


@dataclass(frozen=True)
class Deadlines:
    """差评整改时限 of one jurisdiction, in working days (defaults: verify within 1, rectify within 15)."""

    verify_days: int = 1
    rectify_days: int = 15

    def __post_init__(self) -> None:
        if not 0 < self.verify_days <= self.rectify_days:
            raise ValueError("verification takes at least a day and comes before rectification")

    def due(self, calendar: WorkCalendar, opened_at: datetime) -> tuple[date, date]:
        day = shanghai_date(opened_at)
        return (calendar.add_working_days(day, self.verify_days).day,
                calendar.add_working_days(day, self.rectify_days).day)


@dataclass
class Rectification:
    rectification_id: str
    department_code: str
    window_ref: str | None
    verify_due_on: date
    rectify_due_on: date
    evaluation_id: str | None = None
    answered: RectificationAnswered | None = None
    followed_up: bool = False


def stage_key(stage: EvaluationStage, item_code: str | None) -> tuple[str, str]:
    return stage.value, item_code or ""


def _not_found(what_zh: str, what_en: str) -> DomainError:
    return DomainError("not_found", "not_found", f"{what_zh}不存在", f"No such {what_en}")


class _Rectifiable:
    """What a case and a complaint share: their rectifications and the answer to each (评必反馈)."""

    def __init__(self) -> None:
        self.version = 0
        self.rectifications: dict[str, Rectification] = {}

    def _open(self, event: RectificationOpened) -> None:
        self.rectifications[event.rectification_id] = Rectification(
            event.rectification_id, event.department_code, event.window_ref, event.verify_due_on,
            event.rectify_due_on, event.evaluation_id)

    def answer(self, rectification_id: str, disposition: Disposition, answer: str, actor: Actor,
               now: datetime) -> list[Event]:
        """整改反馈: on time when answered by the last day of the rectification deadline (Asia/Shanghai)."""
        rectification = self.rectifications.get(rectification_id)
        if rectification is None:
            raise _not_found("整改", "rectification")
        if actor.role not in _STAFF_ANSWERING or (
                actor.role is not ActorRole.SUPERVISOR and actor.department_code != rectification.department_code):
            raise DomainError("forbidden", "not_this_department", "仅整改责任部门或电子监察可反馈",
                              "Only the responsible department or a supervisor answers")
        if rectification.answered is not None:
            raise DomainError("conflict", "already_answered", "整改已反馈", "The rectification was answered already")
        if disposition is Disposition.APPEALED:
            raise DomainError("invalid", "appeal_separately", "申诉复核请单独提出", "File an appeal instead")
        return [RectificationAnswered(
            case_id=self.case_id, complaint_id=self.complaint_id, rectification_id=rectification_id,
            disposition=disposition, answer=answer, on_time=shanghai_date(now) <= rectification.rectify_due_on,
            answered_by=actor, answered_at=now)]

    case_id: str | None = None
    complaint_id: str | None = None


class CaseRatings(_Rectifiable):
    """The ratings of one case: one per (stage, item), a follow-up per answered rectification."""

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.evaluations: dict[str, EvaluationFiled] = {}
        self.by_stage: dict[tuple[str, str], str] = {}
        self.appeals: dict[str, AppealDecided] = {}

    def apply(self, event: Event) -> None:
        self.version += 1
        if isinstance(event, EvaluationFiled):
            self.evaluations[event.evaluation_id] = event
            if event.stage is EvaluationStage.FOLLOW_UP:
                self.rectifications[event.rectification_id].followed_up = True  # type: ignore[index]
            else:
                self.by_stage[stage_key(event.stage, event.item and event.item.item_code)] = event.evaluation_id
        elif isinstance(event, RectificationOpened):
            self._open(event)
        elif isinstance(event, RectificationAnswered):
            self.rectifications[event.rectification_id].answered = event
        elif isinstance(event, AppealDecided):
            self.appeals[event.evaluation_id] = event

    def rated(self, stage: EvaluationStage, item_code: str | None) -> bool:
        return stage_key(stage, item_code) in self.by_stage

    def rate(self, *, evaluation_id: str, stage: EvaluationStage, item: ItemRef | None, level: RatingLevel,
             aspects: Sequence[ServiceAspect], channel: EvaluationChannel, target: EvaluationTarget,
             evaluator: Actor, now: datetime, rectification_id: str | None = None,
             new_rectification_id: str | None = None, deadlines: Deadlines | None = None,
             calendar: WorkCalendar | None = None) -> list[Event]:
        """The applicant's rating. A bad one opens a rectification for the target's department and window;
        a follow-up rates a rectification's answer, once, and opens none (it is the applicant's last word)."""
        if aspects and not level.bad:
            raise DomainError("invalid", "aspects_for_bad_only", "差评分类仅用于差评", "Aspects classify a bad rating")
        if stage is EvaluationStage.FOLLOW_UP:
            rectification = self.rectifications.get(rectification_id or "")
            if rectification is None or rectification.evaluation_id is None:
                raise _not_found("整改", "rectification")
            if rectification.answered is None:
                raise DomainError("conflict", "not_answered_yet", "整改尚未反馈，暂不能追评",
                                  "The rectification is not answered yet")
            if rectification.followed_up:
                raise DomainError("conflict", "already_rated", "已追评", "The follow-up was given already")
            rated = self.evaluations[rectification.evaluation_id]
            item = rated.item or item
        elif self.rated(stage, item and item.item_code):
            raise DomainError("conflict", "already_rated", "该环节已评价", "This stage was rated already")
        filed = EvaluationFiled(
            case_id=self.case_id, evaluation_id=evaluation_id, item=item, stage=stage, level=level,
            aspects=tuple(aspects), channel=channel, target=target,
            rectification_id=rectification_id if stage is EvaluationStage.FOLLOW_UP else None,
            evaluator=evaluator, filed_at=now)
        events: list[Event] = [filed]
        if level.bad and stage is not EvaluationStage.FOLLOW_UP:
            if new_rectification_id is None or deadlines is None or calendar is None:
                raise ValueError("a bad rating needs a rectification id, deadlines and a calendar")
            if target.department_code is None:
                raise ValueError("a bad rating needs the department that must rectify")
            verify_on, rectify_on = deadlines.due(calendar, now)
            events.append(RectificationOpened(
                case_id=self.case_id, rectification_id=new_rectification_id, cause=RectificationCause.BAD_RATING,
                evaluation_id=evaluation_id, department_code=target.department_code, window_ref=target.window_ref,
                verify_due_on=verify_on, rectify_due_on=rectify_on, opened_by=PLATFORM, opened_at=now))
        return events

    def default(self, *, evaluation_id: str, stage: EvaluationStage, item: ItemRef | None, level: RatingLevel,
                target: EvaluationTarget, now: datetime) -> list[Event]:
        """默认评价: no rating came in the set time; nothing if the stage was rated meanwhile."""
        if self.rated(stage, item and item.item_code):
            return []
        return [EvaluationFiled(case_id=self.case_id, evaluation_id=evaluation_id, item=item, stage=stage,
                                level=level, channel=None, defaulted=True, target=target, evaluator=PLATFORM,
                                filed_at=now)]

    def decide_appeal(self, *, appeal_id: str, evaluation_id: str, outcome: AppealOutcome, reason: str,
                      actor: Actor, now: datetime) -> list[Event]:
        """申诉复核: a supervisor decides whether a bad rating was mistaken or malicious."""
        if actor.role is not ActorRole.SUPERVISOR:
            raise DomainError("forbidden", "supervisor_only", "申诉由电子监察复核", "A supervisor decides appeals")
        rated = self.evaluations.get(evaluation_id)
        if rated is None:
            raise _not_found("评价", "evaluation")
        if not rated.level.bad:
            raise DomainError("conflict", "not_a_bad_rating", "仅差评可申诉", "Only a bad rating is appealed")
        if evaluation_id in self.appeals:
            raise DomainError("conflict", "already_decided", "申诉已复核", "The appeal was decided already")
        return [AppealDecided(case_id=self.case_id, appeal_id=appeal_id, evaluation_id=evaluation_id,
                              outcome=outcome, reason=reason, decided_by=actor, decided_at=now)]


class Complaint(_Rectifiable):
    """投诉 / 吐槽找茬 / 12345 工单, on the same rectification path as a bad rating."""

    def __init__(self, complaint_id: str) -> None:
        super().__init__()
        self.complaint_id = complaint_id
        self.filed: ComplaintFiled | None = None

    def apply(self, event: Event) -> None:
        self.version += 1
        if isinstance(event, ComplaintFiled):
            self.filed, self.case_id = event, event.case_id
        elif isinstance(event, RectificationOpened):
            self._open(event)
        elif isinstance(event, RectificationAnswered):
            self.rectifications[event.rectification_id].answered = event

    def file(self, *, source: ComplaintSource, work_order_no: str | None, complainant_ref: str | None,
             case_id: str | None, item: ItemRef | None, department_code: str, window_ref: str | None,
             aspects: Sequence[ServiceAspect], rectification_id: str, deadlines: Deadlines,
             calendar: WorkCalendar, now: datetime) -> list[Event]:
        if self.filed is not None:
            raise DomainError("conflict", "already_filed", "投诉已登记", "The complaint was filed already")
        if not aspects:
            raise DomainError("invalid", "aspects_required", "请选择投诉分类", "Say what the complaint is about")
        verify_on, rectify_on = deadlines.due(calendar, now)
        return [
            ComplaintFiled(case_id=case_id, complaint_id=self.complaint_id, source=source,
                           work_order_no=work_order_no, complainant_ref=complainant_ref, item=item,
                           department_code=department_code, aspects=tuple(aspects), filed_at=now),
            RectificationOpened(case_id=case_id, complaint_id=self.complaint_id, rectification_id=rectification_id,
                                cause=RectificationCause.COMPLAINT, department_code=department_code,
                                window_ref=window_ref, verify_due_on=verify_on, rectify_due_on=rectify_on,
                                opened_by=PLATFORM, opened_at=now),
        ]

