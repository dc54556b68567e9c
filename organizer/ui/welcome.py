"""The first-run Welcome page, and the start page showing it instead of Home.

While the database is still empty, the start page shows Welcome; once anything is added, Home.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.ui import app_icon, line_icon
from organizer.ui.context import ViewContext
from organizer.ui.home import Clock, HomePage, local_now
from organizer.ui.tones import error_colour, scaled_font

if TYPE_CHECKING:
    from organizer.demo import DemoSummary


class ChoiceButton(QPushButton):
    """A large button with an icon, a title and a sentence saying what it does."""

    PADDING = 14
    ICON = 32

    def __init__(
        self, title: str, description: str, icon: str, parent: QWidget | None = None
    ) -> None:
        """A button reading ``title`` over ``description``, with the line icon ``icon``."""
        super().__init__(parent)
        self.title = title
        self.description = description
        self.icon_name = icon
        self.setAccessibleName(title)
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._icon: tuple[int, QIcon] | None = None
        self._heights: dict[tuple[int, str], int] = {}

    def _line_icon(self) -> QIcon:
        """The icon in the button's colours, drawn again only when the palette changes."""
        palette = self.palette()
        key = palette.cacheKey()
        if self._icon is None or self._icon[0] != key:
            sizes = (self.ICON, 2 * self.ICON)
            icon = line_icon(self.icon_name, palette, QPalette.ColorRole.ButtonText, sizes)
            self._icon = (key, icon)
        return self._icon[1]

    def _title_font(self) -> QFont:
        return scaled_font(self.font(), 1.15)

    def _text_width(self, width: int) -> int:
        return max(width - 3 * self.PADDING - self.ICON, 80)

    def heightForWidth(self, width: int) -> int:
        """Tall enough for the title and the wrapped sentence.

        Measured once per width and font: a layout asks again and again as the window opens.
        """
        key = (width, self.font().key())
        height = self._heights.get(key)
        if height is None:
            title = QFontMetrics(self._title_font()).height()
            text = self.fontMetrics().boundingRect(
                QRect(0, 0, self._text_width(width), 10_000),
                Qt.TextFlag.TextWordWrap,
                self.description,
            )
            height = self._heights[key] = 2 * self.PADDING + title + 4 + text.height()
        return height

    def sizeHint(self) -> QSize:
        """Room for the sentence on two lines at a comfortable width."""
        return QSize(480, self.heightForWidth(480))

    def minimumSizeHint(self) -> QSize:
        """Never narrower than a short sentence."""
        return QSize(280, self.heightForWidth(280))

    def paintEvent(self, event: QPaintEvent) -> None:
        """The style's button, then the icon, title and sentence."""
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
        enabled = self.isEnabled()
        group = QPalette.ColorGroup.Active if enabled else QPalette.ColorGroup.Disabled
        palette = self.palette()
        text_colour = palette.color(group, QPalette.ColorRole.ButtonText)
        icon = self._line_icon()
        mode = QIcon.Mode.Normal if enabled else QIcon.Mode.Disabled
        left = self.PADDING
        icon.paint(painter, QRect(left, self.PADDING, self.ICON, self.ICON), mode=mode)
        left += self.ICON + self.PADDING
        width = self._text_width(self.width())
        painter.setPen(text_colour)
        painter.setFont(self._title_font())
        title_height = painter.fontMetrics().height()
        painter.drawText(
            QRect(left, self.PADDING, width, title_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.title,
        )
        painter.setFont(self.font())
        top = self.PADDING + title_height + 4
        painter.drawText(
            QRect(left, top, width, self.height() - top - self.PADDING),
            Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
            self.description,
        )


class WelcomePage(QWidget):
    """A warm first page for an empty file: load the sample group, or start for real.

    ``sample_data_loaded`` is emitted once the sample data is in the file (and announced on
    the hub); ``create_event_requested`` asks whoever shows this page to open a new event.
    """

    sample_data_loaded = Signal()
    create_event_requested = Signal()

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        sample_start: date | None = None,
    ) -> None:
        """Offer the first steps for ``context``'s empty database.

        ``sample_start`` centres the sample data on another week (tests); by default it is
        this week.
        """
        super().__init__(parent)
        self.context = context
        self.sample_start = sample_start
        self.setObjectName("page-welcome")
        self.setAccessibleName(self.tr("Welcome"))

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(QSize(72, 72), self.devicePixelRatioF()))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setAccessibleName(self.tr("Organizer logo"))

        self.title = QLabel(self.tr("Welcome to Organizer"))
        self.title.setFont(scaled_font(self.font(), 2.0))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setAccessibleName(self.tr("Welcome to Organizer"))

        self.intro = QLabel(
            self.tr(
                "This file is empty, so here are two ways to begin. Look around a made-up "
                "group first, or go straight to planning your own first event."
            )
        )
        self.intro.setFont(scaled_font(self.font(), 1.1, bold=False))
        self.intro.setWordWrap(True)
        self.intro.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.intro.setAccessibleName(self.tr("What to do first"))

        self.sample_button = ChoiceButton(
            self.tr("Load sample data"),
            self.tr(
                "Fills this empty file with a sample group (volunteers, events and rosters) "
                "to explore safely. Keep your real group in a file of its own."
            ),
            "volunteers",
        )
        self.sample_button.clicked.connect(self.load_sample_data)

        self.create_button = ChoiceButton(
            self.tr("Create your first event"),
            self.tr(
                "Start with your own group: plan an event, then add its shifts and the "
                "people who help."
            ),
            "events",
        )
        self.create_button.clicked.connect(self.create_event_requested)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(self.tr("Sample data progress"))
        self.stage = QLabel()
        self.stage.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stage.setAccessibleName(self.tr("What is happening"))
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(self.tr("Problem"))
        self._colour_problem()

        self.read_only_note = QLabel(
            self.tr("This file is open read-only, so nothing can be added to it.")
        )
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.read_only_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.read_only_note.setAccessibleName(self.tr("Read-only"))

        column = QVBoxLayout()
        column.setSpacing(12)
        column.addWidget(icon)
        column.addWidget(self.title)
        column.addWidget(self.intro)
        column.addSpacing(12)
        column.addWidget(self.sample_button)
        column.addWidget(self.create_button)
        column.addSpacing(4)
        column.addWidget(self.problem)
        column.addWidget(self.progress)
        column.addWidget(self.stage)
        column.addWidget(self.read_only_note)
        centred = QWidget()
        centred.setAccessibleName(self.tr("First steps"))
        centred.setMaximumWidth(560)
        centred.setLayout(column)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(centred, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)

        for label in (self.progress, self.stage):
            # Keep the page still when progress appears and goes.
            policy = label.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            label.setSizePolicy(policy)
        self._set_busy(False)
        self.progress.hide()
        self.stage.hide()
        self.problem.hide()
        self.read_only_note.setVisible(context.read_only)
        self.setTabOrder(self.sample_button, self.create_button)

    @property
    def busy(self) -> bool:
        """Whether the sample data is being loaded."""
        return self._busy

    @Slot()
    def load_sample_data(self) -> None:
        """Fill the file with the sample group in the background, showing progress."""
        if self.context.read_only:
            return
        self._set_busy(True)
        self.problem.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.stage.setText(self.tr("Starting…"))
        self.stage.show()
        from organizer.demo import generate_demo  # only a first run ever needs it

        work = partial(
            generate_demo,
            self.context.services.events.db,
            scale="small",
            start=self.sample_start,
        )
        self.context.worker.submit(
            work, on_done=self._loaded, on_error=self._failed, on_progress=self._advance
        )

    @Slot()
    def refresh(self) -> None:
        """Nothing to reload: the page has no data of its own."""

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        writable = not self.context.read_only
        self.sample_button.setEnabled(writable and not busy)
        self.create_button.setEnabled(writable and not busy)

    def _advance(self, stage: str, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))
        self.stage.setText(stage)

    def _loaded(self, summary: DemoSummary) -> None:
        self._busy = False
        self.progress.setValue(100)
        self.stage.setText(
            self.tr("Sample data ready: {volunteers} volunteers and {events} events.").format(
                volunteers=summary.volunteers, events=summary.events
            )
        )
        self.context.hub.announce(DataChange.everything(self.context.actor))
        self.sample_data_loaded.emit()

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.progress.hide()
        self.stage.hide()
        self.problem.setText(
            self.tr("The sample data could not be loaded. {reason}").format(reason=error)
        )
        self.problem.show()
        if not isinstance(error, OrganizerError):
            raise error

    def _colour_problem(self) -> None:
        palette = self.problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self.problem.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Keep the problem text readable when the palette changes (dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_problem()


class StartPage(QStackedWidget):
    """The "home" page of the window: Welcome while the file is empty, Home once it is not.

    It checks in the background when it is built and whenever data changes, so the Welcome
    page gives way to Home as soon as sample data is loaded or a first record is added
    anywhere.  The signals of both pages are passed on.
    """

    open_occurrence = Signal(int, object)
    open_shift = Signal(int, object)
    open_volunteer = Signal(int)
    create_event_requested = Signal()
    sample_data_loaded = Signal()

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        clock: Clock = local_now,
        sample_start: date | None = None,
    ) -> None:
        """Both pages for ``context``; ``clock`` and ``sample_start`` are for tests."""
        super().__init__(parent)
        self.context = context
        self.setObjectName("page-start")
        self.setAccessibleName(self.tr("Home"))
        self.home = HomePage(context, clock=clock)
        self.addWidget(self.home)
        self.home.open_occurrence.connect(self.open_occurrence)
        self.home.open_shift.connect(self.open_shift)
        self.home.open_volunteer.connect(self.open_volunteer)
        self._sample_start = sample_start
        self._welcome: WelcomePage | None = None
        context.hub.changed.connect(self._on_changed)
        self._check()

    @property
    def welcome(self) -> WelcomePage:
        """The Welcome page, built the first time it is wanted (most files are not empty)."""
        if self._welcome is None:
            page = self._welcome = WelcomePage(self.context, sample_start=self._sample_start)
            self.addWidget(page)
            page.create_event_requested.connect(self.create_event_requested)
            page.sample_data_loaded.connect(self.sample_data_loaded)
            page.sample_data_loaded.connect(lambda: self.setCurrentWidget(self.home))
        return self._welcome

    @property
    def showing_welcome(self) -> bool:
        """Whether the Welcome page is on show."""
        return self._welcome is not None and self.currentWidget() is self._welcome

    @Slot()
    def refresh(self) -> None:
        """Reload Home and check again whether the file is still empty."""
        self.home.refresh()
        self._check()

    def _check(self) -> None:
        overview = self.home.overview
        self.context.worker.submit(overview.is_empty, on_done=self._show_empty)

    def _show_empty(self, empty: bool) -> None:
        if self._welcome is not None and self._welcome.busy:
            return
        self.setCurrentWidget(self.welcome if empty else self.home)

    @Slot(object)
    def _on_changed(self, change: DataChange) -> None:
        if self.showing_welcome and change.touches("cause", "event", "volunteer"):
            self._check()
