"""The Home page: a greeting, this week's events, shifts that need people and who is new.

Also the small building blocks the Welcome and Causes & locations pages share with it:
:class:`Card` (a titled panel that can say "Loading…" or why it is empty), :func:`scaled_font`,
:func:`tone_colours` and :class:`EnterActivates`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTime,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.models import EventStatus
from organizer.services.coverage import FillStatus
from organizer.services.overview import (
    CauseLabel,
    Newcomer,
    OpenShift,
    OverviewService,
    WeekOccurrence,
)
from organizer.ui.context import ViewContext
from organizer.ui.tones import (
    Tone,
    blend,
    scaled_font,
    tone_colours,
)

Clock = Callable[[], datetime]
ItemT = TypeVar("ItemT")

# Roles shared by the three lists (the display role is the title line).
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1
BADGE_ROLE = Qt.ItemDataRole.UserRole + 2
TONE_ROLE = Qt.ItemDataRole.UserRole + 3
DOT_ROLE = Qt.ItemDataRole.UserRole + 4
DAY_ROLE = Qt.ItemDataRole.UserRole + 5
MUTED_ROLE = Qt.ItemDataRole.UserRole + 6
SORT_ROLE = Qt.ItemDataRole.UserRole + 7
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 8

WATCHED = ("event", "shift", "assignment", "volunteer", "cause", "location")
NEEDS_DAYS = 21
NEEDS_LIMIT = 12
NEWCOMERS = 8


def local_now() -> datetime:
    """The current time in the computer's own zone."""
    return datetime.now().astimezone()


# Shared building blocks -----------------------------------------------------------------------


class EnterActivates(QObject):
    """Makes Return and Enter activate the current item of a view on every platform.

    (On macOS, item views otherwise start editing instead.)  Install on the view itself.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Turn Return/Enter on a view with a current item into ``activated``."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(watched, QAbstractItemView)
            and watched.currentIndex().isValid()
        ):
            watched.activated.emit(watched.currentIndex())
            return True
        return super().eventFilter(watched, event)


class Card(QFrame):
    """A titled panel on the page's background, whose body can give way to a message.

    The message says "Loading…" while data comes, or why the list is empty.
    """

    def __init__(self, title: str, note: str = "", parent: QWidget | None = None) -> None:
        """A card headed ``title`` with an optional muted ``note`` beside it."""
        super().__init__(parent)
        self.setAccessibleName(title)
        # Cards side by side share the width by their stretch, whatever their text asks for.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(260)

        self.heading = QLabel(title)
        self.heading.setFont(scaled_font(self.font(), 1.2))
        self.heading.setAccessibleName(self.tr("{title} heading").format(title=title))
        self.note = QLabel(note)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note.setAccessibleName(self.tr("{title} note").format(title=title))
        self.note.setVisible(bool(note))
        self.header = QHBoxLayout()
        self.header.setSpacing(10)
        self.header.addWidget(self.heading)
        self.header.addWidget(self.note, 0, Qt.AlignmentFlag.AlignBaseline)
        self.header.addStretch(1)

        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(16)
        self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.message.setAccessibleName(self.tr("{title} message").format(title=title))
        self.body = QStackedWidget()
        self.body.setAccessibleName(self.tr("{title} contents").format(title=title))
        self.body.addWidget(self.message)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addLayout(self.header)
        layout.addWidget(self.body, 1)

    def set_content(self, widget: QWidget) -> None:
        """The widget shown when there is something to show."""
        self.body.addWidget(widget)

    def show_message(self, text: str) -> None:
        """Show ``text`` in place of the content (loading, or an empty list)."""
        self.message.setText(text)
        self.body.setCurrentWidget(self.message)

    def show_content(self) -> None:
        """Show the content."""
        self.body.setCurrentIndex(min(1, self.body.count() - 1))

    @property
    def showing_message(self) -> bool:
        """Whether the message is on show instead of the content."""
        return self.body.currentWidget() is self.message

    def paintEvent(self, event: QPaintEvent) -> None:
        """A rounded panel in the base colour with a soft border."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        border = blend(
            palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Mid), 0.7
        )
        painter.setPen(border)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.end()


