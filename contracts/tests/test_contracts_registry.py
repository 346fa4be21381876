"""The registry: every event the domain names is there, once, named and placed consistently."""

import re

import pytest

from onewindow_contracts import EVENTS, TOPICS, UnknownEventType, event_types, latest
from onewindow_contracts.base import TYPE_PREFIX, missing_upcasters
from onewindow_contracts.intake import ApplicationReceived, ApplicationReceivedV1

# domain.md, "Events (the contract between services)", by producing service.
DOMAIN_EVENTS = {
    "intake": """CatalogueItemVersionPublished ApplicationReceived ApplicationAccepted ApplicationNotAccepted
        MaterialsShared MaterialsSupplemented SupplementDeadlineMissed MaterialAccessed CommitmentSigned
        DelegationRecorded ApplicationEscalated EscalationDecided ApplicationWithdrawn PersonalDataErased
        ApplicantErased""",
    "approval": """ItemAssigned ItemSuspended ItemResumed ItemExtended ItemApproved ItemRejected ItemTerminated
        CaseConcluded CommitmentVerified CreditMarked""",
    "certificates": "LicenceIssued LicenceRevoked",
    "evaluation": "EvaluationFiled RectificationOpened RectificationAnswered ComplaintFiled AppealDecided",
    "notify": "NotificationSent NotificationFailed ResultDelivered",
    "supervision": "DeadlineWarningRaised DeadlineBreached",
}


@pytest.mark.parametrize("service", sorted(DOMAIN_EVENTS))
def test_every_event_named_in_the_domain_is_registered(service: str) -> None:
    for name in DOMAIN_EVENTS[service].split():
        assert f"{TYPE_PREFIX}{service}.{name}" in event_types(), name


@pytest.mark.parametrize("key", sorted(EVENTS), ids=lambda key: f"{key[0].rsplit('.', 1)[1]}-v{key[1]}")
def test_type_names_class_topic_and_version_agree(key: tuple[str, int]) -> None:
    cls = EVENTS[key]
    assert (cls.event_type, cls.version) == key
    # The class is the type's last segment; a superseded version keeps a V<n> suffix.
    assert re.sub(rf"V{cls.version}$", "", cls.__name__) == cls.event_type.rsplit(".", 1)[1]
    producer = cls.event_type.removeprefix(TYPE_PREFIX).split(".")[0]
    assert TOPICS[cls.topic].producer == producer
    assert cls.__doc__ and re.search(r"[\u4e00-\u9fff]", cls.__doc__), "docstring names the practice in Chinese"


def test_class_names_are_unique_so_schema_and_message_names_are() -> None:
    names = [cls.__name__ for cls in EVENTS.values()]
    assert len(names) == len(set(names))


def test_every_older_version_can_be_upcast_to_the_latest() -> None:
    assert missing_upcasters() == []


def test_latest_is_the_highest_version() -> None:
    assert latest(ApplicationReceived.event_type) is ApplicationReceived
    assert EVENTS[(ApplicationReceived.event_type, 1)] is ApplicationReceivedV1
    assert ApplicationReceived.version == 2


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(UnknownEventType):
        latest("cn.gov.onewindow.intake.ApplicationTeleported")


def test_registering_a_type_twice_fails_at_class_creation() -> None:
    with pytest.raises(TypeError, match="already registered"):

        class ApplicationReceivedAgain(ApplicationReceivedV1):  # same (type, version) as its parent
            event_type = ApplicationReceivedV1.event_type


def test_an_event_on_another_services_topic_fails_at_class_creation() -> None:
    from onewindow_contracts.base import CaseEvent

    with pytest.raises(TypeError, match="must start with"):

        class LicenceForged(CaseEvent):
            event_type = "cn.gov.onewindow.intake.LicenceForged"
            topic = "certificates.events"


def test_catalogue_events_are_keyed_by_item_code_on_the_compacted_topic() -> None:
    from onewindow_contracts.catalogue import CatalogueItemVersionPublished
    from onewindow_contracts.examples import examples_of

    (item,) = examples_of(CatalogueItemVersionPublished)
    assert item.subject == item.item_code  # type: ignore[attr-defined]
    assert TOPICS[item.topic].cleanup_policy == "compact"
    assert all(topic.cleanup_policy == "delete" for name, topic in TOPICS.items() if name != item.topic)


def test_every_event_says_when_it_occurred() -> None:
    from onewindow_contracts.examples import EXAMPLES

    for event in EXAMPLES:
        assert event.occurred_at.utcoffset() is not None, type(event).__name__


def test_an_event_without_its_moment_fails_at_class_creation() -> None:
    from onewindow_contracts.base import CaseEvent

    with pytest.raises(TypeError, match="exactly one"):

        class ApplicationPondered(CaseEvent):
            event_type = "cn.gov.onewindow.intake.ApplicationPondered"
            topic = "intake.events"
