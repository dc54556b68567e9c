"""A path typed in a box or picked with a "Choose…" button: the part every such field shares."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget


class PathChooser(QWidget):
    """A line edit for a path beside a "Choose…" button; subclasses say how to pick one."""

    def __init__(self, accessible_name: str, title: str, parent: QWidget | None = None) -> None:
        """A field called ``accessible_name``; the chooser's window title is ``title``."""
        super().__init__(parent)
        self.title = title
        self.setAccessibleName(accessible_name)
        self.line = QLineEdit()
        self.line.setAccessibleName(accessible_name)
        self.line.setClearButtonEnabled(True)
        self.button = QPushButton(QCoreApplication.translate("PathChooser", "Choose…"))
        self.button.setAccessibleName(
            QCoreApplication.translate("PathChooser", "Choose {what}").format(
                what=accessible_name.lower()
            )
        )
        self.button.clicked.connect(self.choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.button)

    def path(self) -> Path | None:
        """The path typed or chosen (``None`` when empty)."""
        text = self.line.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str | None) -> None:
        """Show ``path``."""
        self.line.setText("" if path is None else str(path))

    def choose(self) -> None:
        """Open the system's chooser and show what was picked."""
        chosen = self.pick(str(self.path() or self.start_folder()))
        if chosen:
            self.line.setText(chosen)
            self.picked(chosen)

    def start_folder(self) -> Path | str:
        """Where the chooser opens when the field is empty."""
        return ""

    def pick(self, start: str) -> str:
        """Ask the person for a path, starting at ``start`` ("" when they cancel)."""
        raise NotImplementedError

    def picked(self, chosen: str) -> None:
        """Called after ``chosen`` was picked and shown."""
