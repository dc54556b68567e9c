"""Qt models of the roster board (day → occurrence → shift → person) and of candidates."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from organizer.models import AssignmentStatus
from organizer.models.ids import AssignmentId
from organizer.services.coverage import FillStatus
from organizer.services.roster import BoardPerson, BoardShift, Candidate, Clash

VOLUNTEER_MIME = "application/x-organizer-volunteer"

COLUMN_NAME = 0
COLUMN_TIME = 1
COLUMN_FILLED = 2
COLUMN_STATUS = 3
COLUMN_NOTES = 4
COLUMN_COUNT = 5

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3
FILL_ROLE = Qt.ItemDataRole.UserRole + 4
TONE_ROLE = Qt.ItemDataRole.UserRole + 5
COLOUR_ROLE = Qt.ItemDataRole.UserRole + 6
REASON_ROLE = Qt.ItemDataRole.UserRole + 7
AVAILABLE_ROLE = Qt.ItemDataRole.UserRole + 8

Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()

_STATUS_WORDS = {
    AssignmentStatus.PROPOSED: "Proposed",
    AssignmentStatus.INVITED: "Invited",
    AssignmentStatus.ACCEPTED: "Accepted",
    AssignmentStatus.TENTATIVE: "Tentative",
    AssignmentStatus.DECLINED: "Declined",
    AssignmentStatus.CANCELLED: "Cancelled",
    AssignmentStatus.WAITLISTED: "Waitlisted",
}


def status_text(status: AssignmentStatus) -> str:
    """How an assignment status is shown ("Accepted")."""
    return QCoreApplication.translate("Roster", _STATUS_WORDS[status])


def time_span(starts: datetime, ends: datetime) -> str:
    """Two instants as local wall times, "17:30–19:30"."""
    return f"{starts.astimezone():%H:%M}–{ends.astimezone():%H:%M}"


def day_text(day: date) -> str:
    """A date as a heading, "Monday 23 November"."""
    return f"{day:%A} {day.day} {day:%B}"


def fill_words(shift: BoardShift) -> str:
    """The fill state in words, so colour is never the only clue."""
    missing = shift.fill.missing
    if not missing:
        return QCoreApplication.translate("Roster", "Full")
    if shift.status is FillStatus.EMPTY:
        return QCoreApplication.translate("Roster", "Nobody yet")
    return QCoreApplication.translate("Roster", "{count} more needed").format(count=missing)


def badge_text(shift: BoardShift) -> str:
    """The badge text, "1 of 2"."""
    return QCoreApplication.translate("Roster", "{filled} of {needed}").format(
        filled=shift.fill.filled, needed=shift.fill.needed
    )


class RowKind(Enum):
    """The four levels of the board."""

    DAY = 1
    OCCURRENCE = 2
    SHIFT = 3
    PERSON = 4


class Tone(Enum):
    """How a cell's text should look; the delegate maps tones to palette colours."""

    NORMAL = 0
    MUTED = 1
    WARNING = 2


@dataclass(frozen=True)
class OccurrenceHeading:
    """An occurrence row: the event on one date."""

    event_id: int
    recurrence_id: datetime
    title: str
    location: str
    starts_at: datetime
    ends_at: datetime
    cause_colour: str | None


@dataclass(frozen=True)
class DayHeading:
    """A day row, with how many of its shifts still need people."""

    day: date
    shifts: int
    open_shifts: int


class _Node:
    """One row of the board; plain slots, as a big week has thousands of them."""

    __slots__ = ("children", "key", "kind", "parent", "payload", "row", "uid")

    def __init__(
        self,
        kind: RowKind,
        key: tuple[Any, ...],
        payload: Any,
        uid: int,
        parent: _Node | None = None,
        row: int = 0,
    ) -> None:
        self.kind = kind
        self.key = key
        self.payload = payload
        self.uid = uid
        self.parent = parent
        self.row = row
        self.children: list[_Node] = []


_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

Structure = list[tuple[tuple[Any, ...], list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]]]


