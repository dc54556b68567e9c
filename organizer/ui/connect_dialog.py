"""File → Connect to server…: open an Organizer database on a PostgreSQL server.

The person types the server's host, port, database, user name and password.  "Test
connection" and "Connect" run on a background thread (a server that does not answer takes
seconds to give up); problems the storage layer reports (unreachable, login refused, not an
Organizer database) are shown in the dialog with their message.  The password is kept only
when the person ticks "Remember", and then only in the system keyring, never in the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL

from organizer.errors import OrganizerError, StorageError
from organizer.storage import Database
from organizer.ui.worker import JobSignals, Worker

logger = logging.getLogger(__name__)

DEFAULT_PORT = 5432
KEYRING_SERVICE = "Organizer database server"
SETTINGS_GROUP = "server"


@dataclass(frozen=True)
class ServerDetails:
    """What the person typed to reach a server."""

    host: str
    port: int
    database: str
    user: str
    password: str = ""

    def url(self) -> str:
        """The ``postgresql+psycopg://`` URL (with the password, for opening only)."""
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password or None,
            host=self.host,
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    @property
    def account(self) -> str:
        """The keyring account the password is kept under."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def missing(self) -> str:
        """A sentence naming the first empty required field, or ``""``."""
        for label, value in (
            ("the server's name", self.host),
            ("the database's name", self.database),
            ("your user name", self.user),
        ):
            if not value:
                return f"Type {label}."
        return ""


def probe(details: ServerDetails) -> str:
    """Open and close the database (worker thread); returns a sentence saying what was found."""
    from organizer.storage import open_database, schema_number

    db = open_database(details.url())
    try:
        number = schema_number(db.schema_revision())
        return f"Connected: {db.display_name} is an Organizer database (schema {number})."
    finally:
        db.close()


def keyring_call(call: Callable[[Any], Any]) -> Any:
    """Run ``call`` on the keyring module; None when there is no usable keyring."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return call(keyring)
    except KeyringError as error:
        logger.warning("The system keyring failed: %s", error)
        return None


class ConnectDialog(QDialog):
    """Ask for a server and open its Organizer database; emits ``connected(db)`` on success."""

    connected = Signal(object)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        """Fill the fields with the last server used (remembered in ``settings``)."""
        super().__init__(parent)
        self.setObjectName("connect-dialog")
        self.setWindowTitle(self.tr("Connect to a server"))
        self.settings = settings
        self.database: Database | None = None
        self.job: JobSignals | None = None
        self.worker = Worker(self)

        self.host = QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database_name = QLineEdit()
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox(self.tr("Remember the password in this computer's keyring"))
        form = QFormLayout()
        for label, widget in (
            (self.tr("&Server:"), self.host),
            (self.tr("&Port:"), self.port),
            (self.tr("&Database:"), self.database_name),
            (self.tr("&User name:"), self.user),
            (self.tr("Pass&word:"), self.password),
        ):
            form.addRow(label, widget)
            widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        form.addRow("", self.remember)

        self.status = QLabel()
        self.status.setObjectName("connect-status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox()
        self.test_button = QPushButton(self.tr("&Test connection"))
        self.connect_button = QPushButton(self.tr("&Connect"))
        self.connect_button.setDefault(True)
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.test_button.clicked.connect(self.test_connection)
        self.connect_button.clicked.connect(self.connect_to_server)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._load_remembered()

    def details(self) -> ServerDetails:
        """The server as typed."""
        return ServerDetails(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database_name.text().strip(),
            user=self.user.text().strip(),
            password=self.password.text(),
        )

    def test_connection(self) -> None:
        """Check (on the worker thread) that the server answers and holds Organizer's data."""
        details = self._checked_details()
        if details is not None:
            self._start(
                self.tr("Testing the connection…"),
                lambda: probe(details),
                self.status.setText,
            )

    def connect_to_server(self) -> None:
        """Open the database (on the worker thread); on success emit ``connected`` and close."""
        details = self._checked_details()
        if details is None:
            return
        from organizer.storage import open_database

        def opened(db: Database) -> None:
            if not self.isVisible():  # cancelled while connecting
                db.close()
                return
            self._remember(details)
            self.database = db
            logger.info("Connected to %s", db.display_name)
            self.accept()
            self.connected.emit(db)

        self._start(
            self.tr("Connecting to {host}…").format(host=details.host),
            lambda: open_database(details.url()),
            opened,
        )

    def _checked_details(self) -> ServerDetails | None:
        details = self.details()
        problem = details.missing()
        if problem:
            self.status.setText(problem)
            return None
        return details

    def _start(self, message: str, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self._set_busy(True)
        self.status.setText(message)

        def done(result: Any) -> None:
            self._set_busy(False)
            on_done(result)

        self.job = self.worker.submit(work, on_done=done, on_error=self._failed)

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, OrganizerError):
            message = error.message if isinstance(error, StorageError) else str(error)
        else:
            message = self.tr("The server could not be used: {error}").format(error=error)
        logger.warning("Could not connect: %s", message)
        self.status.setText(message)

    def _set_busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)

    def _load_remembered(self) -> None:
        self.settings.beginGroup(SETTINGS_GROUP)
        try:
            self.host.setText(str(self.settings.value("host", "") or ""))
            self.port.setValue(int(str(self.settings.value("port", DEFAULT_PORT))))
            self.database_name.setText(str(self.settings.value("database", "") or ""))
            self.user.setText(str(self.settings.value("user", "") or ""))
            remember = str(self.settings.value("remember", "false")).lower() == "true"
        finally:
            self.settings.endGroup()
        self.remember.setChecked(remember)
        self._was_remembered = remember
        details = self.details()
        if remember and not details.missing():
            kept = keyring_call(lambda k: k.get_password(KEYRING_SERVICE, details.account))
            self.password.setText(str(kept or ""))

    def _remember(self, details: ServerDetails) -> None:
        """Keep the server (never the password) in the settings; the password in the keyring."""
        self.settings.beginGroup(SETTINGS_GROUP)
        try:
            self.settings.setValue("host", details.host)
            self.settings.setValue("port", details.port)
            self.settings.setValue("database", details.database)
            self.settings.setValue("user", details.user)
            self.settings.setValue("remember", "true" if self.remember.isChecked() else "false")
        finally:
            self.settings.endGroup()
        if self.remember.isChecked() and details.password:
            keyring_call(
                lambda k: k.set_password(KEYRING_SERVICE, details.account, details.password)
            )
        elif self._was_remembered and not self.remember.isChecked():
            keyring_call(lambda k: k.delete_password(KEYRING_SERVICE, details.account))
