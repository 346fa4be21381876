"""Notify's pure rules: templates in Chinese with the case number, channels, ids, backoff, masking."""
from __future__ import annotations

from datetime import date, timedelta

from onewindow_contracts.notify import NotificationChannel, NotificationPurpose
from onewindow_notify.domain import templates
from onewindow_notify.domain.sending import backoff, channels_for, masked, notification_id, valid_email, valid_phone


def test_every_purpose_has_a_chinese_template_naming_the_case() -> None:
    facts = {"case_id": "330100-20260302-0001", "notice_no": "SL-1", "supplement": "", "reason": "不符合条件",
             "item_code": "XK-1", "materials": "CL-JKZ、CL-XFYS", "note": "图纸不清晰", "subject": "",
             "outcome": "准予许可（通过）", "detail": "", "licence_name": "食品经营许可证", "licence_no": "JY1",
             "carrier": "EMS", "waybill_no": "EA1CN", "answer": "已整改。"}
    for purpose in NotificationPurpose:
        message = templates.render(purpose, facts)
        assert "330100-20260302-0001" in message.body, purpose
        assert message.template_code.startswith("TPL-") and message.template_version == 1
    correction = templates.render(NotificationPurpose.SUPPLEMENT_REQUESTED, facts)
    assert correction.title == "补正通知" and "CL-JKZ、CL-XFYS" in correction.body and "图纸不清晰" in correction.body
    assert templates.render(NotificationPurpose.ACCEPTED, facts).title == "受理通知"
    assert templates.supplement_clause(date(2026, 3, 9)) == "容缺受理：请于2026年3月9日前补齐材料。"


def test_channels_ids_and_backoff() -> None:
    assert channels_for(False, False) == [NotificationChannel.IN_APP]
    assert channels_for(True, True) == [NotificationChannel.IN_APP, NotificationChannel.SMS, NotificationChannel.EMAIL]
    one = notification_id("ce-1", "app-1", "sms")
    assert one == notification_id("ce-1", "app-1", "sms") != notification_id("ce-1", "app-1", "email")
    assert [backoff(n, 30, 100) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (30, 60, 100, 100)]


def test_masking_and_validation() -> None:
    assert masked("to 13812345678 or wang.fang@example.cn") == "to 138****5678 or w***@example.cn"
    assert valid_phone("13812345678") and not valid_phone("1381234567")
    assert valid_email("a@b.cn") and not valid_email("not-an-address")
