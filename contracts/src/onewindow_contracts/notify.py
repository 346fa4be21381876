"""Notifications and result delivery (统一出件, 免费邮寄) (topic notify.events).

The recipient appears only as `recipient_ref`: notify opens the applicant's sealed contact itself and
never republishes it. Message text is not carried either: template and version say what was sent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from onewindow_contracts.base import CaseEvent
from onewindow_contracts.topics import NOTIFY
from onewindow_contracts.values import (
    Actor,
    ApplicantRef,
    Code,
    DeliveryMethod,
    Ident,
    ItemRef,
    LicenceId,
    UtcDatetime,
)


class _NotifyEvent(CaseEvent):
    topic: ClassVar[str] = NOTIFY.name


class NotificationChannel(StrEnum):
    SMS = "sms"  # 短信
    EMAIL = "email"  # 电子邮件
    IN_APP = "in_app"  # 站内消息 (portal and app)


class NotificationPurpose(StrEnum):
    """What the applicant is told (always in Chinese)."""

    ACCEPTED = "accepted"  # 受理告知, with case number and the date it will be done
    NOT_ACCEPTED = "not_accepted"  # 不予受理告知
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补齐补正告知
    DECIDED = "decided"  # 审批结果
    LICENCE_ISSUED = "licence_issued"  # 电子证照已签发
    RESULT_DISPATCHED = "result_dispatched"  # 证照已寄出
    RECTIFICATION_ANSWERED = "rectification_answered"  # 差评整改反馈


class _Notification(_NotifyEvent):
    notification_id: Ident
    recipient_ref: ApplicantRef
    channel: NotificationChannel
    purpose: NotificationPurpose
    template_code: Code
    template_version: int = Field(ge=1)
    caused_by: Ident = Field(description="ce_id of the event this notification answers")


class NotificationSent(_Notification):
    """通知已发送: a notification left through its channel (accepted by the SMS gateway, mail server …)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.notify.NotificationSent"

    provider_message_id: Ident | None = None
    sent_at: UtcDatetime


class NotificationFailed(_Notification):
    """通知发送失败: a channel refused or timed out. `final` when no retry follows: then the case's
    supervisor sees that the applicant was not told."""

    event_type: ClassVar[str] = "cn.gov.onewindow.notify.NotificationFailed"

    error_code: Code
    attempts: int = Field(ge=1)
    final: bool
    failed_at: UtcDatetime


class ResultDispatched(_NotifyEvent):
    """证照寄出: the paper result was handed to the carrier for free post (免费邮寄)."""

    event_type: ClassVar[str] = "cn.gov.onewindow.notify.ResultDispatched"

    delivery_id: Ident
    items: tuple[ItemRef, ...] = Field(min_length=1)
    licence_ids: tuple[LicenceId, ...] = ()
    carrier: Code
    waybill_no: Ident
    dispatched_at: UtcDatetime


class ResultDelivered(_NotifyEvent):
    """统一出件: the result reached the applicant, picked up at the window, delivered by post, or
    delivered as an e-licence only. Opens the delivery-stage rating."""

    event_type: ClassVar[str] = "cn.gov.onewindow.notify.ResultDelivered"

    delivery_id: Ident
    method: DeliveryMethod
    items: tuple[ItemRef, ...] = Field(min_length=1)
    licence_ids: tuple[LicenceId, ...] = ()
    waybill_no: Ident | None = None
    handed_over_by: Actor | None = Field(default=None, description="the window clerk, for a pickup")
    delivered_at: UtcDatetime

    @model_validator(mode="after")
    def _waybill_for_post(self) -> Self:
        if (self.method is DeliveryMethod.POST) != (self.waybill_no is not None):
            raise ValueError("a posted result has its waybill number, and only a posted one")
        return self
