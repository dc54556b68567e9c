"""Fill gaps…: preview who the engine would put where, leave some out, then apply in one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import OrganizerError
from organizer.ui import colour_dot
from organizer.ui.context import ViewContext
from organizer.ui.roster.models import time_span
from organizer.ui.roster.widgets import MessageBar, heading_label, muted_label
from organizer.ui.scheduling.actions import CancelFlag, SchedulingActions

Index = QModelIndex | QPersistentModelIndex

COLUMN_USE, COLUMN_WHEN, COLUMN_EVENT, COLUMN_ROLE, COLUMN_WHO, COLUMN_REASON, COLUMN_WARNINGS = (
    range(7)
)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2


def when_text(starts: datetime, ends: datetime) -> str:
    """The time of a shift, "Tue 1 Dec, 10:00–12:00"."""
    local = starts.astimezone()
    return f"{local:%a} {local.day} {local:%b}, {time_span(starts, ends)}"


def warnings_text(placement: Any) -> str:
    """The placement's warnings, one after another."""
    return "; ".join(str(finding.message) for finding in placement.warnings)


@dataclass
class PlacementRow:
    """One proposed placement and whether it is kept."""

    placement: Any
    use: bool = True


class PlacementModel(QAbstractTableModel):
    """The proposal's placements, each with a tick box (ticked: apply it)."""

    headers = ("", "When", "Event", "Role", "Who", "Why them", "Warnings")

    def __init__(self, parent: Any = None) -> None:
        """Start empty."""
        super().__init__(parent)
        self._rows: list[PlacementRow] = []

    def set_placements(self, placements: tuple[Any, ...]) -> None:
        """Show ``placements``, all ticked."""
        self.beginResetModel()
        self._rows = [PlacementRow(p) for p in placements]
        self.endResetModel()

    def chosen(self) -> tuple[Any, ...]:
        """The ticked placements, in the proposal's order."""
        return tuple(row.placement for row in self._rows if row.use)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Placements."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Tick, when, event, role, who, reason, warnings."""
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Texts, the tick, sort keys and the placement itself."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        placement = row.placement
        column = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == COLUMN_USE:
            return Qt.CheckState.Checked if row.use else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            texts = {
                COLUMN_WHEN: when_text(placement.starts_at, placement.ends_at),
                COLUMN_EVENT: placement.event_title,
                COLUMN_ROLE: placement.role,
                COLUMN_WHO: placement.volunteer_name,
                COLUMN_REASON: placement.reason,
                COLUMN_WARNINGS: ("⚠ " + warnings_text(placement)) if placement.warnings else "",
            }
            if column == COLUMN_USE:
                return None if role == Qt.ItemDataRole.DisplayRole else self.tr("Apply this one")
            return texts.get(column)
        if role == SORT_ROLE:
            keys: dict[int, Any] = {
                COLUMN_USE: int(row.use),
                COLUMN_WHEN: placement.starts_at.timestamp(),
                COLUMN_EVENT: placement.event_title.casefold(),
                COLUMN_ROLE: placement.role.casefold(),
                COLUMN_WHO: placement.volunteer_name.casefold(),
                COLUMN_REASON: placement.reason.casefold(),
                COLUMN_WARNINGS: len(placement.warnings),
            }
            return keys.get(column)
        if role == OBJECT_ROLE:
            return placement
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Tick or untick a placement."""
        if (
            not index.isValid()
            or index.column() != COLUMN_USE
            or role != Qt.ItemDataRole.CheckStateRole
        ):
            return False
        use = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self._rows[index.row()].use = use
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole, SORT_ROLE])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows can be chosen; the first column can be ticked."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COLUMN_USE:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column names."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.headers[section]) if self.headers[section] else ""
        if role == Qt.ItemDataRole.ToolTipRole and section == COLUMN_USE:
            return self.tr("Ticked placements are applied")
        return None


class AutoFillDialog(QDialog):
    """Choose a period and cause, preview the engine's placements, apply the ticked ones.

    Emits ``applied(list[int])`` with the new assignment ids.  ``proposal`` holds the
    preview on show.
    """

    applied = Signal(object)
    previewed = Signal()

    def __init__(
        self,
        context: ViewContext,
        scheduling: SchedulingActions,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        cause_id: int | None = None,
    ) -> None:
        """A preview for the month from ``today`` and ``cause_id`` (None: every cause)."""
        super().__init__(parent)
        self.context = context
        self.scheduling = scheduling
        self.proposal: Any = None
        self.running = False
        self._cancel: CancelFlag | None = None
        first = today or date.today()
        self.setObjectName("autofill-dialog")
        self.setWindowTitle(self.tr("Fill gaps"))
        self.setAccessibleName(self.tr("Fill gaps"))
        self.resize(900, 580)

        intro = muted_label(
            self.tr(
                "Organizer proposes suitable, free volunteers for open places. Untick any you "
                "do not want, then apply; one Undo takes them all away again."
            )
        )
        self.from_date = QDateEdit(QDate(first.year, first.month, first.day))
        self.from_date.setCalendarPopup(True)
        self.from_date.setDisplayFormat("d MMM yyyy")
        self.from_date.setAccessibleName(self.tr("From"))
        until = first + timedelta(days=30)
        self.to_date = QDateEdit(QDate(until.year, until.month, until.day))
        self.to_date.setCalendarPopup(True)
        self.to_date.setDisplayFormat("d MMM yyyy")
        self.to_date.setAccessibleName(self.tr("Until"))
        self.cause_box = QComboBox()
        self.cause_box.setAccessibleName(self.tr("Cause"))
        self.cause_box.addItem(self.tr("All causes"), None)
        self.cause_box.setMinimumWidth(180)
        self._wanted_cause = cause_id
        self.preview_button = QPushButton(self.tr("&Preview"))
        self.preview_button.setObjectName("autofill-preview")
        self.preview_button.setAccessibleName(self.tr("Preview the proposal"))
        self.preview_button.setDefault(True)
        period = QHBoxLayout()
        period.setSpacing(6)
        period.addWidget(self.from_date)
        period.addWidget(QLabel(self.tr("until")))
        period.addWidget(self.to_date)
        period.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("&Period:"), period)
        cause_row = QHBoxLayout()
        cause_row.addWidget(self.cause_box)
        cause_row.addStretch(1)
        cause_row.addWidget(self.preview_button)
        form.addRow(self.tr("&Cause:"), cause_row)
        for field, label in ((self.from_date, "&Period:"), (self.cause_box, "&Cause:")):
            buddy = form.labelForField(period if label == "&Period:" else cause_row)
            if isinstance(buddy, QLabel):
                buddy.setBuddy(field)

        self.progress = QProgressBar()
        self.progress.setObjectName("autofill-progress")
        self.progress.setAccessibleName(self.tr("Working out a proposal"))
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.stage_label = muted_label()
        self.stage_label.setAccessibleName(self.tr("Progress"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("autofill-cancel")
        self.cancel_button.setAccessibleName(self.tr("Cancel the proposal"))
        self.busy = QWidget()
        busy = QHBoxLayout(self.busy)
        busy.setContentsMargins(0, 0, 0, 0)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.stage_label)
        busy.addWidget(self.cancel_button)
        self.busy.hide()

        self.summary = heading_label(self.tr("Press Preview to see a proposal."), 1.05)
        self.summary.setObjectName("autofill-summary")
        self.summary.setAccessibleName(self.tr("Proposal summary"))
        self.model = PlacementModel(self)
        self.sorter = QSortFilterProxyModel(self)
        self.sorter.setSourceModel(self.model)
        self.sorter.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("autofill-placements")
        self.table.setAccessibleName(self.tr("Proposed placements"))
        self.table.setModel(self.sorter)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMN_WHEN, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setAccessibleName(self.tr("Placement columns"))
        for column, width in (
            (COLUMN_USE, 30), (COLUMN_WHEN, 175), (COLUMN_EVENT, 170), (COLUMN_ROLE, 100),
            (COLUMN_WHO, 130), (COLUMN_REASON, 170),
        ):  # fmt: skip
            self.table.setColumnWidth(column, width)
        self.unfilled_heading = QLabel(self.tr("Could not be filled"))
        font = self.unfilled_heading.font()
        font.setBold(True)
        self.unfilled_heading.setFont(font)
        self.unfilled_list = QListWidget()
        self.unfilled_list.setObjectName("autofill-unfilled")
        self.unfilled_list.setAccessibleName(self.tr("Places that could not be filled"))
        self.unfilled_heading.setBuddy(self.unfilled_list)
        self.message_bar = MessageBar(self)

        self.apply_button = QPushButton(self.tr("&Apply"))
        self.apply_button.setObjectName("autofill-apply")
        self.apply_button.setAccessibleName(self.tr("Apply the ticked placements"))
        self.apply_button.setEnabled(False)
        if context.read_only:
            self.apply_button.setToolTip(self.tr("This file is open read-only."))
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAccessibleName(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.unfilled_heading)
        layout.addWidget(self.unfilled_list)
        layout.addLayout(buttons)
        self.unfilled_heading.hide()
        self.unfilled_list.hide()

        self.preview_button.clicked.connect(self.preview)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button.clicked.connect(self.apply)
        self.close_button.clicked.connect(self.reject)
        self.model.dataChanged.connect(self._update_apply)
        context.worker.submit(
            context.services.causes.list, on_done=self._show_causes, on_error=scheduling.report
        )

    def _show_causes(self, causes: list[Any]) -> None:
        for cause in causes:
            if cause.active:
                self.cause_box.addItem(colour_dot(cause.colour), cause.name, cause.id)
        index = self.cause_box.findData(self._wanted_cause)
        self.cause_box.setCurrentIndex(max(index, 0))

    def period(self) -> tuple[datetime, datetime]:
        """The chosen period, from the first day's midnight to the day after the last."""
        first = self.from_date.date().toPython()
        last = self.to_date.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        start = datetime.combine(first, time()).astimezone()
        end = datetime.combine(max(first, last) + timedelta(days=1), time()).astimezone()
        return start, end

    def preview(self) -> None:
        """Ask for a proposal in the background; Cancel stops it."""
        if self.running:
            return
        cause = self.cause_box.currentData()
        start, end = self.period()
        self._cancel = CancelFlag()
        self._set_running(True)
        self.summary.setText(self.tr("Working out who could fill the open places…"))
        self.scheduling.propose(
            start,
            end,
            None if cause is None else [int(cause)],
            cancel=self._cancel,
            on_done=self._show_proposal,
            on_error=self._failed,
            on_progress=self._progress,
        )

    def cancel(self) -> None:
        """Stop the proposal being worked out."""
        if self._cancel is not None:
            self._cancel.set()
            self.stage_label.setText(self.tr("Cancelling…"))

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.busy.setVisible(running)
        self.progress.setRange(0, 0)
        self.stage_label.setText("")
        self.preview_button.setEnabled(not running)
        self._update_apply()

    def _progress(self, stage: str, fraction: float) -> None:
        if 0 <= fraction <= 1:
            self.progress.setRange(0, 100)
            self.progress.setValue(round(fraction * 100))
        if stage:
            self.stage_label.setText(stage)

    def _show_proposal(self, result: tuple[Any, dict[Any, Any]]) -> None:
        proposal, fills = result
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._set_running(False)
        self.proposal = proposal
        self.model.set_placements(proposal.placements)
        self.table.resizeRowsToContents()
        count = len(proposal.placements)
        open_places = int(getattr(proposal, "open_places", 0))
        self.summary.setText(
            (self.tr("Stopped early. ") if cancelled else "")
            + self.tr("{count} of {open} open places can be filled.").format(
                count=count, open=open_places
            )
        )
        self.unfilled_list.clear()
        for shift_id, occurrence_start, missing, reason in proposal.unfilled:
            fill = fills.get((shift_id, occurrence_start))
            what = (
                f"{when_text(fill.starts_at, fill.ends_at)} · {fill.title} · {fill.role}"
                if fill is not None
                else self.tr("Shift {id}").format(id=shift_id)
            )
            places = (
                self.tr("1 place open")
                if int(missing) == 1
                else self.tr("{count} places open").format(count=int(missing))
            )
            self.unfilled_list.addItem(f"{what}: {places} — {reason}")
        has_unfilled = bool(proposal.unfilled)
        self.unfilled_heading.setVisible(has_unfilled)
        self.unfilled_list.setVisible(has_unfilled)
        rows = min(max(self.unfilled_list.count(), 1), 5)
        self.unfilled_list.setFixedHeight(
            rows * self.unfilled_list.sizeHintForRow(0) + 2 * self.unfilled_list.frameWidth() + 4
        )
        self._update_apply()
        self.previewed.emit()

    def _failed(self, error: Exception) -> None:
        cancelled = self._cancel is not None and self._cancel.is_set()
        self._set_running(False)
        if cancelled:
            self.summary.setText(self.tr("Cancelled. Press Preview to try again."))
            return
        if not isinstance(error, OrganizerError):
            raise error
        self.summary.setText(self.tr("No proposal."))
        self.message_bar.show_message(str(error), problem=True)

    def _update_apply(self, *_: Any) -> None:
        self.apply_button.setEnabled(
            not self.context.read_only
            and not self.running
            and self.proposal is not None
            and bool(self.model.chosen())
        )

    def apply(self) -> None:
        """Apply the ticked placements as one undoable step, then close."""
        if self.proposal is None or self.context.read_only:
            return
        chosen = self.model.chosen()
        if not chosen:
            return
        self.apply_button.setEnabled(False)
        self.scheduling.apply(self.proposal, chosen, on_done=self._applied)

    def _applied(self, assignment_ids: list[int]) -> None:
        self.applied.emit(assignment_ids)
        self.accept()


__all__ = ["AutoFillDialog", "PlacementModel", "when_text"]
