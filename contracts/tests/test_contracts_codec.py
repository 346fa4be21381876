"""Encoding, decoding and upcasting: what every consumer relies on."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from onewindow_contracts import EVENTS, UnsupportedVersion, as_data, decode, encode, latest
from onewindow_contracts.base import Event
from onewindow_contracts.examples import EXAMPLES
from onewindow_contracts.intake import ApplicationReceived, ApplicationReceivedV1
from onewindow_contracts.values import DeliveryMethod, ItemRef

CURRENT = [e for e in EXAMPLES if latest(e.event_type) is type(e)]


def _id(event: Event) -> str:
    return type(event).__name__


def test_there_is_an_example_of_every_registered_event() -> None:
    assert {type(e) for e in EXAMPLES} == set(EVENTS.values())


@pytest.mark.parametrize("event", CURRENT, ids=_id)
def test_round_trip_through_bytes_and_dicts(event: Event) -> None:
    assert decode(event.event_type, event.version, encode(event)) == event
    assert decode(event.event_type, event.version, encode(event).decode()) == event
    assert decode(event.event_type, event.version, as_data(event)) == event
    assert json.loads(encode(event)) == as_data(event)


def test_chinese_text_stays_readable_on_the_wire() -> None:
    rejected = next(e for e in EXAMPLES if type(e).__name__ == "ItemRejected")
    assert "招牌设置位置".encode() in encode(rejected)


def test_a_version_1_application_decodes_as_version_2() -> None:
    v1 = next(e for e in EXAMPLES if isinstance(e, ApplicationReceivedV1))
    decoded = decode(v1.event_type, 1, encode(v1))
    assert isinstance(decoded, ApplicationReceived)
    assert decoded.items == (ItemRef(item_code=v1.item_code, item_version=v1.item_version),)
    assert decoded.bundle_code is None
    assert decoded.delivery_method is DeliveryMethod.WINDOW_PICKUP
    assert (decoded.case_id, decoded.applicant_ref, decoded.received_at) == (
        v1.case_id,
        v1.applicant_ref,
        v1.received_at,
    )
    assert decoded.contact == v1.contact


def test_upcasting_leaves_the_callers_dict_alone() -> None:
    v1 = next(e for e in EXAMPLES if isinstance(e, ApplicationReceivedV1))
    data = as_data(v1)
    before = json.dumps(data, sort_keys=True)
    decode(v1.event_type, 1, data)
    assert json.dumps(data, sort_keys=True) == before


def test_a_malformed_old_payload_fails_before_upcasting() -> None:
    v1 = next(e for e in EXAMPLES if isinstance(e, ApplicationReceivedV1))
    data = as_data(v1)
    del data["item_code"]
    with pytest.raises(ValidationError):
        decode(v1.event_type, 1, data)


def test_a_version_newer_than_known_is_refused() -> None:
    event = CURRENT[0]
    with pytest.raises(UnsupportedVersion):
        decode(event.event_type, event.version + 1, encode(event))
    with pytest.raises(UnsupportedVersion):
        decode(event.event_type, 0, encode(event))


@pytest.mark.parametrize("event", EXAMPLES, ids=_id)
def test_unknown_fields_are_rejected(event: Event) -> None:
    data = as_data(event) | {"surprise": 1}
    with pytest.raises(ValidationError, match="surprise"):
        type(event).model_validate(data)


def test_unknown_fields_in_nested_values_are_rejected() -> None:
    event = next(e for e in CURRENT if isinstance(e, ApplicationReceived))
    data = as_data(event)
    data["received_by"]["name"] = "王芳"
    with pytest.raises(ValidationError):
        decode(event.event_type, event.version, data)


@pytest.mark.parametrize("event", EXAMPLES, ids=_id)
def test_events_are_frozen(event: Event) -> None:
    name = next(iter(type(event).model_fields))
    with pytest.raises(ValidationError):
        setattr(event, name, getattr(event, name))
    assert hash(event) == hash(type(event).model_validate(as_data(event)))


def test_times_must_carry_a_zone_and_are_kept_in_utc() -> None:
    event = next(e for e in CURRENT if isinstance(e, ApplicationReceived))
    shanghai = timezone(timedelta(hours=8))
    at_half_past_midnight = datetime(2025, 3, 4, 0, 30, tzinfo=shanghai)
    moved = ApplicationReceived.model_validate(as_data(event) | {"received_at": at_half_past_midnight})
    assert moved.received_at == at_half_past_midnight
    assert moved.received_at.utcoffset() == timedelta(0)
    assert as_data(moved)["received_at"] == "2025-03-03T16:30:00Z"
    with pytest.raises(ValidationError):
        ApplicationReceived.model_validate(as_data(event) | {"received_at": "2025-03-04T00:30:00"})


def test_pick_gives_a_consumer_its_handler_and_the_event_or_nothing() -> None:
    from onewindow_contracts.base import ContractError, pick
    from onewindow_contracts.intake import ApplicationWithdrawn
    from onewindow_contracts.materials import SupplementDeadlineMissed

    data = {"case_id": "330100-20260302-ABCDEF01", "due_on": "2026-03-09", "missing_type_codes": ["CL-JKZM"],
            "detected_at": "2026-03-09T16:00:00+00:00"}
    handlers = {SupplementDeadlineMissed: "on_missed"}
    handler, event = pick(SupplementDeadlineMissed.event_type, 1, data, handlers)
    assert handler == "on_missed" and isinstance(event, SupplementDeadlineMissed)
    assert pick(ApplicationWithdrawn.event_type, 1, {}, handlers) is None  # not this consumer's
    assert pick("cn.gov.onewindow.intake.SomethingNewer", 1, {}, handlers) is None  # a newer producer's
    with pytest.raises(ContractError):
        pick(SupplementDeadlineMissed.event_type, 1, {**data, "due_on": "not a date"}, handlers)
