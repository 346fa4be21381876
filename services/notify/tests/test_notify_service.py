"""Notify over HTTP, in both modes, against a real SMTP server: each notification once, after commit,
retried with backoff; the inbox; the SMS sink; 统一出件 by post."""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from notify_platform import (
    MailServer, Platform, a_case, accepted, eventually, received, sms_lines, supplemented,
)

PHONE = "13812345678"
EMAIL = "wang.fang@example.cn"


def register(platform: Platform, applicant_ref: str) -> None:
    reply = platform.client.put("/v1/contacts/me", json={"phone": PHONE, "email": EMAIL},
                                headers=platform.token("applicant", applicant_ref))
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"sms": True, "email": True}


def test_acceptance_is_sent_exactly_once_though_its_event_came_twice_and_the_service_restarted(
        launch: Callable[..., Platform], mail: MailServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="onewindow_notify")
    platform = launch(mail)
    case_id, applicant, item = a_case()
    register(platform, applicant)
    accepted_event = accepted(case_id, item)
    accepted_id = str(uuid.uuid4())
    platform.publish([received(case_id, applicant, item), accepted_event], ids=[str(uuid.uuid4()), accepted_id])

    assert eventually(lambda: len(mail.received) >= 1 and len(sms_lines(platform.settings)) >= 1)
    platform.publish([accepted_event], ids=[accepted_id])  # redelivered: the same CloudEvents id
    platform.restart()
    platform.publish([accepted_event], ids=[accepted_id])  # and once more, to the new process
    # A later event of the same case, on the same topic and key: once it is through, so are the duplicates.
    platform.publish([supplemented(case_id, applicant)])
    assert eventually(lambda: len(mail.received) >= 2 and len(sms_lines(platform.settings)) >= 2)
    time.sleep(0.5)  # the sender polls every 0.1 s: a duplicate would be out by now

    subjects = mail.subjects()
    assert [s for s in subjects if s.startswith("受理通知")] == [f"受理通知（办件编号{case_id}）"]
    assert len(mail.received) == 2, subjects
    message = mail.received[0]
    assert message["X-Envelope-To"] == EMAIL
    assert case_id in message.get_payload(decode=True).decode("utf-8")
    assert f"SL-{case_id}" in message.get_payload(decode=True).decode("utf-8")

    lines = sms_lines(platform.settings)
    assert [line["text"].split("：")[0] for line in lines] == ["【一网通办】受理通知", "【一网通办】补正通知"]
    assert lines[0]["to"] == "138****5678" and case_id in lines[0]["text"]
    assert PHONE not in platform.settings.sms_outbox_path.read_text(encoding="utf-8")

    inbox = platform.inbox(applicant)
    assert [(i["title"], i["case_id"]) for i in inbox if i["purpose"] == "accepted"] == [("受理通知", case_id)]
    assert case_id in inbox[-1]["body"]

    sent = platform.events("NotificationSent", case_id)
    accepted_sent = [e for e in sent if e["purpose"] == "accepted"]
    assert sorted(e["channel"] for e in accepted_sent) == ["email", "in_app", "sms"]
    assert all(e["caused_by"] == accepted_id and e["recipient_ref"] == applicant for e in accepted_sent)

    # No number or address anywhere it could leak: our logs (masked there) and the published events. The
    # test's own SMTP server (aiosmtpd, logger "mail.log") logs what it received: that is the far end.
    logs = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    assert "138****5678" in logs and "w***@example.cn" in logs
    assert PHONE not in logs and EMAIL not in logs
    assert PHONE not in str(sent) and EMAIL not in str(sent)


def test_a_refusing_mail_server_is_retried_with_backoff_then_the_failure_is_final(
        launch: Callable[..., Platform], refusing_mail: MailServer) -> None:
    platform = launch(refusing_mail, send_max_attempts=3, send_backoff_seconds=60)
    case_id, applicant, item = a_case()
    reply = platform.client.put("/v1/contacts/me", json={"email": EMAIL}, headers=platform.token("applicant", applicant))
    assert reply.json() == {"sms": False, "email": True}
    platform.publish([received(case_id, applicant, item), accepted(case_id, item)])

    assert eventually(lambda: refusing_mail.attempts == 1)
    assert eventually(lambda: len(platform.events("NotificationFailed", case_id)) == 1)
    time.sleep(0.5)
    assert refusing_mail.attempts == 1  # backing off: nothing before the first delay is over
    platform.clock.advance(timedelta(seconds=60))
    assert eventually(lambda: refusing_mail.attempts == 2)
    platform.clock.advance(timedelta(seconds=60))
    time.sleep(0.5)
    assert refusing_mail.attempts == 2  # the second delay is twice the first
    platform.clock.advance(timedelta(seconds=60))
    assert eventually(lambda: refusing_mail.attempts == 3)
    failures = eventually(lambda: [e for e in platform.events("NotificationFailed", case_id) if e["final"]])
    platform.clock.advance(timedelta(hours=2))
    time.sleep(0.5)
    assert refusing_mail.attempts == 3  # no attempt after the limit

    assert len(failures) == 1
    assert failures[0]["attempts"] == 3 and failures[0]["error_code"] == "smtp_451"
    assert failures[0]["channel"] == "email" and failures[0]["purpose"] == "accepted"
    all_failures = platform.events("NotificationFailed", case_id)
    assert [(e["attempts"], e["final"]) for e in all_failures] == [(1, False), (2, False), (3, True)]
    clerk = platform.token("window_clerk")
    rows = platform.client.get(f"/v1/cases/{case_id}/notifications", headers=clerk).json()["items"]
    assert {(r["channel"], r["status"]) for r in rows} == {("in_app", "sent"), ("email", "failed")}
    assert len(platform.inbox(applicant)) == 1  # the inbox told the applicant all the same


