"""publishing and volunteer care

Invitation UIDs on assignments (existing rows get a fresh one each), what each volunteer was
last sent, and the volunteer fields for health notes, review flags, anonymisation and
onboarding.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:17:34.461610
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("uid", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_published_items_assignment_id_assignments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_published_items_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_items")),
        sa.UniqueConstraint("volunteer_id", "uid", name="uq_published_items_slot"),
    )
    with op.batch_alter_table("published_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_published_items_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_published_items_volunteer_id"), ["volunteer_id"], unique=False
        )

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=255), nullable=True))
    bind = op.get_bind()
    ids = bind.execute(sa.text("SELECT id FROM assignments")).scalars().all()
    if ids:
        bind.execute(
            sa.text("UPDATE assignments SET uid = :uid WHERE id = :id"),
            [{"id": row_id, "uid": f"{uuid.uuid4()}@organizer"} for row_id in ids],
        )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.alter_column("uid", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_assignments_uid"), ["uid"])

    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health_notes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("review_reason", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("welcomed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("trained_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("buddy_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_volunteers_buddy_id_volunteers"),
            "volunteers",
            ["buddy_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.alter_column("health_notes", server_default=None)
        batch_op.alter_column("review_reason", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_volunteers_buddy_id_volunteers"), type_="foreignkey"
        )
        batch_op.drop_column("buddy_id")
        batch_op.drop_column("trained_on")
        batch_op.drop_column("welcomed_on")
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("review_reason")
        batch_op.drop_column("health_notes")

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_assignments_uid"), type_="unique")
        batch_op.drop_column("uid")

    with op.batch_alter_table("published_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_items_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_published_items_assignment_id"))

    op.drop_table("published_items")