class BoardModel(QAbstractItemModel):
    """The roster board as a tree: days, their occurrences, their shifts and the people.

    :meth:`set_board` takes a fresh list of :class:`BoardShift` and, when the days,
    occurrences and shifts are the same as before, changes only the rows that differ, so
    selection and scroll position survive a reload after each edit.
    """

    HEADERS = ("Shift and volunteers", "Time", "Filled", "Status", "Notes")

    def __init__(self, parent: QObject | None = None) -> None:
        """Start empty."""
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._root = _Node(RowKind.DAY, (), None, 0)
        self._nodes: dict[int, _Node] = {0: self._root}
        self._by_key: dict[tuple[Any, ...], _Node] = {}
        self._structure: Structure = []

    # Filling -------------------------------------------------------------------------------

    def set_board(self, shifts: Sequence[BoardShift]) -> bool:
        """Show ``shifts`` (in time order), updating in place when the layout is unchanged.

        Returns whether the model was reset (so views must lay it out afresh).
        """
        days = _group(shifts)
        structure: Structure = [
            (
                ("day", day.day),
                [
                    (("occ", occ.event_id, occ.recurrence_id), [s.key for s in rows])
                    for occ, rows in occs
                ],
            )
            for day, occs in days
        ]
        if structure == self._structure and self._root.children:
            self._update_in_place(days)
            return False
        self.beginResetModel()
        self._build(days)
        self._structure = structure
        self.endResetModel()
        return True

    def _build(self, days: list[tuple[DayHeading, list[Any]]]) -> None:
        """Make every node afresh (inlined: this runs for thousands of rows at once)."""
        ids = self._ids
        root = self._root
        root.children = []
        nodes: dict[int, _Node] = {0: root}
        by_key: dict[tuple[Any, ...], _Node] = {}
        day_kind, occ_kind = RowKind.DAY, RowKind.OCCURRENCE
        shift_kind, person_kind = RowKind.SHIFT, RowKind.PERSON
        for day_row, (day, occs) in enumerate(days):
            key: tuple[Any, ...] = ("day", day.day)
            day_node = by_key[key] = _Node(day_kind, key, day, next(ids), root, day_row)
            root.children.append(day_node)
            nodes[day_node.uid] = day_node
            day_children = day_node.children
            for occ_row, (occurrence, rows) in enumerate(occs):
                key = ("occ", occurrence.event_id, occurrence.recurrence_id)
                occ_node = _Node(occ_kind, key, occurrence, next(ids), day_node, occ_row)
                by_key[key] = nodes[occ_node.uid] = occ_node
                day_children.append(occ_node)
                occ_children = occ_node.children
                for shift_row, shift in enumerate(rows):
                    fill = shift.fill
                    key = ("shift", fill.shift_id, fill.recurrence_id)
                    shift_node = _Node(shift_kind, key, shift, next(ids), occ_node, shift_row)
                    by_key[key] = nodes[shift_node.uid] = shift_node
                    occ_children.append(shift_node)
                    shift_children = shift_node.children
                    for person_row, person in enumerate(shift.people):
                        key = ("person", person.assignment_id)
                        node = _Node(person_kind, key, person, next(ids), shift_node, person_row)
                        by_key[key] = nodes[node.uid] = node
                        shift_children.append(node)
        self._nodes = nodes
        self._by_key = by_key

    def set_clashes(self, clashes: Mapping[AssignmentId, tuple[Clash, ...]]) -> int:
        """Show each place-holding person's clashes (by assignment id) on their row.

        The rows stay where they are (no reset, the selection is kept); only the person rows
        whose clashes changed report a change (one range per shift), and their shift rows a
        change of :data:`OBJECT_ROLE` (they carry their people; one range per occurrence).
        Returns how many person rows changed.
        """
        changed = 0
        emit = self.dataChanged.emit
        make = self.createIndex
        last_column = COLUMN_COUNT - 1
        carried = [OBJECT_ROLE]
        for day in self._root.children:
            for occ in day.children:
                top = bottom = None
                for shift_node in occ.children:
                    first = last = None
                    for child in shift_node.children:
                        person: BoardPerson = child.payload
                        if not person.holds_place:
                            continue
                        now = clashes.get(person.assignment_id, ())
                        if now != person.clashes:
                            child.payload = BoardPerson(  # the fields, in order (quicker)
                                person.assignment_id,
                                person.version,
                                person.volunteer_id,
                                person.name,
                                person.status,
                                person.override_reason,
                                now,
                            )
                            first = first or child
                            last = child
                            changed += 1
                    if first is None or last is None:
                        continue
                    shift: BoardShift = shift_node.payload
                    shift_node.payload = BoardShift(
                        shift.fill,
                        shift.occurrence_starts,
                        shift.occurrence_ends,
                        shift.location,
                        shift.cause_colour,
                        shift.qualification,
                        tuple(child.payload for child in shift_node.children),
                    )
                    emit(make(first.row, 0, first.uid), make(last.row, last_column, last.uid))
                    top = top or shift_node
                    bottom = shift_node
                if top is not None and bottom is not None:
                    # Only what the rows carry changed, not how they look.
                    emit(
                        make(top.row, 0, top.uid),
                        make(bottom.row, last_column, bottom.uid),
                        carried,
                    )
        return changed

    def headings(self) -> list[tuple[QModelIndex, QModelIndex]]:
        """Each day and occurrence row with its parent, in order (for the view to span)."""
        make = self.createIndex
        found: list[tuple[QModelIndex, QModelIndex]] = []
        for day in self._root.children:
            day_index = make(day.row, 0, day.uid)
            found.append((day_index, NO_PARENT))
            found.extend((make(occ.row, 0, occ.uid), day_index) for occ in day.children)
        return found

    def every_row(self) -> list[tuple[QModelIndex]]:
        """Every row, parents first (as 1-tuples, like :meth:`headings`)."""
        make = self.createIndex
        return [(make(node.row, 0, node.uid),) for node in self._walk(self._root)]

    def _walk(self, parent: _Node) -> Iterator[_Node]:
        for node in parent.children:
            yield node
            yield from self._walk(node)

    def size(self) -> int:
        """How many rows the board has, at every level."""
        return len(self._nodes) - 1

    def _add(self, parent: _Node, kind: RowKind, key: tuple[Any, ...], payload: Any) -> _Node:
        node = _Node(kind, key, payload, next(self._ids), parent, len(parent.children))
        parent.children.append(node)
        self._nodes[node.uid] = node
        self._by_key[key] = node
        return node

    def _update_in_place(self, days: list[tuple[DayHeading, list[Any]]]) -> None:
        for day_node, (day, occs) in zip(self._root.children, days, strict=True):
            self._replace_payload(day_node, day)
            for occ_node, (occurrence, rows) in zip(day_node.children, occs, strict=True):
                self._replace_payload(occ_node, occurrence)
                for shift_node, shift in zip(occ_node.children, rows, strict=True):
                    self._update_shift(shift_node, shift)

    def _replace_payload(self, node: _Node, payload: Any) -> None:
        if node.payload != payload:
            node.payload = payload
            self._row_changed(node)

    def _update_shift(self, node: _Node, shift: BoardShift) -> None:
        old: BoardShift = node.payload
        if old == shift:
            return
        node.payload = shift
        self._row_changed(node)
        parent = self.createIndex(node.row, 0, node.uid)
        old_ids = [p.assignment_id for p in old.people]
        new_ids = [p.assignment_id for p in shift.people]
        if old_ids == new_ids:
            for child, person in zip(node.children, shift.people, strict=True):
                self._replace_payload(child, person)
            return
        if node.children:
            self.beginRemoveRows(parent, 0, len(node.children) - 1)
            for child in node.children:
                self._nodes.pop(child.uid, None)
                if self._by_key.get(child.key) is child:
                    del self._by_key[child.key]
            node.children = []
            self.endRemoveRows()
        if shift.people:
            self.beginInsertRows(parent, 0, len(shift.people) - 1)
            for person in shift.people:
                self._add(node, RowKind.PERSON, ("person", person.assignment_id), person)
            self.endInsertRows()

    def _row_changed(self, node: _Node) -> None:
        first = self.createIndex(node.row, 0, node.uid)
        last = self.createIndex(node.row, COLUMN_COUNT - 1, node.uid)
        self.dataChanged.emit(first, last)

    # Finding -------------------------------------------------------------------------------

    def shift_index(self, key: tuple[int, datetime]) -> QModelIndex:
        """The row of the shift ``(shift_id, recurrence_id)``, or an invalid index."""
        return self._find(("shift", *key))

    def person_index(self, assignment_id: int) -> QModelIndex:
        """The row of an assignment, or an invalid index."""
        return self._find(("person", assignment_id))

    def occurrence_index(self, event_id: int, recurrence_id: datetime) -> QModelIndex:
        """The row of an occurrence, or an invalid index."""
        return self._find(("occ", event_id, recurrence_id))

    def _find(self, key: tuple[Any, ...]) -> QModelIndex:
        node = self._by_key.get(key)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row, 0, node.uid)

    def shifts(self) -> list[BoardShift]:
        """Every shift on the board, in order."""
        return [
            shift_node.payload
            for day in self._root.children
            for occ in day.children
            for shift_node in occ.children
        ]

    def kind(self, index: Index) -> RowKind | None:
        """Which level ``index`` is on."""
        node = self._node(index)
        return node.kind if node is not None else None

    def shift_at(self, index: Index) -> BoardShift | None:
        """The shift of a shift row, or of the shift a person row is under."""
        node = self._node(index)
        if node is None:
            return None
        if node.kind is RowKind.PERSON and node.parent is not None:
            node = node.parent
        return node.payload if node.kind is RowKind.SHIFT else None

    def person_at(self, index: Index) -> BoardPerson | None:
        """The person of a person row."""
        node = self._node(index)
        return node.payload if node is not None and node.kind is RowKind.PERSON else None

    def _node(self, index: Index) -> _Node | None:
        return self._nodes.get(index.internalId()) if index.isValid() else None

    # QAbstractItemModel --------------------------------------------------------------------

    # These run for every row the view lays out, so they stay lean: an invalid index has
    # internal id 0, which is the root's.

    def index(self, row: int, column: int, parent: Index = NO_PARENT) -> QModelIndex:
        """The index of a cell under ``parent``."""
        node = self._nodes.get(parent.internalId())
        if node is None or parent.column() > 0 or not 0 <= column < COLUMN_COUNT:
            return QModelIndex()
        children = node.children
        if 0 <= row < len(children):
            return self.createIndex(row, column, children[row].uid)
        return QModelIndex()

    def parent(self, child: Index | None = None) -> Any:
        """The parent row of ``child`` (without an argument, the QObject parent)."""
        if child is None:
            return super().parent()
        node = self._node(child)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.uid)

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        """How many rows are under ``parent``."""
        node = self._nodes.get(parent.internalId())
        if node is None or parent.column() > 0:
            return 0
        return len(node.children)

    def hasChildren(self, parent: Index = NO_PARENT) -> bool:
        """Whether ``parent`` has rows under it."""
        node = self._nodes.get(parent.internalId())
        return node is not None and bool(node.children) and parent.column() <= 0

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        """Always the five columns."""
        return COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return self.tr(self.HEADERS[section])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows can be selected; drops are handled by the view."""
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """What each level shows in each column, and the custom roles."""
        node = self._node(index)
        if node is None:
            return None
        column = index.column()
        if role == OBJECT_ROLE:
            return node.payload
        if role == KIND_ROLE:
            return node.kind.value
        if node.kind is RowKind.DAY:
            return self._day_data(node.payload, column, role)
        if node.kind is RowKind.OCCURRENCE:
            return self._occurrence_data(node.payload, column, role)
        if node.kind is RowKind.SHIFT:
            return self._shift_data(node.payload, column, role)
        return self._person_data(node.payload, column, role)

    def _day_data(self, day: DayHeading, column: int, role: int) -> Any:
        if column != COLUMN_NAME:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return day_text(day.day)
        if role == SORT_ROLE:
            return day.day.toordinal()
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            if not day.open_shifts:
                return self.tr("Every shift is filled")
            if day.open_shifts == 1:
                return self.tr("1 shift still needs people")
            return self.tr("{count} shifts still need people").format(count=day.open_shifts)
        return None

    def _occurrence_data(self, occurrence: OccurrenceHeading, column: int, role: int) -> Any:
        if column != COLUMN_NAME:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return occurrence.title
        if role == SORT_ROLE:
            return occurrence.starts_at.timestamp()
        if role == COLOUR_ROLE:
            return occurrence.cause_colour
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            where = f" · {occurrence.location}" if occurrence.location else ""
            return f"{time_span(occurrence.starts_at, occurrence.ends_at)}{where}"
        return None

    def _shift_data(self, shift: BoardShift, column: int, role: int) -> Any:
        fill = shift.fill
        if role == FILL_ROLE:
            return shift.status.value
        if role == SORT_ROLE:
            return fill.starts_at.timestamp() if column == COLUMN_TIME else fill.role
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COLUMN_NAME:
                return fill.role
            if column == COLUMN_TIME:
                return time_span(fill.starts_at, fill.ends_at)
            if column == COLUMN_FILLED:
                return badge_text(shift)
            if column == COLUMN_STATUS:
                return fill_words(shift)
            if column == COLUMN_NOTES and shift.qualification:
                return self.tr("Needs {qualification}").format(qualification=shift.qualification)
            return "" if column == COLUMN_NOTES else None
        if role == TONE_ROLE:
            return Tone.MUTED if column in (COLUMN_TIME, COLUMN_NOTES) else Tone.NORMAL
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return self.tr("{role}, {time}: {filled} filled, {words}").format(
                role=fill.role,
                time=time_span(fill.starts_at, fill.ends_at),
                filled=badge_text(shift),
                words=fill_words(shift).lower(),
            )
        return None

    def _person_data(self, person: BoardPerson, column: int, role: int) -> Any:
        blocking = [c.message for c in person.clashes if c.blocking]
        warnings = [c.message for c in person.clashes if not c.blocking]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COLUMN_NAME:
                return person.name
            if column == COLUMN_STATUS:
                return status_text(person.status)
            if column == COLUMN_NOTES:
                return self._person_note(person, blocking, warnings)
            return None
        if role == SORT_ROLE:
            return person.name.casefold() if column == COLUMN_NAME else person.status.value
        if role == TONE_ROLE:
            if column == COLUMN_NOTES and blocking:
                return Tone.WARNING
            if not person.holds_place or column == COLUMN_NOTES:
                return Tone.MUTED
            return Tone.NORMAL
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            lines = [f"{person.name}: {status_text(person.status).lower()}"]
            lines += [f"⚠ {message}" for message in blocking] + [f"• {m}" for m in warnings]
            if person.override_reason:
                lines.append(
                    self.tr("Reason given: {reason}").format(reason=person.override_reason)
                )
            return "\n".join(lines)
        return None

    def _person_note(self, person: BoardPerson, blocking: list[str], warnings: list[str]) -> str:
        if blocking:
            text = "⚠ " + without_name(blocking[0], person.name)
            if len(blocking) > 1:
                text += " " + self.tr("(and {count} more)").format(count=len(blocking) - 1)
            return text
        if warnings:
            return self.tr("Outside their usual times")
        if person.override_reason:
            return self.tr("Reason: {reason}").format(reason=person.override_reason)
        return ""


def without_name(message: str, name: str) -> str:
    """A clash message shortened for the person's own row ("Already on …")."""
    for prefix in (f"{name}'s ", f"{name} is ", f"{name} "):
        if message.startswith(prefix):
            rest = message[len(prefix) :]
            return rest[:1].upper() + rest[1:]
    return message


