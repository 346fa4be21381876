"""Intake's tables for 个人信息删除: when each case closed (the start of its retention period) and the
register of erasures (销毁清册: whose personal data was destroyed, when, why and by whom)."""
from __future__ import annotations

import sqlalchemy as sa

from onewindow_chassis.schema import UtcTime

metadata = sa.MetaData()

# 办结: heard from approval (CaseConcluded); a case intake itself ended (不予受理, 撤件 before 受理,
# 逾期未补齐) closes at its last change instead and needs no row here.
case_closures = sa.Table(
    "case_closures", metadata,
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("concluded_at", UtcTime(), nullable=False),
)

# One row per erased applicant: erasure happens once, and the register outlives the data it erased.
erasures = sa.Table(
    "erasures", metadata,
    sa.Column("applicant_ref", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),  # applicant_request | retention_expired
    sa.Column("erased_by_role", sa.Text, nullable=False),
    sa.Column("erased_by", sa.Text, nullable=False),
    sa.Column("erased_at", UtcTime(), nullable=False),
    sa.Column("cases", sa.Integer, nullable=False),  # how many case streams recorded PersonalDataErased
    sa.Column("materials", sa.Integer, nullable=False),  # how many stored documents were destroyed
)
