"""申请 (the case at the window): an event-sourced aggregate whose state is the fold of its events.

Decisions check the rules and return the contract events they produce; `apply` folds an event into
the state. Loading a case is folding its stream; deciding is appending what a method returned.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from onewindow_contracts.base import Event
from onewindow_contracts.intake import (
    AcceptedItem,
    ApplicationAccepted,
    ApplicationEscalated,
    ApplicationNotAccepted,
    ApplicationReceived,
    ApplicationWithdrawn,
    CommitmentSigned,
    EscalationDecided,
    EscalationDecision,
)
from onewindow_contracts.materials import (
    MaterialsShared,
    MaterialsSupplemented,
    SupplementCause,
    SupplementDeadlineMissed,
)
from onewindow_contracts.values import Actor, ActorRole, ItemRef, MaterialRef

from .catalogue import Item, department_of_form, produced_in_case
from .errors import conflict, forbidden, invalid


class Status(StrEnum):
    RECEIVED = "received"  # 已收件, waiting for 受理
    ESCALATED = "escalated"  # 提请审核: a supervisor decides
    ACCEPTED = "accepted"  # 已受理: the departments work on it
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    WITHDRAWN = "withdrawn"  # 已撤件
    ENDED_INCOMPLETE = "ended_incomplete"  # 容缺 materials not supplied in time


_ACCEPTORS = {ActorRole.WINDOW_CLERK, ActorRole.SUPERVISOR, ActorRole.PLATFORM}


@dataclass
class Application:
    case_id: str
    version: int = 0
    applicant_ref: str = ""
    received: ApplicationReceived | None = None
    status: Status = Status.RECEIVED
    materials: dict[str, MaterialRef] = field(default_factory=dict)  # by type code
    shared: dict[str, set[str]] = field(default_factory=dict)  # material id -> departments granted
    owed: dict[str, set[str]] = field(default_factory=dict)  # item code -> 容缺 type codes still owed
    supplement_due_on: date | None = None
    on_commitment: set[str] = field(default_factory=set)
    commitments: dict[str, MaterialRef] = field(default_factory=dict)  # item code -> signed 告知承诺书
    escalation_id: str | None = None

    # --- decisions -----------------------------------------------------------------------------

    @staticmethod
    def receive(received: ApplicationReceived, items: Sequence[Item], commitments: Sequence[CommitmentSigned],
                credit_barred: bool) -> list[Event]:
        for item in items:
            if received.applicant_kind not in item.record.service_objects:
                raise invalid("applicant_kind_not_served", f"“{item.record.name}”不面向此类申请人",
                              f"{item.code} does not serve {received.applicant_kind} applicants", item_code=item.code)
        by_code = {item.code: item for item in items}
        for commitment in commitments:
            item = by_code.get(commitment.item.item_code)
            if item is None or not item.record.commitment_based:
                raise invalid("commitment_not_allowed", "该事项不实行告知承诺制",
                              "This item is not approved on commitment", item_code=commitment.item.item_code)
            if credit_barred:
                raise forbidden("commitment_barred_by_credit", "因存在虚假承诺记录，不适用告知承诺，请提交完整材料",
                                "A false commitment is on record: hand in full materials instead")
        return [received, *commitments]

    def missing(self, items: Sequence[Item]) -> dict[str, tuple[set[str], set[str]]]:
        """Per item: (key materials missing, non-key materials missing). Under 告知承诺 the applicant's
        commitment stands in for the non-key proofs."""
        result = {}
        in_case = produced_in_case(items)
        for item in items:
            absent = item.material_codes() - set(self.materials) - in_case
            key = absent & item.key_material_codes()
            other = set() if item.code in self.on_commitment else absent - key
            if key or other:
                result[item.code] = (key, other)
        return result

    def accept(self, by: Actor, at: datetime, items: Sequence[Item], *, notice_no: str,
               allow_missing: bool, supplement_due_on: date | None) -> list[Event]:
        """受理, or 容缺受理 when allowed: never with a key material missing."""
        if by.role not in _ACCEPTORS:
            raise forbidden("not_an_acceptor", "无权受理", "Only the window, a supervisor or the platform accepts")
        if self.status is Status.ESCALATED and by.role is not ActorRole.SUPERVISOR:
            raise conflict("escalated", "该申请已提请审核，由监察人员决定", "Escalated: a supervisor decides")
        self._expect(Status.RECEIVED, Status.ESCALATED)
        missing = self.missing(items)
        if any(key for key, _ in missing.values()):
            raise invalid("key_materials_missing", "缺少关键材料，不能受理；可提请审核",
                          "Key materials are missing: it cannot be accepted (escalate instead)",
                          missing={code: sorted(key) for code, (key, _) in missing.items() if key})
        owed = {code: other for code, (_, other) in missing.items() if other}
        if owed:
            refusing = [i.code for i in items if i.code in owed and not i.record.accept_with_missing]
            if not allow_missing or refusing:
                raise invalid("materials_missing", "材料不全" + ("（该事项不适用容缺受理）" if refusing else "；可容缺受理"),
                              "Materials are missing" + (" and 容缺 is not allowed for an item" if refusing else ""),
                              missing={code: sorted(o) for code, o in owed.items()}, not_tolerated=refusing)
            if supplement_due_on is None:
                raise invalid("supplement_deadline_required", "容缺受理须确定补齐期限", "容缺 needs a supplement deadline")
        accepted = ApplicationAccepted(
            case_id=self.case_id, accepted_by=by, accepted_at=at, notice_no=notice_no,
            supplement_due_on=supplement_due_on if owed else None,
            items=tuple(AcceptedItem(item_code=i.code, item_version=i.version,
                                     missing_type_codes=tuple(sorted(owed.get(i.code, ()))),
                                     on_commitment=i.code in self.on_commitment) for i in items),
        )
        return [accepted, *self._share(by, at, items, list(self.materials.values()))]

    def escalate(self, by: Actor, at: datetime, reason: str, escalation_id: str) -> list[Event]:
        """窗口无权否决: what a clerk cannot accept goes to a supervisor, never refused at the window."""
        if by.role is not ActorRole.WINDOW_CLERK:
            raise forbidden("not_a_clerk", "仅窗口人员可提请审核", "Only a window clerk escalates")
        self._expect(Status.RECEIVED)
        return [ApplicationEscalated(case_id=self.case_id, escalation_id=escalation_id, escalated_by=by,
                                     escalated_at=at, reason=reason)]

    def decide_escalation(self, by: Actor, at: datetime, decision: EscalationDecision, reason: str,
                          items: Sequence[Item], *, notice_no: str, supplement_due_on: date | None,
                          legal_basis: str | None = None) -> list[Event]:
        if by.role is not ActorRole.SUPERVISOR:
            raise forbidden("not_a_supervisor", "仅监察（审核）人员可决定", "Only a supervisor decides an escalation")
        self._expect(Status.ESCALATED)
        assert self.escalation_id is not None
        decided = EscalationDecided(case_id=self.case_id, escalation_id=self.escalation_id, decision=decision,
                                    decided_by=by, decided_at=at, reason=reason)
        if decision is EscalationDecision.NOT_ACCEPT:
            return [decided, ApplicationNotAccepted(case_id=self.case_id, decided_by=by, decided_at=at, reason=reason,
                                                    legal_basis=legal_basis, notice_no=notice_no,
                                                    escalation_id=self.escalation_id)]
        allow = decision is EscalationDecision.ACCEPT_WITH_MISSING
        return [decided, *self.accept(by, at, items, notice_no=notice_no, allow_missing=allow,
                                      supplement_due_on=supplement_due_on)]

    def withdraw(self, by: Actor, at: datetime, reason: str | None) -> list[Event]:
        if by.applicant_ref != self.applicant_ref:
            raise forbidden("not_the_applicant", "仅申请人或其代办人可撤件", "Only the applicant or their agent withdraws")
        self._expect(Status.RECEIVED, Status.ESCALATED, Status.ACCEPTED)
        return [ApplicationWithdrawn(case_id=self.case_id, withdrawn_by=by, withdrawn_at=at, reason=reason)]

    def supplement(self, by: Actor, at: datetime, materials: Sequence[MaterialRef],
                   items: Sequence[Item]) -> list[Event]:
        """补齐: materials owed since 容缺受理 arrive; the result is released when nothing is owed."""
        if by.applicant_ref != self.applicant_ref and by.role is not ActorRole.WINDOW_CLERK:
            raise forbidden("not_the_applicant", "仅申请人、代办人或窗口可补齐材料", "Only the applicant side or the window supplements")
        self._expect(Status.ACCEPTED)
        owed = set().union(*self.owed.values()) if self.owed else set()
        useful = [m for m in materials if m.type_code in owed]
        if not useful:
            raise invalid("nothing_owed", "所交材料并非待补齐的材料", "None of these materials is owed",
                          owed=sorted(owed))
        outstanding = owed - {m.type_code for m in useful}
        supplemented = MaterialsSupplemented(
            case_id=self.case_id, cause=SupplementCause.MISSING_AT_ACCEPTANCE, materials=tuple(useful),
            outstanding_type_codes=tuple(sorted(outstanding)), supplemented_by=by, supplemented_at=at,
        )
        return [supplemented, *self._share(by, at, items, useful)]

    def correct(self, by: Actor, at: datetime, materials: Sequence[MaterialRef], suspension_id: str,
                requested: set[str], department_code: str) -> list[Event]:
        """补正: a department asked for corrected materials (its item's clock stopped); here they are."""
        if by.applicant_ref != self.applicant_ref and by.role is not ActorRole.WINDOW_CLERK:
            raise forbidden("not_the_applicant", "仅申请人、代办人或窗口可补正材料", "Only the applicant side or the window corrects")
        self._expect(Status.ACCEPTED)
        useful = [m for m in materials if m.type_code in requested]
        if not useful:
            raise invalid("not_requested", "所交材料并非要求补正的材料", "None of these materials was asked for",
                          requested=sorted(requested))
        corrected = MaterialsSupplemented(
            case_id=self.case_id, cause=SupplementCause.CORRECTION_REQUESTED, suspension_id=suspension_id,
            materials=tuple(useful), outstanding_type_codes=tuple(sorted(requested - {m.type_code for m in useful})),
            supplemented_by=by, supplemented_at=at)
        shared = MaterialsShared(case_id=self.case_id, shared_by=by, shared_at=at, materials=tuple(
            m.model_copy(update={"granted_to": (department_code,)}) for m in useful))
        return [corrected, shared]

    def miss_supplement_deadline(self, at: datetime) -> list[Event]:
        """The deadline timer fired: if anything is still owed, the case ends as not completed."""
        owed = set().union(*self.owed.values()) if self.owed else set()
        if self.status is not Status.ACCEPTED or not owed or self.supplement_due_on is None:
            return []  # supplied in time, or withdrawn meanwhile: nothing to do
        return [SupplementDeadlineMissed(case_id=self.case_id, due_on=self.supplement_due_on,
                                         missing_type_codes=tuple(sorted(owed)), detected_at=at)]

    def _share(self, by: Actor, at: datetime, items: Sequence[Item], materials: Sequence[MaterialRef]) -> list[Event]:
        """数据共享: each material granted to exactly the departments whose items ask for its type."""
        granted = []
        for material in materials:
            departments = sorted({i.record.department_code for i in items if material.type_code in i.material_codes()})
            if (form_of := department_of_form(material.type_code)) is not None:
                departments = [form_of]
            if departments:
                granted.append(material.model_copy(update={"granted_to": tuple(departments)}))
        if not granted:
            return []
        return [MaterialsShared(case_id=self.case_id, materials=tuple(granted), shared_by=by, shared_at=at)]

    def _expect(self, *states: Status) -> None:
        if self.status not in states:
            raise conflict("wrong_state", f"办件当前状态（{self.status.value}）不允许此操作",
                           f"Not possible while the case is {self.status.value}", case_status=self.status.value)

    # --- the fold --------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        self.version += 1
        match event:
            case ApplicationReceived():
                self.received, self.applicant_ref = event, event.applicant_ref
                self.materials = {m.type_code: m for m in event.materials}
            case CommitmentSigned():
                self.on_commitment.add(event.item.item_code)
                self.commitments[event.item.item_code] = event.commitment
            case ApplicationAccepted():
                self.status = Status.ACCEPTED
                self.owed = {i.item_code: set(i.missing_type_codes) for i in event.items if i.missing_type_codes}
                self.supplement_due_on = event.supplement_due_on
            case MaterialsShared():
                for m in event.materials:
                    self.shared.setdefault(m.material_id, set()).update(m.granted_to)
                    self.materials.setdefault(m.type_code, m)
            case MaterialsSupplemented():
                for m in event.materials:
                    self.materials[m.type_code] = m
                left = set(event.outstanding_type_codes)
                self.owed = {code: owed & left for code, owed in self.owed.items() if owed & left}
            case ApplicationEscalated():
                self.status, self.escalation_id = Status.ESCALATED, event.escalation_id
            case ApplicationNotAccepted():
                self.status = Status.NOT_ACCEPTED
            case ApplicationWithdrawn():
                self.status = Status.WITHDRAWN
            case SupplementDeadlineMissed():
                self.status = Status.ENDED_INCOMPLETE

    @property
    def item_refs(self) -> tuple[ItemRef, ...]:
        return self.received.items if self.received else ()

    @classmethod
    def fold(cls, case_id: str, events: Sequence[Event]) -> "Application":
        application = cls(case_id)
        for event in events:
            application.apply(event)
        return application