# Lists -------------------------------------------------------------------------------------


class _CardListModel(QAbstractListModel, Generic[ItemT]):
    """A short read-only list for a card, replaced as a whole on each reload.

    Subclasses say what each role shows for one item.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[ItemT] = []
        self.now = local_now()

    def set_items(self, items: Sequence[ItemT], now: datetime) -> None:
        """Show ``items``, worded relative to ``now``."""
        self.beginResetModel()
        self.items = list(items)
        self.now = now
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """How many items (a list has no children)."""
        return 0 if parent.isValid() else len(self.items)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Items can be selected and activated, not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """The item's text, badge, colours and the item itself (``OBJECT_ROLE``)."""
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == OBJECT_ROLE:
            return item
        if role == SORT_ROLE:
            return index.row()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            parts = (self.value(item, Qt.ItemDataRole.DisplayRole), self.value(item, SUBTITLE_ROLE))
            badge = self.value(item, BADGE_ROLE)
            return ", ".join(str(part) for part in (*parts, badge) if part)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.value(item, role) or self.data(index, Qt.ItemDataRole.AccessibleTextRole)
        return self.value(item, role)

    def value(self, item: ItemT, role: int) -> Any:
        """What ``item`` shows for ``role`` (``None`` for nothing)."""
        raise NotImplementedError

    # Words shared by the lists.

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the zone of the page's clock."""
        return moment.astimezone(self.now.tzinfo)

    def day_words(self, day: date, *, in_sentence: bool = False) -> str:
        """Today, Tomorrow or Yesterday, else the short date (Thu 26 Nov).

        ``in_sentence`` gives "today" and "tomorrow" for the middle of a sentence.
        """
        today = self.now.date()
        if in_sentence:
            named = {today: self.tr("today"), today + timedelta(days=1): self.tr("tomorrow")}
        else:
            named = {
                today: self.tr("Today"),
                today + timedelta(days=1): self.tr("Tomorrow"),
                today - timedelta(days=1): self.tr("Yesterday"),
            }
        return named.get(day) or QLocale().toString(
            QDate(day.year, day.month, day.day), "ddd d MMM"
        )

    def time_words(self, moment: datetime) -> str:
        """The local time of day in the person's own format (18:00 or 6:00 PM)."""
        local = self.local(moment)
        return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)

    def span_words(self, starts: datetime, ends: datetime) -> str:
        """From one time to another: 18:00–20:00."""
        return f"{self.time_words(starts)}–{self.time_words(ends)}"


def cause_dot(cause: CauseLabel | None) -> QColor | None:
    """The colour of the dot that marks a cause (none without a cause)."""
    return QColor(cause.colour) if cause is not None else None


class WeekModel(_CardListModel[WeekOccurrence]):
    """This week's occurrences: title, time and place, fill, cause colour, day."""

    def value(self, item: WeekOccurrence, role: int) -> Any:
        """See :meth:`_CardListModel.value`."""
        info = item.occurrence
        if role == Qt.ItemDataRole.DisplayRole:
            return info.title
        if role == SUBTITLE_ROLE:
            when = (
                self.tr("All day")
                if info.all_day
                else self.span_words(info.starts_at, info.ends_at)
            )
            return " · ".join(part for part in (when, item.location or "") if part)
        if role == BADGE_ROLE:
            return self._badge(item)
        if role == TONE_ROLE:
            return self._tone(item)
        if role == DOT_ROLE:
            return cause_dot(item.cause)
        if role == DAY_ROLE:
            return self.local(info.starts_at).date()
        if role == MUTED_ROLE:
            return info.ends_at <= self.now or info.status is EventStatus.CANCELLED
        if role == Qt.ItemDataRole.ToolTipRole and item.cause:
            return self.tr("{title}\n{cause}").format(title=info.title, cause=item.cause.name)
        return None

    def _badge(self, item: WeekOccurrence) -> str:
        status = item.occurrence.status
        if status is EventStatus.CANCELLED:
            return self.tr("Cancelled")
        if status is EventStatus.DRAFT:
            return self.tr("Draft")
        if not item.has_shifts:
            return ""
        if item.needed == 1:
            return self.tr("{filled} of 1 place").format(filled=item.filled)
        return self.tr("{filled} of {needed} places").format(filled=item.filled, needed=item.needed)

    def _tone(self, item: WeekOccurrence) -> Tone:
        if item.occurrence.status is not EventStatus.SCHEDULED or not item.has_shifts:
            return Tone.CALM
        if item.occurrence.ends_at <= self.now:
            return Tone.CALM
        return {FillStatus.FULL: Tone.GOOD, FillStatus.SHORT: Tone.WARN}.get(
            item.status, Tone.ALERT
        )


