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
    """One row of the board; plain slots, as a big week has thousands of them.

    A row names its parent by id rather than holding it, so a tree has no reference
    cycles: a board replaced is freed at once, not left for a full garbage collection
    (which, with a few weeks' boards to free, held the window still for half a second).
    """

    __slots__ = ("children", "key", "kind", "parent_uid", "payload", "row", "uid")

    def __init__(
        self,
        kind: RowKind,
        key: tuple[Any, ...],
        payload: Any,
        uid: int,
        parent_uid: int = -1,
        row: int = 0,
    ) -> None:
        self.kind = kind
        self.key = key
        self.payload = payload
        self.uid = uid
        self.parent_uid = parent_uid
        self.row = row
        self.children: list[_Node] = []


_BOARD_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleDescriptionRole,
        SORT_ROLE,
        OBJECT_ROLE,
        KIND_ROLE,
        FILL_ROLE,
        TONE_ROLE,
        COLOUR_ROLE,
    )
)
"""The roles the board answers (every other one is ``None``)."""

Structure = list[tuple[tuple[Any, ...], list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]]]


_UIDS = itertools.count(1)
"""Row ids for every board's nodes (0 is each tree's root); unique across threads."""


@dataclass(frozen=True)
class PreparedBoard:
    """A board's rows as the tree :class:`BoardModel` shows, made by :func:`prepare_board`.

    Plain Python, so the worker can make it and the GUI thread only swaps it in.  A model
    takes the nodes over and changes them, so each prepared board is shown once.
    """

    shifts: list[BoardShift]
    days: list[tuple[DayHeading, list[tuple[OccurrenceHeading, list[BoardShift]]]]]
    structure: Structure
    root: _Node
    nodes: dict[int, _Node]
    by_key: dict[tuple[Any, ...], _Node]

    @property
    def row_count(self) -> int:
        """How many rows the board has, at every level."""
        return len(self.nodes) - 1