def _group(shifts: Sequence[BoardShift]) -> list[tuple[DayHeading, list[Any]]]:
    """Shifts grouped into occurrences, and occurrences into local days, in time order."""
    occurrences: dict[tuple[int, datetime], tuple[OccurrenceHeading, list[BoardShift]]] = {}
    for shift in shifts:
        key = (shift.fill.event_id, shift.fill.recurrence_id)
        if key not in occurrences:
            heading = OccurrenceHeading(
                event_id=shift.fill.event_id,
                recurrence_id=shift.fill.recurrence_id,
                title=shift.fill.title,
                location=shift.location,
                starts_at=shift.occurrence_starts,
                ends_at=shift.occurrence_ends,
                cause_colour=shift.cause_colour,
            )
            occurrences[key] = (heading, [])
        occurrences[key][1].append(shift)
    by_day: dict[date, list[tuple[OccurrenceHeading, list[BoardShift]]]] = {}
    ordered = sorted(
        occurrences.values(), key=lambda o: (o[0].starts_at, o[0].title, o[0].event_id)
    )
    for heading, rows in ordered:
        by_day.setdefault(heading.starts_at.astimezone().date(), []).append((heading, rows))
    days = []
    for day, occs in by_day.items():
        all_shifts = [shift for _, rows in occs for shift in rows]
        open_shifts = sum(1 for shift in all_shifts if shift.fill.missing)
        days.append((DayHeading(day, len(all_shifts), open_shifts), occs))
    return days


