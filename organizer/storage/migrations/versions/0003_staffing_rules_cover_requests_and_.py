"""staffing rules, cover requests and presence

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:20:37.141700
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("user", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_presence")),
    )
    op.create_table(
        "staffing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cause_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=True),
        sa.Column("minimum", sa.Integer(), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("minimum >= 1", name=op.f("ck_staffing_rules_minimum_positive")),
        sa.ForeignKeyConstraint(
            ["cause_id"],
            ["causes.id"],
            name=op.f("fk_staffing_rules_cause_id_causes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_staffing_rules_qualification_id_qualifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_rules")),
    )
    with op.batch_alter_table("staffing_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffing_rules_cause_id"), ["cause_id"], unique=False)

    op.create_table(
        "cover_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "answer IN ('pending', 'yes', 'no', 'no_reply')",
            name=op.f("ck_cover_requests_answer_known"),
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["shifts.id"],
            name=op.f("fk_cover_requests_shift_id_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_cover_requests_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_requests")),
    )
    with op.batch_alter_table("cover_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cover_requests_slot", ["shift_id", "occurrence_start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cover_requests_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cover_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cover_requests_volunteer_id"))
        batch_op.drop_index("ix_cover_requests_slot")

    op.drop_table("cover_requests")
    with op.batch_alter_table("staffing_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffing_rules_cause_id"))

    op.drop_table("staffing_rules")
    op.drop_table("presence")