def test_result_posted_for_free_records_its_waybill_and_tells_the_applicant(
        launch: Callable[..., Platform], mail: MailServer) -> None:
    platform = launch(mail)
    case_id, applicant, item = a_case()
    platform.publish([received(case_id, applicant, item), accepted(case_id, item)])
    assert eventually(lambda: platform.inbox(applicant))
    clerk = platform.token("window_clerk", "clerk-hz-0001")
    body = {"method": "post", "carrier": "EMS", "waybill_no": "EA123456789CN"}
    headers = clerk | {"Idempotency-Key": f"deliver-{case_id}"}

    first = platform.client.post(f"/v1/cases/{case_id}/delivery", json=body, headers=headers)
    again = platform.client.post(f"/v1/cases/{case_id}/delivery", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json() == first.json()
    delivery = first.json()
    assert delivery["status"] == "dispatched" and delivery["waybill_no"] == "EA123456789CN"

    (dispatched,) = platform.events("ResultDispatched", case_id)
    assert dispatched["waybill_no"] == "EA123456789CN" and dispatched["carrier"] == "EMS"
    assert dispatched["items"] == [item.model_dump(mode="json")]
    told = eventually(lambda: [i for i in platform.inbox(applicant) if i["purpose"] == "result_dispatched"])
    assert "EA123456789CN" in told[0]["body"] and case_id in told[0]["body"]

    receipt = platform.client.post(f"/v1/cases/{case_id}/delivery/{delivery['delivery_id']}/receipt", json={},
                                   headers=clerk | {"Idempotency-Key": f"receipt-{case_id}"})
    assert receipt.status_code == 200, receipt.text
    (delivered,) = platform.events("ResultDelivered", case_id)
    assert delivered["method"] == "post" and delivered["waybill_no"] == "EA123456789CN"
    mine = platform.client.get(f"/v1/cases/{case_id}/delivery", headers=platform.token("applicant", applicant))
    assert [(d["status"], d["waybill_no"]) for d in mine.json()["items"]] == [("delivered", "EA123456789CN")]

    # A pickup at the window is delivered at once, by the clerk; only a window clerk hands over.
    pickup = platform.client.post(f"/v1/cases/{case_id}/delivery", json={"method": "window_pickup"},
                                  headers=clerk | {"Idempotency-Key": f"pickup-{case_id}"})
    assert pickup.status_code == 201 and pickup.json()["status"] == "delivered"
    refused = platform.client.post(f"/v1/cases/{case_id}/delivery", json={"method": "window_pickup"},
                                   headers=platform.token("applicant", applicant) | {"Idempotency-Key": "k-12345678"})
    assert refused.status_code == 403
    no_waybill = platform.client.post(f"/v1/cases/{case_id}/delivery", json={"method": "post", "carrier": "EMS"},
                                      headers=clerk | {"Idempotency-Key": f"nowaybill-{case_id}"})
    assert no_waybill.status_code in (400, 422)


def test_the_unique_key_holds_even_where_the_tracking_table_would_not(
        launch: Callable[..., Platform], mail: MailServer) -> None:
    """A replayed topic under a new consumer group passes the tracking table: the notification's own
    unique (event, recipient, channel) key still records it once."""
    from onewindow_notify.service_layer.handlers import heard_accepted, heard_received

    platform = launch(mail)
    case_id, applicant, item = a_case()
    register(platform, applicant)
    services = platform.client.app.state.notify  # type: ignore[attr-defined]

    async def hear(event_id: str) -> None:
        async with services.uow() as uow:
            await heard_received(received(case_id, applicant, item), "ce-received", uow)
            await heard_accepted(accepted(case_id, item), event_id, uow)

    for _ in range(3):
        platform.client.portal.call(hear, "ce-accepted-once")
    assert eventually(lambda: len(mail.received) == 1 and len(sms_lines(platform.settings)) == 1)
    time.sleep(0.5)
    assert len(mail.received) == 1 and len(sms_lines(platform.settings)) == 1
    assert len(platform.inbox(applicant)) == 1