class NeedsModel(_CardListModel[OpenShift]):
    """Shifts with open places, most urgent first."""

    def value(self, item: OpenShift, role: int) -> Any:
        """See :meth:`_CardListModel.value`."""
        fill = item.fill
        if role == Qt.ItemDataRole.DisplayRole:
            # The event's title on a line of its own: after the role, the card's width
            # left room for only a few of its words.
            return fill.title
        if role == SUBTITLE_ROLE:
            day = self.day_words(self.local(fill.starts_at).date())
            return self.tr("{role} · {day}, {times}").format(
                role=fill.role, day=day, times=self.span_words(fill.starts_at, fill.ends_at)
            )
        if role == BADGE_ROLE:
            if fill.missing == 1:
                return self.tr("1 place open")
            return self.tr("{count} places open").format(count=fill.missing)
        if role == TONE_ROLE:
            return Tone.WARN if fill.filled else Tone.ALERT
        if role == DOT_ROLE:
            return cause_dot(item.cause)
        if role == Qt.ItemDataRole.ToolTipRole:
            taken = self.tr("{filled} of {needed} taken").format(
                filled=fill.filled, needed=fill.needed
            )
            cause = f"\n{item.cause.name}" if item.cause else ""
            return f"{fill.title}{cause}\n{fill.role}: {taken}"
        return None


class NewcomersModel(_CardListModel[Newcomer]):
    """The newest volunteers: when they joined and how they are getting on."""

    def value(self, item: Newcomer, role: int) -> Any:
        """See :meth:`_CardListModel.value`."""
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == SUBTITLE_ROLE:
            joined = self._joined(item.joined_on)
            if item.has_contact:
                return joined
            return self.tr("{joined} · no email or phone").format(joined=joined)
        if role == BADGE_ROLE:
            if item.shifts_done:
                if item.shifts_done == 1:
                    return self.tr("1 shift so far")
                return self.tr("{count} shifts so far").format(count=item.shifts_done)
            if item.next_shift is not None:
                day = self.day_words(self.local(item.next_shift).date(), in_sentence=True)
                return self.tr("First shift {day}").format(day=day)
            return self.tr("No shifts yet")
        if role == TONE_ROLE:
            if item.shifts_done:
                return Tone.CALM
            return Tone.GOOD if item.next_shift is not None else Tone.WARN
        return None

    def _joined(self, day: date) -> str:
        days = (self.now.date() - day).days
        if days <= 0:
            return self.tr("Joined today")
        if days == 1:
            return self.tr("Joined yesterday")
        if days < 14:
            return self.tr("Joined {days} days ago").format(days=days)
        shown = QLocale().toString(QDate(day.year, day.month, day.day), "d MMM yyyy")
        return self.tr("Joined {day}").format(day=shown)


