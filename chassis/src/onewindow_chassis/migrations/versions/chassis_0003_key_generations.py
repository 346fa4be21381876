"""Data keys by generation: a person erased who comes back gets a new key, the erased ones stay erased.

Revision ID: chassis_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "chassis_0003"
down_revision = "chassis_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if "person_ref" in {c["name"] for c in sa.inspect(bind).get_columns("subject_keys")}:
        return  # chassis_0001 installs the chassis's tables as they are today: already this shape
    with op.batch_alter_table("subject_keys") as batch:
        batch.add_column(sa.Column("person_ref", sa.Text, nullable=True))
        batch.add_column(sa.Column("generation", sa.Integer, nullable=False, server_default="1"))
    op.execute("UPDATE subject_keys SET person_ref = subject_ref")  # every key so far was a first one
    with op.batch_alter_table("subject_keys") as batch:
        batch.alter_column("person_ref", existing_type=sa.Text, nullable=False)
        batch.create_index("subject_keys_person_idx", ["person_ref", "generation"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("subject_keys") as batch:
        batch.drop_index("subject_keys_person_idx")
        batch.drop_column("generation")
        batch.drop_column("person_ref")
