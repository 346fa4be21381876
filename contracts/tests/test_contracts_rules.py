"""The domain rules the contracts themselves enforce, so that no producer can publish their breach."""

from typing import Any, TypeVar

import pytest
from pydantic import ValidationError

from onewindow_contracts import as_data
from onewindow_contracts.approval import CaseConcluded, ItemApproved, ItemSuspended
from onewindow_contracts.base import Event
from onewindow_contracts.catalogue import CatalogueItemVersionPublished
from onewindow_contracts.evaluation import ComplaintFiled, EvaluationFiled, RatingLevel, RectificationOpened
from onewindow_contracts.examples import EXAMPLES, common
from onewindow_contracts.intake import (
    ApplicationAccepted,
    ApplicationNotAccepted,
    ApplicationReceived,
    DelegationRecorded,
    EscalationDecided,
)
from onewindow_contracts.notify import ResultDelivered
from onewindow_contracts.values import Actor

E = TypeVar("E", bound=Event)
CLERK = common.CLERK.model_dump(mode="json")


def example(cls: type[E], number: int = 0) -> E:
    return [e for e in EXAMPLES if type(e) is cls][number]  # type: ignore[return-value]


def changed(event: E, **updates: Any) -> E:
    """`event` with fields replaced, validated as a consumer would (model_copy would not validate)."""
    return type(event).model_validate(as_data(event) | updates)


def test_actor_identities_fit_the_role() -> None:
    with pytest.raises(ValidationError, match="on_behalf_of"):
        Actor(role="agent", ref="st_helper_0042")
    with pytest.raises(ValidationError, match="on_behalf_of"):
        Actor(role="window_clerk", ref="st_window_0107", on_behalf_of=common.APPLICANT)
    with pytest.raises(ValidationError, match="department_code"):
        Actor(role="department_reviewer", ref="st_review_0311")
    assert common.AGENT.applicant_ref == common.APPLICANT
    assert common.CLERK.applicant_ref is None


def test_a_window_clerk_may_not_refuse_an_application() -> None:
    with pytest.raises(ValidationError, match="only a supervisor or a department reviewer"):
        changed(example(ApplicationNotAccepted), decided_by=CLERK)
    with pytest.raises(ValidationError, match="decided by a supervisor"):
        changed(example(EscalationDecided), decided_by=CLERK)


def test_an_application_is_received_by_someone_entitled_to() -> None:
    received = example(ApplicationReceived)
    with pytest.raises(ValidationError, match="window clerk"):
        changed(received, received_by=common.APPLICANT_ACTOR.model_dump())
    with pytest.raises(ValidationError, match="agent"):
        changed(received, channel="agent")
    other_agent = {"role": "agent", "ref": "st_helper_0042", "on_behalf_of": "ap_SOMEONEELSE"}
    with pytest.raises(ValidationError, match="another applicant"):
        changed(received, channel="agent", received_by=other_agent)
    with pytest.raises(ValidationError, match="postal address"):
        changed(received, delivery_address=None)
    with pytest.raises(ValidationError, match="twice"):
        changed(received, items=[common.FOOD.model_dump()] * 2)


def test_missing_materials_and_a_supplement_deadline_go_together() -> None:
    accepted = example(ApplicationAccepted)
    assert accepted.with_missing_materials
    with pytest.raises(ValidationError, match="supplement deadline"):
        changed(accepted, supplement_due_on=None)


def test_a_delegate_is_an_agent_for_this_applicant() -> None:
    with pytest.raises(ValidationError, match="on behalf of this applicant"):
        changed(example(DelegationRecorded), applicant_ref="ap_SOMEONEELSE")


def test_instant_approval_is_by_rules_that_all_held() -> None:
    instant = example(ItemApproved, 1)
    assert instant.rule_decision is not None
    failed = instant.rule_decision.model_dump(mode="json")
    failed["checks"][0]["passed"] = False
    with pytest.raises(ValidationError, match="every condition"):
        changed(instant, rule_decision=failed)
    with pytest.raises(ValidationError, match="not a person"):
        changed(instant, decided_by=common.REVIEWER.model_dump())
    with pytest.raises(ValidationError, match="秒批"):
        changed(example(ItemApproved, 0), mode="instant")


def test_special_procedures_always_stop_the_clock() -> None:
    suspended = example(ItemSuspended)
    assert changed(suspended, clock_stopped=False).clock_stopped is False  # 补正: a local rule
    with pytest.raises(ValidationError, match="特别程序"):
        changed(suspended, reason="hearing", requested_type_codes=[], clock_stopped=False)


def test_a_case_outcome_follows_from_its_items() -> None:
    with pytest.raises(ValidationError, match="follow from"):
        changed(example(CaseConcluded), outcome="approved")


def test_rating_levels() -> None:
    assert [level.stars for level in RatingLevel] == [5, 4, 3, 2, 1]
    assert [level.zh for level in RatingLevel] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [level for level in RatingLevel if level.bad] == [RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED]


def test_a_default_rating_is_the_platforms_and_has_no_channel() -> None:
    rating = example(EvaluationFiled)
    platform = common.PLATFORM.model_dump()
    default = changed(rating, evaluator=platform, channel=None, defaulted=True, level="very_satisfied", aspects=[])
    assert default.defaulted
    with pytest.raises(ValidationError, match="default rating"):
        changed(rating, defaulted=True)
    with pytest.raises(ValidationError, match="aspects"):
        changed(rating, level="satisfied")
    with pytest.raises(ValidationError, match="overall"):
        changed(rating, stage="overall")


def test_a_complaint_without_a_case_is_keyed_by_its_id() -> None:
    complaint = example(ComplaintFiled)
    assert complaint.case_id is None
    assert complaint.subject == complaint.complaint_id
    linked = changed(complaint, case_id=common.CASE)
    assert linked.subject == common.CASE
    with pytest.raises(ValidationError, match="names the rating and its case"):
        changed(example(RectificationOpened), case_id=None, complaint_id="cp_0001")


def test_catalogue_time_limits() -> None:
    item = example(CatalogueItemVersionPublished)
    assert not item.instant
    with pytest.raises(ValidationError, match="committed time limit"):
        changed(item, committed_days=item.statutory_days + 1)


def test_only_posted_results_have_a_waybill() -> None:
    with pytest.raises(ValidationError, match="waybill"):
        changed(example(ResultDelivered, 1), waybill_no="EA123456789CN")
