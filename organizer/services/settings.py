"""Organisation-wide settings: who invitations come from, reminders and the mail server.

Settings live in the database's ``file_info`` table under keys starting with ``setting.``, so
every coordinator opening the file sees the same ones.  The mail password never goes into the
database: it is kept in the system keyring (``keyring`` package), and when the machine has none
the caller can pass a password for one run instead.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.errors import ConflictError, PasswordStoreError, ValidationError
from organizer.models import FileInfo
from organizer.services.base import Service
from organizer.validation import Problems

SETTING_PREFIX = "setting."
KEYRING_SERVICE = "Organizer mail"
"""The keyring "service" under which mail passwords are kept (one per server and user)."""

MAX_REMINDER_MINUTES = 4 * 7 * 24 * 60


class SmtpSecurity(enum.StrEnum):
    """How the connection to the mail server is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"

    @property
    def default_port(self) -> int:
        """The usual port for this kind of connection."""
        return {SmtpSecurity.NONE: 25, SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465}[self]


@dataclass(frozen=True)
class OrganisationSettings:
    """Who invitations come from, the reminder they carry, and how mail is sent.

    ``reminder_minutes`` is how long before a shift calendars remind the volunteer (``None``:
    no reminder).  ``smtp_port`` ``None`` means the usual port for ``smtp_security``.
    """

    organiser_name: str = ""
    organiser_email: str = ""
    reminder_minutes: int | None = None
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_user: str = ""

    @property
    def port(self) -> int:
        """The port to connect to: the one set, else the usual one for the security."""
        return self.smtp_port or self.smtp_security.default_port

    @property
    def has_organiser(self) -> bool:
        """Whether invitations can name an organiser (both name and email are set)."""
        return bool(self.organiser_name and self.organiser_email)


_TEXT_FIELDS = ("organiser_name", "organiser_email", "smtp_host", "smtp_user")


class SettingsChangedError(ConflictError):
    """The organisation settings were changed since they were last written here."""

    def __init__(self) -> None:
        super().__init__("organisation settings", 0, None, None, None)
        self.message = (
            "Someone changed the organisation settings since; they were not changed back."
        )
        self.args = (self.message,)

    def changed_text(self) -> str:
        """Who changed the settings, as a clause."""
        return "Someone changed the organisation settings"


class SettingsService(Service):
    """Read and change the organisation's settings; keep the mail password in the keyring."""

    def get(self) -> OrganisationSettings:
        """The settings as stored (defaults for those never set)."""
        with self.db.read() as session:
            stored = _stored(session)
        return _parse(stored)

    def save(
        self, settings: OrganisationSettings, *, expected: OrganisationSettings | None = None
    ) -> OrganisationSettings:
        """Validate and store every setting; returns them cleaned (trimmed text).

        With ``expected`` (used by undo and redo), the settings are stored only if those stored
        now are still ``expected``, checked in the same write transaction.

        Raises:
            ValidationError: a setting is invalid (the field is named).
            SettingsChangedError: ``expected`` was given and the stored settings differ from
                it; nothing was changed.
        """
        return self.exchange(settings, expected=expected)[1]

    def exchange(
        self, settings: OrganisationSettings, *, expected: OrganisationSettings | None = None
    ) -> tuple[OrganisationSettings, OrganisationSettings]:
        """:meth:`save`, also returning the settings it replaced (read in the same write).

        Raises:
            ValidationError: a setting is invalid (the field is named).
            SettingsChangedError: as for :meth:`save`.
        """
        clean = self.validate(settings)
        values = _serialise(clean)
        with self._writing("settings") as session:
            existing = {row.key: row for row in _setting_rows(session)}
            before = _parse(_values(existing.values()))
            if expected is not None and before != expected:
                raise SettingsChangedError()
            changed: list[str] = []
            for name, value in values.items():
                key = SETTING_PREFIX + name
                row = existing.get(key)
                if row is None:
                    if value == "":
                        continue
                    session.add(FileInfo(key=key, value=value))
                    changed.append(name)
                elif row.value != value:
                    row.value = value
                    changed.append(name)
            if changed:
                self._log(
                    session, "update", "settings", None, f"Changed settings: {', '.join(changed)}"
                )
        return before, clean

    def validate(self, settings: OrganisationSettings) -> OrganisationSettings:
        """Check settings; return them with text trimmed, or raise ValidationError."""
        clean = replace(
            settings, **{name: getattr(settings, name).strip() for name in _TEXT_FIELDS}
        )
        problems = Problems()
        problems.optional_text("organiser_name", clean.organiser_name, label="Name", max_length=120)
        problems.email("organiser_email", clean.organiser_email)
        if clean.reminder_minutes is not None and not (
            0 <= clean.reminder_minutes <= MAX_REMINDER_MINUTES
        ):
            problems.add("reminder_minutes", "The reminder must be between 0 and 4 weeks before.")
        if clean.smtp_port is not None and not 0 < clean.smtp_port < 65536:
            problems.add("smtp_port", "The port must be a number from 1 to 65535.")
        if any(ch.isspace() for ch in clean.smtp_host):
            problems.add("smtp_host", "The server name cannot contain spaces.")
        problems.optional_text("smtp_host", clean.smtp_host, label="Server", max_length=255)
        problems.optional_text("smtp_user", clean.smtp_user, label="User name", max_length=254)
        problems.raise_if_any()
        return clean

    def secret(self, name: str) -> str:
        """A random value stored once under ``setting.<name>`` (made the first time it is asked).

        Used for tokens in file names that should not be guessable, such as feed names.
        """
        key = SETTING_PREFIX + name
        with self.db.read() as session:
            row = session.get(FileInfo, key)
            if row is not None:
                return row.value
        with self._writing("settings") as session:
            row = session.get(FileInfo, key)
            if row is None:
                row = FileInfo(key=key, value=secrets.token_hex(16))
                session.add(row)
            return row.value

    # --- The mail password, in the system keyring -----------------------------------------

    def smtp_password(self, settings: OrganisationSettings | None = None) -> str | None:
        """The mail password kept for the configured server and user (None if none is kept).

        Raises:
            PasswordStoreError: there is no usable keyring on this machine.
        """
        settings = settings or self.get()
        if not settings.smtp_user:
            return None
        account = _account(settings)
        password = _with_keyring("give", lambda store: store.get_password(KEYRING_SERVICE, account))
        return None if password is None else str(password)

    def set_smtp_password(
        self, password: str, settings: OrganisationSettings | None = None
    ) -> None:
        """Keep ``password`` in the system keyring for the configured server and user.

        Raises:
            ValidationError: no server or user name is set yet.
            PasswordStoreError: there is no usable keyring, or it refused.
        """
        settings = settings or self.get()
        if not settings.smtp_host or not settings.smtp_user:
            raise ValidationError.single(
                "smtp_user", "Set the mail server and user name before the password."
            )
        account = _account(settings)
        _with_keyring("keep", lambda store: store.set_password(KEYRING_SERVICE, account, password))

    def forget_smtp_password(self, settings: OrganisationSettings | None = None) -> None:
        """Remove the kept mail password for the configured server and user, if any."""
        settings = settings or self.get()
        if not settings.smtp_user:
            return
        account = _account(settings)
        if self.smtp_password(settings) is not None:
            _with_keyring("remove", lambda store: store.delete_password(KEYRING_SERVICE, account))


