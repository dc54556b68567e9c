"""When a save loses the race: show their version beside mine and let the person choose.

Nothing is ever overwritten silently: "Reload theirs" drops my edits, "Keep mine" saves my
values over theirs, and "Merge" keeps their values for fields I left alone and mine for the
fields I changed (asking per field where both of us changed the same one).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import ConflictError
from organizer.ui.tones import Tone, scaled_font, tone_colours


class Choice(enum.Enum):
    """What the person chose to do about a conflict."""

    RELOAD_THEIRS = "reload"
    KEEP_MINE = "mine"
    MERGE = "merge"


@dataclass(frozen=True)
class FieldVersions:
    """One field as I loaded it (``base``), as I edited it, and as they saved it."""

    key: str
    label: str
    base: Any
    mine: Any
    theirs: Any
    show: Callable[[Any], str] | None = None

    @property
    def i_changed(self) -> bool:
        """Whether my edit touched this field."""
        return bool(self.mine != self.base)

    @property
    def they_changed(self) -> bool:
        """Whether their save touched this field."""
        return bool(self.theirs != self.base)

    @property
    def differs(self) -> bool:
        """Whether their version and mine disagree here."""
        return bool(self.mine != self.theirs)

    @property
    def clash(self) -> bool:
        """Both of us changed this field, to different values: the person must pick."""
        return self.i_changed and self.they_changed and self.differs

    def text(self, value: Any) -> str:
        """``value`` as the dialog shows it."""
        if self.show is not None:
            return self.show(value)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


def merged_values(fields: Sequence[FieldVersions], picks: Mapping[str, bool]) -> dict[str, Any]:
    """Theirs where I changed nothing, mine where I did; ``picks[key]`` True takes mine.

    Raises:
        KeyError: a field both changed has no pick.
    """
    values: dict[str, Any] = {}
    for field in fields:
        if field.clash:
            values[field.key] = field.mine if picks[field.key] else field.theirs
        elif field.i_changed:
            values[field.key] = field.mine
        else:
            values[field.key] = field.theirs
    return values


def conflict_headline(error: ConflictError, what: str) -> str:
    """The headline: who changed the record and when, after it was opened."""
    who = error.changed_by or "Someone else"
    return f"{who} changed this {what}{_when(error.changed_at)}, after you opened it."


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return f" at {local:%H:%M}"
    return f" at {local:%H:%M} on {local:%d %b}"


class ConflictDialog(QDialog):
    """Their version beside mine, field by field, with the three ways forward.

    Rows that differ are tinted; a field both changed gets "Theirs"/"Mine" buttons, and Merge
    is enabled once each such field has a pick.  After it closes, :attr:`choice` says what was
    chosen and :meth:`values` gives the field values to save (for Keep mine and Merge).
    """

    def __init__(
        self,
        error: ConflictError,
        what: str,
        fields: Sequence[FieldVersions],
        parent: QWidget | None = None,
    ) -> None:
        """Lay out ``fields`` (the record, called ``what``) for the conflict ``error``."""
        super().__init__(parent)
        self.error = error
        self.fields = list(fields)
        self.choice: Choice | None = None
        self.picks: dict[str, bool] = {}
        self._groups: dict[str, QButtonGroup] = {}
        self.setObjectName("conflict-dialog")
        self.setWindowTitle(self.tr("Someone else saved this {what}").format(what=what))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(620)

        self.headline = QLabel(conflict_headline(error, what))
        self.headline.setObjectName("conflict-headline")
        self.headline.setFont(scaled_font(self.font(), 1.2))
        self.headline.setWordWrap(True)
        self.explanation = QLabel(
            self.tr(
                "Nothing of yours is saved yet. Their version is on the left, yours on the "
                "right; highlighted rows differ."
            )
        )
        self.explanation.setWordWrap(True)
        self.explanation.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        table = QWidget()
        table.setObjectName("conflict-fields")
        self.grid = QGridLayout(table)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(0)
        self.grid.setVerticalSpacing(0)
        self._fill_grid()
        scroll = QScrollArea()
        scroll.setWidget(table)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        scroll.setMinimumHeight(min(420, 40 + 30 * len(self.fields)))

        self.merge_hint = QLabel()
        self.merge_hint.setObjectName("merge-hint")
        self.merge_hint.setWordWrap(True)

        self.reload_button = QPushButton(self.tr("&Reload theirs"))
        self.reload_button.setToolTip(self.tr("Drop your edits and show their version"))
        self.keep_button = QPushButton(self.tr("&Keep mine"))
        self.keep_button.setToolTip(self.tr("Save all your values over theirs"))
        self.merge_button = QPushButton(self.tr("&Merge"))
        self.merge_button.setToolTip(
            self.tr("Keep their changes to fields you did not touch, and yours to the rest")
        )
        self.merge_button.setDefault(True)
        for button, choice in (
            (self.reload_button, Choice.RELOAD_THEIRS),
            (self.keep_button, Choice.KEEP_MINE),
            (self.merge_button, Choice.MERGE),
        ):
            button.setAccessibleName(button.text().replace("&", ""))
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
        buttons = QHBoxLayout()
        buttons.addWidget(self.merge_hint, 1)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.merge_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(self.headline)
        layout.addWidget(self.explanation)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self._update_merge()

    # Layout -----------------------------------------------------------------------------------

    def _fill_grid(self) -> None:
        palette = self.palette()
        warn_back, _ = tone_colours(palette, Tone.WARN)
        clash_back, _ = tone_colours(palette, Tone.ALERT)
        header_back = palette.color(QPalette.ColorRole.AlternateBase)
        for column, title in enumerate(
            (self.tr("Field"), self.tr("Their version"), self.tr("Your version"), self.tr("Merge"))
        ):
            self.grid.addWidget(self._cell(title, header_back, bold=True), 0, column)
        for row, field in enumerate(self.fields, start=1):
            back = warn_back if field.differs else palette.color(QPalette.ColorRole.Base)
            if field.clash:
                back = clash_back
            self.grid.addWidget(self._cell(field.label, back, bold=field.differs), row, 0)
            theirs = self._cell(field.text(field.theirs), back)
            theirs.setObjectName(f"theirs-{field.key}")
            mine = self._cell(field.text(field.mine), back)
            mine.setObjectName(f"mine-{field.key}")
            self.grid.addWidget(theirs, row, 1)
            self.grid.addWidget(mine, row, 2)
            self.grid.addWidget(self._pick_cell(field, back), row, 3)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.grid.setRowStretch(len(self.fields) + 1, 1)

    def _cell(self, text: str, back: Any, *, bold: bool = False) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setContentsMargins(8, 5, 8, 5)
        label.setAutoFillBackground(True)
        palette = label.palette()
        palette.setColor(QPalette.ColorRole.Window, back)
        label.setPalette(palette)
        if bold:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        return label

    def _pick_cell(self, field: FieldVersions, back: Any) -> QWidget:
        cell = QWidget()
        cell.setAutoFillBackground(True)
        palette = cell.palette()
        palette.setColor(QPalette.ColorRole.Window, back)
        cell.setPalette(palette)
        row = QHBoxLayout(cell)
        row.setContentsMargins(8, 2, 8, 2)
        if not field.clash:
            note = ""
            if field.differs:
                note = self.tr("yours") if field.i_changed else self.tr("theirs")
            hint = QLabel(self.tr("keeps {which}").format(which=note) if note else "")
            hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            row.addWidget(hint)
            return cell
        group = QButtonGroup(cell)
        for text, mine in ((self.tr("Theirs"), False), (self.tr("Mine"), True)):
            button = QRadioButton(text)
            button.setObjectName(f"pick-{'mine' if mine else 'theirs'}-{field.key}")
            button.setAccessibleName(
                self.tr("Keep {whose} {field}").format(
                    whose=self.tr("my") if mine else self.tr("their"), field=field.label
                )
            )
            group.addButton(button)
            button.toggled.connect(self._picker(field.key, mine=mine))
            row.addWidget(button)
        self._groups[field.key] = group
        return cell

    def _picker(self, key: str, *, mine: bool) -> Callable[[bool], None]:
        def picked(on: bool) -> None:
            if on:
                self.pick(key, mine=mine)

        return picked

    # Choosing ---------------------------------------------------------------------------------

    @property
    def clashes(self) -> list[FieldVersions]:
        """Fields both of us changed, to different values."""
        return [field for field in self.fields if field.clash]

    def pick(self, key: str, *, mine: bool) -> None:
        """For a field both changed, keep mine (``mine``) or theirs when merging."""
        self.picks[key] = mine
        group = self._groups.get(key)
        if group is not None:
            for button in group.buttons():
                wanted = button.objectName().startswith("pick-mine") == mine
                if wanted and not button.isChecked():
                    button.setChecked(True)
        self._update_merge()

    def _update_merge(self) -> None:
        waiting = [field.label for field in self.clashes if field.key not in self.picks]
        self.merge_button.setEnabled(not waiting)
        if waiting:
            self.merge_hint.setText(
                self.tr("You both changed {fields}: pick whose to keep to merge.").format(
                    fields=", ".join(waiting)
                )
            )
            palette = self.merge_hint.palette()
            palette.setColor(
                QPalette.ColorRole.WindowText,
                tone_colours(self.palette(), Tone.WARN)[1],
            )
            self.merge_hint.setPalette(palette)
        else:
            self.merge_hint.setText("")

    @Slot()
    def choose(self, choice: Choice) -> None:
        """Close with ``choice``."""
        if choice is Choice.MERGE and not self.merge_button.isEnabled():
            return
        self.choice = choice
        self.accept()

    def values(self) -> dict[str, Any]:
        """The values to save: all mine (Keep mine) or the merge; theirs when reloading."""
        if self.choice is Choice.KEEP_MINE:
            return {field.key: field.mine for field in self.fields}
        if self.choice is Choice.MERGE:
            return merged_values(self.fields, self.picks)
        return {field.key: field.theirs for field in self.fields}
