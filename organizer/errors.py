"""Errors the core raises, each with a message a coordinator can act on.

Two families: :class:`DomainError` for things the person can fix in what they typed or chose,
and :class:`StorageError` for the environment (a file that is missing, locked, read-only,
damaged or from a newer version).  Anything else is a bug and goes to the crash handler.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from organizer.wording import english_date


class OrganizerError(Exception):
    """Base of every error that carries a message meant for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DomainError(OrganizerError):
    """A request that breaks a rule of the domain."""


@dataclass(frozen=True)
class FieldProblem:
    """One field that failed validation, and why."""

    field: str
    message: str


class ValidationError(DomainError):
    """One or more fields are invalid; ``problems`` names each field."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        text = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(text or "Invalid input.")

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        """Build the error for a single field."""
        return cls([FieldProblem(field, message)])

    def for_field(self, field: str) -> str | None:
        """The message for ``field``, if it has one."""
        for problem in self.problems:
            if problem.field == field:
                return problem.message
        return None


class NotFoundError(DomainError):
    """The record no longer exists (perhaps another coordinator deleted it)."""

    def __init__(self, entity: str, entity_id: int) -> None:
        super().__init__(f"This {entity} no longer exists (it may have been deleted).")
        self.entity = entity
        self.entity_id = entity_id


class ConflictError(DomainError):
    """Someone else saved the record after it was loaded."""

    def __init__(
        self,
        entity: str,
        entity_id: int,
        changed_by: str | None,
        changed_at: datetime | None,
        current_version: int | None,
    ) -> None:
        who = changed_by or "Someone else"
        when = (
            f" at {english_date(changed_at.astimezone(), '%H:%M on %d %b %Y')}"
            if changed_at
            else ""
        )
        self._changed = f"{who} changed this {entity}{when}"
        super().__init__(
            f"{self._changed} after you opened it. "
            "Reload it to see their version before saving again."
        )
        self.entity = entity
        self.entity_id = entity_id
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version

    def changed_text(self) -> str:
        """Who changed the record and when, as a clause ("Priya changed this event at …")."""
        return self._changed


class UndoRefusedError(DomainError):
    """An undo or redo could not be made; ``reason`` is what refused it."""

    def __init__(self, message: str, reason: OrganizerError) -> None:
        super().__init__(message)
        self.reason = reason


class StorageError(OrganizerError):
    """A problem with the database file or server, not with what was typed."""


class DatabaseMissingError(StorageError):
    """The file is not there (a disconnected share looks like this too)."""


class NotOrganizerFileError(StorageError):
    """The file exists but was not made by Organizer."""


class DatabaseTooNewError(StorageError):
    """The file was written by a newer Organizer whose schema this one does not know."""


class DatabaseReadOnlyError(StorageError):
    """The file cannot be written to."""


class DatabaseLockedError(StorageError):
    """Another program kept the file busy for longer than we wait."""


class DatabaseDamagedError(StorageError):
    """The file is damaged and cannot be read safely."""


class DatabaseExistsError(StorageError):
    """A new database was requested at a path that already holds a file."""


class ImportFormatError(DomainError):
    """A file given for import cannot be understood."""


class MailError(OrganizerError):
    """Email could not be sent; the message names the mail server and what went wrong."""


class MailConnectionError(MailError):
    """The mail server could not be reached, refused the connection or hung up."""


class MailLoginError(MailError):
    """The mail server refused the user name or password."""


class MailSecurityError(MailError):
    """The secure (TLS) connection to the mail server failed."""


class PasswordStoreError(OrganizerError):
    """The system keyring is missing or refused to keep or give a password."""


class OperationCancelledError(DomainError):
    """The person cancelled a long operation; nothing was changed."""


class DatabaseInUseError(StorageError):
    """Others have the file open, so it cannot be replaced (a restore) right now."""


class DatabaseLoginError(StorageError):
    """The database server refused the user name or password."""


class DatabaseMovedError(StorageError):
    """The file's data was moved to a database server; the server is the one to open."""
