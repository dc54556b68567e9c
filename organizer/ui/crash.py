"""What a coordinator sees when Organizer hits an error nobody planned for.

Unexpected exceptions (bugs) are logged with their traceback and shown in a
:class:`CrashDialog`; the program keeps running.  A :class:`~organizer.errors.StorageError` or
:class:`~organizer.errors.DomainError` that reaches the hook is not a crash: it already
carries a message for a person, so it is shown as a plain message.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot, qVersion
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer import __version__
from organizer.errors import DomainError, StorageError

logger = logging.getLogger(__name__)


class CrashDialog(QDialog):
    """Tells the person something unexpected happened and offers the details to send on."""

    def __init__(self, details: str, log_file: Path, parent: QWidget | None = None) -> None:
        """Show ``details`` (kept folded away at first) and point at ``log_file``."""
        super().__init__(parent)
        self._log_file = log_file
        self.setObjectName("crash-dialog")
        self.setWindowTitle(self.tr("Organizer — something went wrong"))
        self.setAccessibleName(self.tr("Something went wrong"))

        icon = QLabel()
        icon.setAccessibleName(self.tr("Error"))
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        critical = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        icon.setPixmap(critical.pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.heading = QLabel(self.tr("Something went wrong"))
        self.heading.setAccessibleName(self.tr("Heading"))
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)

        self.explanation = QLabel(
            self.tr(
                "Organizer ran into a problem it did not expect. Anything already saved is "
                "safe, but your last change may not have been saved. You can keep working. "
                "If this happens again, copy the details and send them to whoever looks "
                "after Organizer for your group."
            )
        )
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName(self.tr("Explanation"))

        self.details_toggle = QToolButton()
        self.details_toggle.setAutoRaise(True)
        self.details_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_toggle.setAccessibleName(self.tr("Show or hide the details"))
        self.details_toggle.clicked.connect(self._toggle_details)

        self.details_box = QPlainTextEdit(details)
        self.details_box.setReadOnly(True)
        self.details_box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details_box.setAccessibleName(self.tr("Error details"))
        self.details_box.setMinimumHeight(220)
        self.details_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.copied_note = QLabel()
        self.copied_note.setAccessibleName(self.tr("Copy status"))

        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.copy_button.setAccessibleName(self.tr("Copy details"))
        self.folder_button = QPushButton(self.tr("Open log folder"))
        self.folder_button.setAccessibleName(self.tr("Open log folder"))
        self.folder_button.setToolTip(str(log_file.parent))
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAccessibleName(self.tr("Close"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button.clicked.connect(self.open_log_folder)
        buttons.rejected.connect(self.reject)
        self.close_button.setDefault(True)

        text = QVBoxLayout()
        text.setSpacing(8)
        text.addWidget(self.heading)
        text.addWidget(self.explanation)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(text, 1)

        bottom = QHBoxLayout()
        bottom.addWidget(self.copied_note, 1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.details_toggle)
        layout.addWidget(self.details_box, 1)
        layout.addLayout(bottom)

        self._show_details(False)
        self.resize(560, self.sizeHint().height())

    @property
    def details(self) -> str:
        """Everything in the details box."""
        return self.details_box.toPlainText()

    def add_details(self, more: str) -> None:
        """Append the details of a further problem that happened while this dialog was open."""
        self.details_box.appendPlainText("\n" + "-" * 60 + "\n" + more)

    @Slot()
    def copy_details(self) -> None:
        """Put the details on the clipboard, ready to paste into an email."""
        QGuiApplication.clipboard().setText(self.details)
        self.copied_note.setText(self.tr("Details copied to the clipboard."))

    @Slot()
    def open_log_folder(self) -> None:
        """Show the folder holding the log file in the system's file manager."""
        folder = self._log_file.parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            QMessageBox.information(
                self,
                self.tr("Log folder"),
                self.tr("The log folder could not be opened. It is here:\n{folder}").format(
                    folder=folder
                ),
            )

    @Slot()
    def _toggle_details(self) -> None:
        self._show_details(not self.details_box.isVisibleTo(self))

    def _show_details(self, shown: bool) -> None:
        self.details_box.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.details_toggle.setArrowType(arrow)
        self.details_toggle.setText(self.tr("Hide details") if shown else self.tr("Show details"))
        if not shown:
            self.adjustSize()