class AgendaDelegate(QStyledItemDelegate):
    """Draws a list row as a title over a muted line, with a colour dot and a badge.

    With ``day_gutter`` the day is written at the left of the first row of each day, as in
    a printed agenda.
    """

    def __init__(self, parent: QObject | None = None, *, day_gutter: bool = False) -> None:
        """Draw rows; with ``day_gutter``, group them by day."""
        super().__init__(parent)
        self.day_gutter = day_gutter

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Two lines of text with room around them."""
        metrics = option.fontMetrics
        return QSize(200, metrics.height() * 2 + 18)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Background and selection from the style, then the row's own drawing."""
        panel = QStyleOptionViewItem(option)
        self.initStyleOption(panel, index)
        panel.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, panel, painter, widget)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted_colour = (
            text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        )
        muted = bool(index.data(MUTED_ROLE))
        rect: QRect = option.rect.adjusted(10, 0, -10, 0)
        metrics = option.fontMetrics
        line = metrics.height()
        top = rect.top() + (rect.height() - 2 * line - 2) // 2

        if self.day_gutter:
            gutter = metrics.horizontalAdvance("Wed 30") + 14
            self._paint_day(painter, option, index, rect, gutter, text_colour, muted_colour)
            rect.setLeft(rect.left() + gutter)

        badge = index.data(BADGE_ROLE) or ""
        if badge:
            badge_width = metrics.horizontalAdvance(badge) + 18
            badge_rect = QRect(
                rect.right() - badge_width, rect.center().y() - line // 2 - 3, badge_width, line + 6
            )
            tone = index.data(TONE_ROLE) or Tone.CALM
            background, foreground = tone_colours(palette, Tone(tone))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(
                QRectF(badge_rect), badge_rect.height() / 2, badge_rect.height() / 2
            )
            painter.setPen(foreground)
            painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
            rect.setRight(badge_rect.left() - 10)

        dot = index.data(DOT_ROLE)
        if isinstance(dot, QColor):
            size = max(8, line // 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(dot)
            painter.drawEllipse(QRectF(rect.left(), top + (line - size) / 2, size, size))
            rect.setLeft(rect.left() + size + 8)

        title_font = QFont(option.font)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(muted_colour if muted else text_colour)
        title = QRect(rect.left(), top, rect.width(), line)
        # Titles of one cause's events often differ only at the end ("… (Ashgate)").
        elided = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideMiddle,
            title.width(),
        )
        painter.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        painter.setFont(option.font)
        painter.setPen(muted_colour)
        subtitle = QRect(rect.left(), top + line + 2, rect.width(), line)
        elided = metrics.elidedText(
            str(index.data(SUBTITLE_ROLE) or ""), Qt.TextElideMode.ElideRight, subtitle.width()
        )
        painter.drawText(
            subtitle, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
        )
        painter.restore()

    def _paint_day(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        rect: QRect,
        gutter: int,
        text_colour: QColor,
        muted_colour: QColor,
    ) -> None:
        day = index.data(DAY_ROLE)
        previous = index.model().index(index.row() - 1, 0) if index.row() else None
        if previous is not None and previous.data(DAY_ROLE) == day:
            return
        model = index.model()
        today = (model.now if isinstance(model, _CardListModel) else local_now()).date()
        palette = option.palette
        if previous is not None:
            painter.setPen(palette.color(QPalette.ColorRole.Midlight))
            top = option.rect.top()
            painter.drawLine(option.rect.left() + 10, top, option.rect.right() - 10, top)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        is_today = day == today
        font = QFont(option.font)
        font.setBold(is_today)
        painter.setFont(font)
        if is_today and not selected:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
        else:
            painter.setPen(muted_colour if day < today else text_colour)
        line = option.fontMetrics.height()
        top = rect.top() + (rect.height() - 2 * line - 2) // 2
        locale = QLocale()
        qdate = QDate(day.year, day.month, day.day)
        painter.drawText(
            QRect(rect.left(), top, gutter, line),
            Qt.AlignmentFlag.AlignLeft,
            locale.toString(qdate, "ddd"),
        )
        painter.drawText(
            QRect(rect.left(), top + line + 2, gutter, line),
            Qt.AlignmentFlag.AlignLeft,
            locale.toString(qdate, "d MMM"),
        )
        painter.setFont(option.font)


