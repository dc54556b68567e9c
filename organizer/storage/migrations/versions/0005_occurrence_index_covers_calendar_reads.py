"""occurrence index covers the calendar's reads

The calendar reads a month's occurrences through the index on (long, starts_at), then
looked every one of them up in the table for its end, event, recurrence id and whether it
was changed: about half the read.  The index now holds those too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COVERED = ["long", "starts_at", "ends_at", "event_id", "recurrence_id", "overridden"]


def upgrade() -> None:
    op.drop_index("ix_occurrences_long", table_name="occurrences")
    op.create_index("ix_occurrences_long", "occurrences", _COVERED, unique=False)


def downgrade() -> None:
    op.drop_index("ix_occurrences_long", table_name="occurrences")
    op.create_index("ix_occurrences_long", "occurrences", ["long", "starts_at"], unique=False)