class CandidateModel(QAbstractListModel):
    """Volunteers who could take the chosen shift, best suited first, with why.

    Rows can be dragged onto the board when ``draggable`` is set; the drag carries
    :data:`VOLUNTEER_MIME` data naming the volunteer.
    """

    def __init__(self, parent: QObject | None = None, *, draggable: bool = True) -> None:
        """Start empty."""
        super().__init__(parent)
        self._rows: list[Candidate] = []
        self.draggable = draggable

    def set_candidates(self, candidates: Sequence[Candidate]) -> None:
        """Show ``candidates``."""
        self.beginResetModel()
        self._rows = list(candidates)
        self.endResetModel()

    def candidate(self, row: int) -> Candidate | None:
        """The candidate on ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        """How many candidates are listed."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Name, reason, availability and the candidate itself."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        candidate = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return candidate.name
        if role in (REASON_ROLE, Qt.ItemDataRole.ToolTipRole):
            return candidate.reason
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return candidate.reason
        if role == AVAILABLE_ROLE:
            return candidate.available
        if role == OBJECT_ROLE:
            return candidate
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Selectable, and draggable when assigning is allowed."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.draggable:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        """The one kind of data a candidate is dragged as."""
        return [VOLUNTEER_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The first dragged volunteer as :data:`VOLUNTEER_MIME` data."""
        data = QMimeData()
        for index in indexes:
            candidate = self.candidate(index.row())
            if candidate is not None:
                return volunteer_mime(candidate.volunteer_id, candidate.name)
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        """Dragging copies the volunteer onto a shift."""
        return Qt.DropAction.CopyAction


def volunteer_mime(volunteer_id: int, name: str) -> QMimeData:
    """Drag data naming one volunteer."""
    data = QMimeData()
    payload = json.dumps({"volunteer_id": volunteer_id, "name": name}).encode()
    data.setData(VOLUNTEER_MIME, payload)
    data.setText(name)
    return data


def volunteer_from_mime(data: QMimeData | None) -> tuple[int, str] | None:
    """The volunteer named in drag data, or ``None`` if it names none."""
    if data is None or not data.hasFormat(VOLUNTEER_MIME):
        return None
    try:
        payload = json.loads(bytes(data.data(VOLUNTEER_MIME).data()).decode())
        return int(payload["volunteer_id"]), str(payload["name"])
    except (ValueError, KeyError, TypeError):
        return None