def describe_exception(
    exc_type: type[BaseException],
    exc_value: BaseException,
    tb: TracebackType | None,
    log_file: Path,
    thread_name: str | None = None,
) -> str:
    """The text shown as crash details: versions, where the log is, and the traceback."""
    lines = [
        f"Organizer {__version__} on {platform.platform()}",
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}",
        f"Time: {datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"Log file: {log_file}",
    ]
    if thread_name:
        lines.append(f"Thread: {thread_name}")
    lines.append("")
    lines.extend(line.rstrip("\n") for line in traceback.format_exception(exc_type, exc_value, tb))
    return "\n".join(lines)


class CrashHandler(QObject):
    """Receives every uncaught exception, logs it and shows it on the GUI thread."""

    _crashed = Signal(str)
    _refused = Signal(str, bool)

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        """Log to (and point people at) ``log_file``."""
        super().__init__(parent)
        self.log_file = log_file
        self.dialog: CrashDialog | None = None
        self.messages: list[QMessageBox] = []
        # Both are queued automatically when emitted from another thread.
        self._crashed.connect(self._show_crash)
        self._refused.connect(self._show_refusal)

    def handle_exception(
        self,
        exc_type: type[BaseException],
        exc_value: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """The ``sys.excepthook``: log the exception and show it; never re-raise."""
        self._handle(exc_type, exc_value, tb, None)

    def handle_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        """The ``threading.excepthook``: like :meth:`handle_exception`, for other threads."""
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else None
        self._handle(args.exc_type, args.exc_value, args.exc_traceback, name)

    def _handle(
        self,
        exc_type: type[BaseException],
        exc_value: BaseException,
        tb: TracebackType | None,
        thread_name: str | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            logger.info("Interrupted from the keyboard; quitting")
            QApplication.quit()
            return
        if isinstance(exc_value, (StorageError, DomainError)):
            logger.warning("Not handled where it happened: %s: %s", exc_type.__name__, exc_value)
            self._refused.emit(str(exc_value), isinstance(exc_value, StorageError))
            return
        logger.critical("Unexpected error", exc_info=(exc_type, exc_value, tb))
        details = describe_exception(exc_type, exc_value, tb, self.log_file, thread_name)
        if QApplication.instance() is None:
            sys.__excepthook__(exc_type, exc_value, tb)
            return
        self._crashed.emit(details)

    @Slot(str)
    def _show_crash(self, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_details(details)
            return
        try:
            dialog = CrashDialog(details, self.log_file, QApplication.activeWindow())
        except Exception:
            # Raising here would come straight back to this hook, again and again.
            logger.exception("The crash dialog could not be shown")
            sys.stderr.write(details + "\n")
            return
        dialog.setModal(True)
        dialog.finished.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.show()
        dialog.activateWindow()

    @Slot()
    def _forget_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    @Slot(str, bool)
    def _show_refusal(self, message: str, about_storage: bool) -> None:
        title = self.tr("Problem with the database") if about_storage else self.tr("Not possible")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
            message,
            QMessageBox.StandardButton.Close,
            QApplication.activeWindow(),
        )
        box.setObjectName("plain-error")
        box.setTextFormat(Qt.TextFormat.PlainText)
        # Without a parent window the box lives only as long as someone holds it.
        self.messages.append(box)
        box.finished.connect(lambda _result: self._forget_message(box))
        box.open()

    def _forget_message(self, box: QMessageBox) -> None:
        self.messages.remove(box)
        box.deleteLater()


def install_crash_handler(log_file: Path) -> CrashHandler:
    """Route uncaught exceptions from every thread to a :class:`CrashHandler`; return it.

    Call this once the ``QApplication`` exists, so the handler lives on the GUI thread.
    """
    handler = CrashHandler(log_file, QApplication.instance())
    sys.excepthook = handler.handle_exception
    threading.excepthook = handler.handle_thread_exception
    return handler
