"""Machinery shared by the services: one session per call, versions, the change log."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Connection, Integer, any_, func, literal, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from organizer.errors import ConflictError, DatabaseLockedError, DomainError, NotFoundError
from organizer.models import Base, ChangeLogEntry, utc_now
from organizer.models.base import Tracked
from organizer.sharing.retry import ATTEMPTS, busy_message, write_with_retry
from organizer.sharing.watch import CHANGES_CHANNEL
from organizer.storage import Database

ModelT = TypeVar("ModelT", bound=Tracked)
DraftT = TypeVar("DraftT")
ResultT = TypeVar("ResultT")


CHUNK = 500
"""How many ids one ``IN (...)`` list holds (SQLite limits bound parameters)."""

ItemT = TypeVar("ItemT")


def chunks(items: Sequence[ItemT], size: int = CHUNK) -> Iterator[Sequence[ItemT]]:
    """``items`` in consecutive slices of at most ``size``."""
    for index in range(0, len(items), size):
        yield items[index : index + size]


def among(
    connection: Connection,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    ids: Collection[int],
) -> ColumnElement[bool]:
    """``column IN ids`` with the ids as one bound value, however many there are.

    A plain ``IN`` list of thousands of ids costs SQLAlchemy a name per id on every run,
    and SQLite a cap on how many may be bound.  SQLite reads the ids as a JSON array;
    PostgreSQL as an array.
    """
    values = sorted(ids)
    if connection.dialect.name == "sqlite":
        each = func.json_each(json.dumps(values)).table_valued("value")
        return column.in_(select(each.c.value))
    return column == any_(literal(values, ARRAY(Integer)))


def record_change(
    session: Session, actor: str, action: str, entity: str, entity_id: int | None, summary: str
) -> None:
    """Append one entry to the change log, in the caller's transaction."""
    session.add(
        ChangeLogEntry(
            actor=actor, action=action, entity=entity, entity_id=entity_id, summary=summary
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        # Delivered to listeners on commit only (and folded into one per transaction).
        with session.no_autoflush:
            session.execute(text(f"SELECT pg_notify('{CHANGES_CHANNEL}', '')"))


class Service:
    """Base of every service: it knows the database and who is acting."""

    def __init__(self, db: Database, actor: str) -> None:
        self.db = db
        self.actor = actor
        self.write_attempts = ATTEMPTS
        self.on_wait: Callable[[int, float], None] | None = None
        """Told ``(attempt, delay)`` before a busy save is tried again."""
        self.sleep: Callable[[float], None] = time.sleep

    @contextmanager
    def _writing(
        self, entity: str, entity_id: int | None = None, model: type[Any] | None = None
    ) -> Iterator[Session]:
        """One write transaction; a stale version becomes a ConflictError naming who and when."""
        try:
            with self.db.write() as session:
                yield session
        except StaleDataError as error:
            raise self._conflict_from_stale(entity, entity_id, model) from error
        except DatabaseLockedError as error:
            raise DatabaseLockedError(busy_message(self.db)) from error

    def _write_unit(
        self,
        work: Callable[[Session], ResultT],
        entity: str,
        entity_id: int | None = None,
        model: type[Any] | None = None,
    ) -> ResultT:
        """Run one user action's write, retried whole while the file is busy.

        Raises:
            DatabaseLockedError: still busy after the retries; names who is saving when known.
            ConflictError: a stale version (names who saved it and when).
        """
        try:
            return write_with_retry(
                self.db, work, self.write_attempts, self.on_wait, sleep=self.sleep
            )
        except StaleDataError as error:
            raise self._conflict_from_stale(entity, entity_id, model) from error

    def _conflict_from_stale(
        self, entity: str, entity_id: int | None, model: type[Any] | None
    ) -> DomainError:
        """Look up who saved the row last, to say so in the conflict."""
        if model is None or entity_id is None:
            return ConflictError(entity, entity_id or 0, None, None, None)
        with self.db.read() as session:
            row = session.get(model, entity_id)
            if row is None:
                return NotFoundError(entity, entity_id)
            return ConflictError(entity, entity_id, row.updated_by, row.updated_at, row.version)

    def _log(
        self, session: Session, action: str, entity: str, entity_id: int | None, summary: str
    ) -> None:
        record_change(session, self.actor, action, entity, entity_id, summary)

    def _stamp(self, row: Tracked, *, creating: bool = False) -> None:
        now = utc_now()
        row.updated_at = now
        row.updated_by = self.actor
        if creating:
            row.created_at = now
            row.created_by = self.actor


class CrudService(Service, Generic[ModelT, DraftT]):
    """Create, read, update and delete for one entity edited through a draft dataclass.

    Subclasses name the model, say how to validate a draft, and may add load options for
    :meth:`get` and checks before deletion.  Drafts hold every editable field; an update
    replaces them all, based on the version the person loaded.
    """

    model: ClassVar[type[Any]]
    entity: ClassVar[str]
    order_by: ClassVar[Sequence[Any]] = ()

    def validate(self, session: Session, draft: DraftT, existing_id: int | None) -> DraftT:
        """Check a draft; return it cleaned (trimmed text...) or raise ValidationError."""
        raise NotImplementedError

    def load_options(self) -> Sequence[ORMOption]:
        """Loader options so that :meth:`get` returns a row with what its editor shows."""
        return ()

    def describe(self, row: ModelT) -> str:
        """How the change log names a row."""
        name = getattr(row, "name", None) or getattr(row, "title", None)
        return f"{self.entity} “{name}”" if name else f"{self.entity} {row_id(row)}"

    def before_delete(self, session: Session, row: ModelT) -> None:
        """Refuse deletion (with a DomainError) when it would lose things people need."""

    def after_apply(self, session: Session, row: ModelT, changed: list[str]) -> None:
        """Hook after a draft was applied to a row (``changed`` names the changed fields)."""

    def before_update(self, session: Session, row: ModelT, changed: list[str]) -> None:
        """Refuse an update (with a DomainError) that would lose things people need.

        Called once the draft is applied, before anything is written; ``changed`` names
        the changed fields.
        """

    def after_flush(self, session: Session, row: ModelT) -> None:
        """Hook once a created or changed row is written (it has its id)."""

    def list(self) -> list[ModelT]:
        """Every row, in the entity's natural order."""
        with self.db.read() as session:
            return list(session.scalars(select(self.model).order_by(*self.order_by)))

    def get(self, entity_id: int) -> ModelT:
        """One row with what its editor needs, or NotFoundError."""
        with self.db.read() as session:
            return self._load(session, entity_id)

    def get_many(self, entity_ids: Sequence[int]) -> Sequence[ModelT]:
        """The rows :meth:`get` gives for ``entity_ids``, in that order, read together."""
        with self.db.read() as session:
            return [self._load(session, entity_id) for entity_id in entity_ids]

    def create(self, draft: DraftT) -> ModelT:
        """Validate and store a new row; returns it (detached, with its id and version)."""

        def work(session: Session) -> ModelT:
            clean = self.validate(session, draft, None)
            row = self.model()
            self._stamp(row, creating=True)
            changed = apply_draft(row, clean)
            self.after_apply(session, row, changed)
            session.add(row)
            session.flush()
            self.after_flush(session, row)
            self._log(session, "create", self.entity, row_id(row), f"Created {self.describe(row)}")
            session.flush()
            return self._load(session, row_id(row))

        return self._write_unit(work, self.entity)

    def update(self, entity_id: int, expected_version: int, draft: DraftT) -> ModelT:
        """Replace a row's editable fields, if nobody else saved it since ``expected_version``.

        Raises:
            ConflictError: someone else saved the row first (names who and when).
            NotFoundError: the row was deleted.
        """

        def work(session: Session) -> ModelT:
            return self._update_in(session, entity_id, expected_version, draft)

        return self._write_unit(work, self.entity, entity_id, self.model)

    def update_many(self, changes: Sequence[tuple[int, int, DraftT]]) -> Sequence[ModelT]:
        """Several :meth:`update` s, ``(id, expected version, draft)``, in one transaction.

        Raises:
            ConflictError: someone else saved one of the rows first (nothing is changed).
            NotFoundError: one of the rows was deleted (nothing is changed).
        """

        def work(session: Session) -> Sequence[ModelT]:
            return [self._update_in(session, *change) for change in changes]

        return self._write_unit(work, self.entity, None, self.model)

    def _update_in(
        self, session: Session, entity_id: int, expected_version: int, draft: DraftT
    ) -> ModelT:
        row = self._load_for_change(session, entity_id, expected_version)
        clean = self.validate(session, draft, entity_id)
        changed = apply_draft(row, clean)
        if not changed:
            return row
        self.before_update(session, row, changed)
        self._stamp(row)
        self.after_apply(session, row, changed)
        session.flush()
        self.after_flush(session, row)
        self._log(
            session,
            "update",
            self.entity,
            entity_id,
            f"Changed {self.describe(row)}: {', '.join(changed)}",
        )
        session.flush()
        return self._load(session, entity_id)

    def delete(self, entity_id: int, expected_version: int) -> None:
        """Delete a row, if it is still the version the person saw."""

        def work(session: Session) -> None:
            row = self._load_for_change(session, entity_id, expected_version)
            self.before_delete(session, row)
            summary = f"Deleted {self.describe(row)}"
            session.delete(row)
            try:
                session.flush()
            except sa_exc.IntegrityError as error:
                raise DomainError(
                    f"{self.describe(row).capitalize()} is still in use and cannot be deleted."
                ) from error
            self._log(session, "delete", self.entity, entity_id, summary)

        self._write_unit(work, self.entity, entity_id, self.model)

    def _load(self, session: Session, entity_id: int) -> ModelT:
        row = session.get(
            self.model, entity_id, options=self.load_options(), populate_existing=True
        )
        if row is None:
            raise NotFoundError(self.entity, entity_id)
        return row  # type: ignore[no-any-return]

    def _load_for_change(self, session: Session, entity_id: int, expected_version: int) -> ModelT:
        row = self._load(session, entity_id)
        check_version(row, self.entity, entity_id, expected_version)
        return row

    def _modify(
        self,
        entity_id: int,
        expected_version: int,
        summary: str,
        change: Callable[[Session, ModelT], None],
    ) -> ModelT:
        """Apply ``change`` to a row under version control, stamping and logging it."""

        def work(session: Session) -> ModelT:
            row = self._load_for_change(session, entity_id, expected_version)
            change(session, row)
            self._stamp(row)
            session.flush()
            self.after_flush(session, row)
            self._log(
                session, "update", self.entity, entity_id, f"{summary} ({self.describe(row)})"
            )
            session.flush()
            return self._load(session, entity_id)

        return self._write_unit(work, self.entity, entity_id, self.model)


def check_version(row: Tracked, entity: str, entity_id: int, expected_version: int) -> None:
    """Raise ConflictError when ``row`` moved on since the person loaded ``expected_version``."""
    if row.version != expected_version:
        raise ConflictError(entity, entity_id, row.updated_by, row.updated_at, row.version)


def row_id(row: Any) -> int:
    """The integer primary key of a mapped row."""
    return int(row.id)


def apply_draft(row: Base | Tracked, draft: Any) -> list[str]:
    """Copy every field of a draft dataclass onto ``row``; return the names that changed."""
    changed: list[str] = []
    for field in dataclasses.fields(draft):
        value = getattr(draft, field.name)
        if getattr(row, field.name, None) != value:
            setattr(row, field.name, value)
            changed.append(field.name)
    return changed
