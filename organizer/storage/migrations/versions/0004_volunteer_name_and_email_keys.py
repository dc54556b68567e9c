"""volunteer name and email keys

The directory sorts and searches volunteers by their name and email case-folded with the
accents removed.  Working that out for every volunteer on every read cost more than the
rest of the read, so each volunteer now keeps both keys, with an index for the directory's
order.  The database keeps them itself, whatever writes the name or email: triggers call
the ``organizer_fold`` function every SQLite connection of the program is given; on
PostgreSQL the keys are lower-cased (the accents stay, as its searches always did).

A later migration that rebuilds the volunteers table on SQLite (a batch alteration) drops
the triggers with it, and must create them again (the statements are below).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER volunteers_keys_on_insert AFTER INSERT ON volunteers
BEGIN
    UPDATE volunteers SET name_key = organizer_fold(NEW.name),
                          email_key = organizer_fold(NEW.email)
     WHERE id = NEW.id;
END""",
    """CREATE TRIGGER volunteers_keys_on_update AFTER UPDATE OF name, email ON volunteers
BEGIN
    UPDATE volunteers SET name_key = organizer_fold(NEW.name),
                          email_key = organizer_fold(NEW.email)
     WHERE id = NEW.id;
END""",
)
_POSTGRES_TRIGGERS = (
    """CREATE FUNCTION volunteers_keys() RETURNS trigger AS $$
BEGIN
    NEW.name_key := lower(NEW.name);
    NEW.email_key := lower(NEW.email);
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER volunteers_keys BEFORE INSERT OR UPDATE OF name, email ON volunteers
FOR EACH ROW EXECUTE FUNCTION volunteers_keys()""",
)


def create_key_triggers() -> None:
    """The triggers that keep ``name_key`` and ``email_key``, for the database in use."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_TRIGGERS if sqlite else _POSTGRES_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    op.add_column(
        "volunteers",
        sa.Column("name_key", sa.String(length=120), server_default="", nullable=False),
    )
    op.add_column("volunteers", sa.Column("email_key", sa.String(length=254), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE volunteers SET name_key = organizer_fold(name), "
            "email_key = organizer_fold(email)"
        )
    else:
        op.execute("UPDATE volunteers SET name_key = lower(name), email_key = lower(email)")
    op.create_index(
        "ix_volunteers_active_name_key", "volunteers", ["active", "name_key", "id"], unique=False
    )
    create_key_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER volunteers_keys_on_update")
        op.execute("DROP TRIGGER volunteers_keys_on_insert")
    else:
        op.execute("DROP TRIGGER volunteers_keys ON volunteers")
        op.execute("DROP FUNCTION volunteers_keys()")
    op.drop_index("ix_volunteers_active_name_key", table_name="volunteers")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("email_key")
        batch_op.drop_column("name_key")