def prepare_board(shifts: Sequence[BoardShift]) -> PreparedBoard:
    """Group ``shifts`` (in time order) into days and occurrences and make their rows.

    Occurrences are ordered by start, title and event; days are local dates.  Written as
    one plain pass: a big week has thousands of rows.
    """
    occurrences: dict[tuple[int, datetime], tuple[OccurrenceHeading, list[BoardShift]]] = {}
    for shift in shifts:
        fill = shift.fill
        occ_key = (fill.event_id, fill.recurrence_id)
        found = occurrences.get(occ_key)
        if found is None:
            heading = OccurrenceHeading(
                fill.event_id,
                fill.recurrence_id,
                fill.title,
                shift.location,
                shift.occurrence_starts,
                shift.occurrence_ends,
                shift.cause_colour,
            )
            occurrences[occ_key] = (heading, [shift])
        else:
            found[1].append(shift)
    ordered = sorted(
        occurrences.values(), key=lambda o: (o[0].starts_at, o[0].title, o[0].event_id)
    )
    by_day: dict[date, list[tuple[OccurrenceHeading, list[BoardShift]]]] = {}
    local_dates: dict[datetime, date] = {}
    for grouped in ordered:
        starts = grouped[0].starts_at
        day = local_dates.get(starts)
        if day is None:
            day = local_dates[starts] = starts.astimezone().date()
        by_day.setdefault(day, []).append(grouped)
    root = _Node(RowKind.DAY, (), None, 0)
    nodes: dict[int, _Node] = {0: root}
    by_key: dict[tuple[Any, ...], _Node] = {}
    days: list[tuple[DayHeading, list[tuple[OccurrenceHeading, list[BoardShift]]]]] = []
    structure: Structure = []
    uids = _UIDS
    day_kind, occ_kind = RowKind.DAY, RowKind.OCCURRENCE
    shift_kind, person_kind = RowKind.SHIFT, RowKind.PERSON
    for day_row, (day, occs) in enumerate(by_day.items()):
        count = open_count = 0
        for _, rows in occs:
            count += len(rows)
            open_count += sum(1 for shift in rows if shift.fill.missing)
        heading_day = DayHeading(day, count, open_count)
        days.append((heading_day, occs))
        key: tuple[Any, ...] = ("day", day)
        day_node = by_key[key] = _Node(day_kind, key, heading_day, next(uids), 0, day_row)
        root.children.append(day_node)
        nodes[day_node.uid] = day_node
        day_children = day_node.children
        day_structure: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]] = []
        structure.append((key, day_structure))
        for occ_row, (occurrence, rows) in enumerate(occs):
            key = ("occ", occurrence.event_id, occurrence.recurrence_id)
            occ_node = _Node(occ_kind, key, occurrence, next(uids), day_node.uid, occ_row)
            by_key[key] = nodes[occ_node.uid] = occ_node
            day_children.append(occ_node)
            occ_children = occ_node.children
            shift_keys: list[tuple[Any, ...]] = []
            day_structure.append((key, shift_keys))
            for shift_row, shift in enumerate(rows):
                fill = shift.fill
                shift_keys.append((fill.shift_id, fill.recurrence_id))
                key = ("shift", fill.shift_id, fill.recurrence_id)
                shift_node = _Node(shift_kind, key, shift, next(uids), occ_node.uid, shift_row)
                by_key[key] = nodes[shift_node.uid] = shift_node
                occ_children.append(shift_node)
                shift_children = shift_node.children
                for person_row, person in enumerate(shift.people):
                    key = ("person", person.assignment_id)
                    node = _Node(person_kind, key, person, next(uids), shift_node.uid, person_row)
                    by_key[key] = nodes[node.uid] = node
                    shift_children.append(node)
    return PreparedBoard(list(shifts), days, structure, root, nodes, by_key)


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
        self._root = _Node(RowKind.DAY, (), None, 0)
        self._nodes: dict[int, _Node] = {0: self._root}
        self._by_key: dict[tuple[Any, ...], _Node] = {}
        self._structure: Structure = []
        self._shape = 0
        """Counts the changes to which rows there are (see :meth:`clash_steps`)."""
        for about_to_change in (
            self.modelAboutToBeReset,
            self.rowsAboutToBeInserted,
            self.rowsAboutToBeRemoved,
            self.rowsAboutToBeMoved,
            self.layoutAboutToBeChanged,
        ):
            about_to_change.connect(self._reshaped)

    def _reshaped(self) -> None:
        self._shape += 1

    # Filling -------------------------------------------------------------------------------

    def set_board(self, board: Sequence[BoardShift] | PreparedBoard) -> bool:
        """Show ``board`` (shifts in time order), updating in place when the layout is unchanged.

        ``board`` may be a :class:`PreparedBoard` made off the GUI thread by
        :func:`prepare_board`; the model then takes its rows over as they are.  Returns whether
        the model was reset (so views must lay it out afresh).
        """
        prepared = board if isinstance(board, PreparedBoard) else prepare_board(board)
        if prepared.structure == self._structure and self._root.children:
            self._update_in_place(prepared.days)
            return False
        self.beginResetModel()
        self._root = prepared.root
        self._nodes = prepared.nodes
        self._by_key = prepared.by_key
        self._structure = prepared.structure
        self.endResetModel()
        return True

    def set_clashes(self, clashes: Mapping[AssignmentId, tuple[Clash, ...]]) -> int:
        """Show each place-holding person's clashes (by assignment id) on their row.

        The rows stay where they are (no reset, the selection is kept); only the person rows
        whose clashes changed report a change (one range per shift), and their shift rows a
        change of :data:`OBJECT_ROLE` (they carry their people; one range per occurrence).
        Returns how many person rows changed.
        """
        return sum(self._clash_day(day, clashes) for day in self._root.children)

    def clash_steps(self, clashes: Mapping[AssignmentId, tuple[Clash, ...]]) -> Iterator[int]:
        """:meth:`set_clashes` a day at a time, yielding how many rows changed so far.

        A busy week's thousands of flags then go on between other events rather than in one
        long pause.  If rows come or go between two steps, the rest is done in one go.
        """
        shape = self._shape
        changed = 0
        for position in itertools.count():
            if self._shape != shape:
                yield changed + self.set_clashes(clashes)
                return
            days = self._root.children
            if position >= len(days):
                return
            changed += self._clash_day(days[position], clashes)
            yield changed

    def _clash_day(self, day: _Node, clashes: Mapping[AssignmentId, tuple[Clash, ...]]) -> int:
        changed = 0
        emit = self.dataChanged.emit
        make = self.createIndex
        last_column = COLUMN_COUNT - 1
        carried = [OBJECT_ROLE]
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

    def day_rows(self, day: Index, people: bool) -> list[QModelIndex]:
        """The rows to open under a day: its events, or with ``people`` every row.

        With ``people`` every row under the day is opened (as ``expandAll`` would), so the
        shifts show who is on them.
        """
        node = self._node(day)
        if node is None:
            return []
        make = self.createIndex
        if not people:
            return [make(occ.row, 0, occ.uid) for occ in node.children]
        opened: list[QModelIndex] = []
        for occ in node.children:
            opened.append(make(occ.row, 0, occ.uid))
            for shift in occ.children:
                opened.append(make(shift.row, 0, shift.uid))
                opened.extend(make(person.row, 0, person.uid) for person in shift.children)
        return opened

    def add_days(self, more: PreparedBoard) -> None:
        """Add the days of ``more`` (the rest of a week shown in parts) after those shown."""
        days = more.root.children
        if not days:
            return
        root = self._root
        first = len(root.children)
        clash = [node.key for node in days if node.key in self._by_key]
        if clash:
            raise ValueError(f"days already on the board: {clash}")
        self.beginInsertRows(NO_PARENT, first, first + len(days) - 1)
        for offset, day in enumerate(days):
            day.parent_uid = 0
            day.row = first + offset
            root.children.append(day)
        self._nodes.update((uid, node) for uid, node in more.nodes.items() if uid)
        self._by_key.update(more.by_key)
        self._structure = self._structure + more.structure
        self.endInsertRows()

    def day_sizes(self) -> list[tuple[QModelIndex, int, int]]:
        """Each day row with how many event and shift rows it holds, and how many people."""
        make = self.createIndex
        found = []
        for day in self._root.children:
            rows = people = 0
            for occ in day.children:
                rows += 1 + len(occ.children)
                people += sum(len(shift.children) for shift in occ.children)
            found.append((make(day.row, 0, day.uid), rows, people))
        return found

    def size(self) -> int:
        """How many rows the board has, at every level."""
        return len(self._nodes) - 1

    def _add(self, parent: _Node, kind: RowKind, key: tuple[Any, ...], payload: Any) -> _Node:
        node = _Node(kind, key, payload, next(_UIDS), parent.uid, len(parent.children))
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

    def size_key(self, index: Index) -> tuple[int | None, Any]:
        """What a cell's size depends on besides its column: its level and its text."""
        node = self._node(index)
        if node is None:
            return None, None
        return node.kind.value, self.data(index)

    def shift_at(self, index: Index) -> BoardShift | None:
        """The shift of a shift row, or of the shift a person row is under."""
        node = self._node(index)
        if node is None:
            return None
        if node.kind is RowKind.PERSON:
            node = self._nodes.get(node.parent_uid)
        return node.payload if node is not None and node.kind is RowKind.SHIFT else None

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
        if node is None or node.parent_uid <= 0:
            return QModelIndex()
        return self.createIndex(self._nodes[node.parent_uid].row, 0, node.parent_uid)

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

    # No flags(): the base class's are the ones wanted (enabled and selectable), and a
    # Python override would run twice for every row the tree view lays out.

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """What each level shows in each column, and the custom roles."""
        if role not in _BOARD_ROLES:  # most of what a view asks while painting
            return None
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

    # A heading is drawn across its row, so every cell of it has the heading's tooltip.

    def _day_data(self, day: DayHeading, column: int, role: int) -> Any:
        if column != COLUMN_NAME and role != Qt.ItemDataRole.ToolTipRole:
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
        if column != COLUMN_NAME and role != Qt.ItemDataRole.ToolTipRole:
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