T = TypeVar("T")


def _with_keyring(verb: str, call: Callable[[ModuleType], T]) -> T:
    """Run ``call`` on the keyring module, turning its failures into PasswordStoreErrors."""
    import keyring  # imported only when a password is needed: it is slow to load
    from keyring.errors import KeyringError, NoKeyringError

    try:
        return call(keyring)
    except NoKeyringError as error:
        raise PasswordStoreError(
            "This computer has no system keyring to keep the mail password in. "
            "Give the password for this run instead (it will not be saved)."
        ) from error
    except KeyringError as error:
        raise PasswordStoreError(
            f"The system keyring did not {verb} the mail password: {error or type(error).__name__}"
        ) from error


def _account(settings: OrganisationSettings) -> str:
    return f"{settings.smtp_user}@{settings.smtp_host}:{settings.port}"


def _setting_rows(session: Session) -> list[FileInfo]:
    query = select(FileInfo).where(FileInfo.key.startswith(SETTING_PREFIX, autoescape=True))
    return list(session.scalars(query))


def _stored(session: Session) -> dict[str, str]:
    return _values(_setting_rows(session))


def _values(rows: Iterable[FileInfo]) -> dict[str, str]:
    return {row.key.removeprefix(SETTING_PREFIX): row.value for row in rows}


def _parse(stored: dict[str, str]) -> OrganisationSettings:
    def number(name: str) -> int | None:
        text = stored.get(name, "").strip()
        try:
            return int(text) if text else None
        except ValueError:
            return None

    try:
        security = SmtpSecurity(stored.get("smtp_security", SmtpSecurity.STARTTLS.value))
    except ValueError:
        security = SmtpSecurity.STARTTLS
    return OrganisationSettings(
        organiser_name=stored.get("organiser_name", ""),
        organiser_email=stored.get("organiser_email", ""),
        reminder_minutes=number("reminder_minutes"),
        smtp_host=stored.get("smtp_host", ""),
        smtp_port=number("smtp_port"),
        smtp_security=security,
        smtp_user=stored.get("smtp_user", ""),
    )


def _serialise(settings: OrganisationSettings) -> dict[str, str]:
    return {
        "organiser_name": settings.organiser_name,
        "organiser_email": settings.organiser_email,
        "reminder_minutes": ""
        if settings.reminder_minutes is None
        else str(settings.reminder_minutes),
        "smtp_host": settings.smtp_host,
        "smtp_port": "" if settings.smtp_port is None else str(settings.smtp_port),
        "smtp_security": settings.smtp_security.value,
        "smtp_user": settings.smtp_user,
    }