class AgendaList(QListView):
    """A list of two-line rows inside a card; Enter or a double-click activates a row."""

    def __init__(
        self, name: str, *, day_gutter: bool = False, parent: QWidget | None = None
    ) -> None:
        """A list called ``name`` for screen readers."""
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setItemDelegate(AgendaDelegate(self, day_gutter=day_gutter))
        self.setUniformItemSizes(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self._enter = EnterActivates(self)
        self.installEventFilter(self._enter)


# The page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeData:
    """Everything the Home page shows, read in one background job."""

    now: datetime
    week: list[WeekOccurrence]
    needs: list[OpenShift]
    newcomers: list[Newcomer]


class HomePage(QWidget):
    """What a coordinator sees first: this week, shifts that need people, who is new.

    Activating a row (double-click or Enter) asks for it to be opened elsewhere:
    ``open_occurrence(event_id, recurrence_id)``, ``open_shift(shift_id, recurrence_id)``
    and ``open_volunteer(volunteer_id)``.
    """

    open_occurrence = Signal(int, object)
    open_shift = Signal(int, object)
    open_volunteer = Signal(int)
    loaded = Signal()

    def __init__(
        self, context: ViewContext, parent: QWidget | None = None, *, clock: Clock = local_now
    ) -> None:
        """Show the data of ``context``; ``clock`` says what "now" is (tests fix it)."""
        super().__init__(parent)
        self.context = context
        self.clock = clock
        self.overview = OverviewService(context.services.events.db, context.actor)
        self.setObjectName("page-home")
        self.setAccessibleName(self.tr("Home"))
        self._loading = False
        self._again = False
        self._stale = False
        self._shown_day: date | None = None

        self.greeting = QLabel()
        self.greeting.setFont(scaled_font(self.font(), 1.7))
        self.greeting.setAccessibleName(self.tr("Greeting"))
        self.summary = QLabel()
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.summary.setAccessibleName(self.tr("Today"))

        self.week_model = WeekModel(self)
        self.needs_model = NeedsModel(self)
        self.newcomers_model = NewcomersModel(self)
        self.week_list = AgendaList(self.tr("This week's events"), day_gutter=True)
        self.needs_list = AgendaList(self.tr("Shifts that need people"))
        self.newcomers_list = AgendaList(self.tr("Newest volunteers"))
        self.week_card = self._card(
            self.tr("This week"), self.tr("Monday to Sunday"), self.week_list, self.week_model
        )
        self.needs_card = self._card(
            self.tr("Shifts that need people"),
            self.tr("next three weeks"),
            self.needs_list,
            self.needs_model,
        )
        from organizer.ui.people.newcomers import NewcomerPanel  # it builds on this module

        self.newcomers_list.setModel(self.newcomers_model)
        self.newcomer_panel = NewcomerPanel(
            context, self.newcomers_list, object_role=OBJECT_ROLE, today=lambda: clock().date()
        )
        self.newcomers_card = Card(self.tr("Who’s new"))
        self.newcomers_card.set_content(self.newcomer_panel)
        self.newcomers_card.show_message(self.tr("Loading…"))
        self.week_list.activated.connect(self._open_occurrence)
        self.needs_list.activated.connect(self._open_shift)
        self.newcomers_list.activated.connect(self._open_volunteer)

        side = QVBoxLayout()
        side.setSpacing(16)
        side.addWidget(self.needs_card, 1)
        side.addWidget(self.newcomers_card, 1)  # room for the newcomer's checklist too
        cards = QHBoxLayout()
        cards.setSpacing(16)
        cards.addWidget(self.week_card, 4)
        cards.addLayout(side, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 24)
        layout.setSpacing(4)
        layout.addWidget(self.greeting)
        layout.addWidget(self.summary)
        layout.addSpacing(14)
        layout.addLayout(cards, 1)
        self.setTabOrder(self.week_list, self.needs_list)
        self.setTabOrder(self.needs_list, self.newcomers_list)

        self._day_timer = QTimer(self)
        self._day_timer.setInterval(60_000)
        self._day_timer.timeout.connect(self._check_day)
        self._day_timer.start()
        context.hub.changed.connect(self._on_changed)
        self.refresh()

    def _card(self, title: str, note: str, view: AgendaList, model: _CardListModel[Any]) -> Card:
        view.setModel(model)
        card = Card(title, note)
        card.set_content(view)
        card.show_message(self.tr("Loading…"))
        return card

    # Loading -------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Read everything again in the background (F5, or after a change)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._stale = False
        now = self.clock()
        self._show_greeting(now)
        overview = self.overview

        def load() -> HomeData:
            return HomeData(
                now=now,
                week=overview.this_week(now),
                needs=overview.needs_people(now, days=NEEDS_DAYS, limit=NEEDS_LIMIT),
                newcomers=overview.whos_new(NEWCOMERS, now=now),
            )

        self.context.worker.submit(load, on_done=self._show, on_error=self._failed)

    @property
    def loading(self) -> bool:
        """Whether a reload is under way."""
        return self._loading

    def _show(self, data: HomeData) -> None:
        self._loading = False
        self.week_model.set_items(data.week, data.now)
        self.needs_model.set_items(data.needs, data.now)
        self.newcomers_model.set_items(data.newcomers, data.now)
        self._fill(
            self.week_card,
            data.week,
            self.tr("Nothing is planned for this week. Events you add will show up here."),
        )
        self._fill(
            self.needs_card,
            data.needs,
            self.tr("No shift in the next three weeks is short of people. Well done!"),
        )
        self._fill(
            self.newcomers_card,
            data.newcomers,
            self.tr("No volunteers yet. When people join, they will be welcomed here."),
        )
        count = len(data.week)
        if count == 0:
            events = self.tr("No events this week")
        elif count == 1:
            events = self.tr("1 event this week")
        else:
            events = self.tr("{count} events this week").format(count=count)
        self.summary.setText(f"{self._long_date(data.now)}  ·  {events}")
        if self._again:
            self._again = False
            self.refresh()
        else:
            self.loaded.emit()

    def _fill(self, card: Card, items: Sequence[object], empty: str) -> None:
        if items:
            card.show_content()
        else:
            card.show_message(empty)

    def _failed(self, error: Exception) -> None:
        self._loading = False
        self._again = False
        message = self.tr("This could not be loaded: {error}").format(error=error)
        for card in (self.week_card, self.needs_card, self.newcomers_card):
            card.show_message(message)
        if not isinstance(error, OrganizerError):
            raise error

    def _show_greeting(self, now: datetime) -> None:
        hour = now.hour
        if hour < 12:
            text = self.tr("Good morning")
        elif hour < 18:
            text = self.tr("Good afternoon")
        else:
            text = self.tr("Good evening")
        self.greeting.setText(text)
        self._shown_day = now.date()
        if not self.summary.text():
            self.summary.setText(self._long_date(now))

    def _long_date(self, now: datetime) -> str:
        return QLocale().toString(QDate(now.year, now.month, now.day), "dddd d MMMM yyyy")

    @Slot()
    def _check_day(self) -> None:
        if self.clock().date() != self._shown_day:
            self.refresh()

    @Slot(object)
    def _on_changed(self, change: DataChange) -> None:
        if not change.touches(*WATCHED):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on changes made while the page was hidden."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # Opening items -------------------------------------------------------------------------

    @Slot(QModelIndex)
    def _open_occurrence(self, index: QModelIndex) -> None:
        item = index.data(OBJECT_ROLE)
        if isinstance(item, WeekOccurrence):
            self.open_occurrence.emit(item.occurrence.event_id, item.occurrence.recurrence_id)

    @Slot(QModelIndex)
    def _open_shift(self, index: QModelIndex) -> None:
        item = index.data(OBJECT_ROLE)
        if isinstance(item, OpenShift):
            self.open_shift.emit(item.fill.shift_id, item.fill.recurrence_id)

    @Slot(QModelIndex)
    def _open_volunteer(self, index: QModelIndex) -> None:
        item = index.data(OBJECT_ROLE)
        if isinstance(item, Newcomer):
            self.open_volunteer.emit(item.volunteer_id)
