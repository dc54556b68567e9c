"""Organizer's main window: navigation between the pages, menus, toolbar and status bar.

The window only lays out widgets and asks for things through signals (open this file, back
up to that file); whoever created it decides how.  It never writes to the database.
"""

from __future__ import annotations

import html
import platform
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
    qVersion,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from organizer import __version__
from organizer.paths import FILE_SUFFIX
from organizer.ui import app_settings, line_icon
from organizer.ui.opening import RecentDatabases, documents_folder, file_filter
from organizer.ui.sharing.banners import BannerArea
from organizer.ui.undo_stack import UndoStack

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
PAGE_KEY = "main_window/page"
DEFAULT_SIZE = QSize(1120, 720)
STEP_MESSAGE_MS = 250
"""How long an undo or redo runs (or waits) before the status bar says what it is doing."""


@runtime_checkable
class Refreshable(Protocol):
    """A page that can reload what it shows."""

    def refresh(self) -> None:
        """Reload from the database."""


@dataclass(frozen=True)
class PageSpec:
    """One page of the window: its key, title, icon and what it will hold."""

    key: str
    title: str
    summary: str
    icon: str


class PlaceholderPage(QWidget):
    """A page whose view is still to come: an icon, a centred heading and a sentence."""

    def __init__(self, spec: PageSpec, parent: QWidget | None = None) -> None:
        """Show ``spec``'s title and summary."""
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"page-{spec.key}")
        self.setAccessibleName(spec.title)

        self.icon_label = QLabel()
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon_label.setAccessibleName(self.tr("{title} icon").format(title=spec.title))

        self.heading = QLabel(spec.title)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setAccessibleName(self.tr("Heading"))
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)

        self.summary = QLabel(spec.summary)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary.setWordWrap(True)
        self.summary.setMinimumWidth(280)
        self.summary.setMaximumWidth(460)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.summary.setAccessibleName(self.tr("Description"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.setSpacing(10)
        layout.addStretch(3)
        layout.addWidget(self.icon_label)
        layout.addSpacing(6)
        layout.addWidget(self.heading)
        # A wrapped label needs a row of its own to get the height its width asks for.
        summary_row = QHBoxLayout()
        summary_row.addStretch(1)
        summary_row.addWidget(self.summary, 4)
        summary_row.addStretch(1)
        layout.addLayout(summary_row)
        layout.addStretch(4)
        self._paint_icon()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the icon when the palette changes (for example, into dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_icon()

    def refresh(self) -> None:
        """Nothing to reload yet."""

    def _paint_icon(self) -> None:
        icon = line_icon(
            self.spec.icon, self.palette(), QPalette.ColorRole.PlaceholderText, sizes=(56, 112)
        )
        self.icon_label.setPixmap(icon.pixmap(QSize(56, 56), self.devicePixelRatioF()))


class OpenFile(Protocol):
    """What the window shows about its database: a name, maybe a file, and whether read-only."""

    @property
    def display_name(self) -> str:
        """The file path or server address, as shown to people."""
        ...

    @property
    def path(self) -> Path | None:
        """The file, or ``None`` for a server."""
        ...

    @property
    def read_only(self) -> bool:
        """Whether nothing may be changed."""
        ...


@dataclass(frozen=True)
class OpeningFile:
    """The file a window is about to show, before the data layer has opened it."""

    display_name: str
    path: Path | None
    read_only: bool = False

    @classmethod
    def at(cls, location: str, *, read_only: bool = False) -> OpeningFile:
        """The file (or server) at ``location``."""
        path = None if "://" in location else Path(location).expanduser()
        return cls(str(path) if path is not None else location, path, read_only)


class _PathLabel(QLabel):
    """Shows ``prefix`` and a path, shortening the path in the middle when space is short."""

    def __init__(self, prefix: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefix = prefix
        self.path = path
        self.setToolTip(path)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setText(prefix + path)

    def set_path(self, path: str) -> None:
        """Show ``path`` instead."""
        self.path = path
        self.setToolTip(path)
        self.setText(self.prefix + path)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self.prefix + self.path) + 8
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(160, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        metrics = self.fontMetrics()
        room = self.width() - metrics.horizontalAdvance(self.prefix)
        self.setText(
            self.prefix + metrics.elidedText(self.path, Qt.TextElideMode.ElideMiddle, room)
        )


class _Badge(QWidget):
    """A small rounded tag with an icon and a word, drawn in the palette's colours."""

    def __init__(self, text: str, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self._icon_name = icon_name
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        icon = metrics.height()
        return QSize(icon + metrics.horizontalAdvance(self._text) + 24, metrics.height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(frame, 4, 4)
        size = self.fontMetrics().height() - 2
        top = (self.height() - size) // 2
        icon = line_icon(self._icon_name, palette)
        icon.paint(painter, QRect(8, top, size, size))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        text_rect = self.rect().adjusted(8 + size + 6, 0, -8, 0)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, self._text)
        painter.end()


class _NavigationDelegate(QStyledItemDelegate):
    """Highlights a whole navigation row, icon included, without a focus frame."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.showDecorationSelected = True
        option.state &= ~QStyle.StateFlag.State_HasFocus


class MainWindow(QMainWindow):
    """The window a coordinator works in, showing one open database.

    Signals ask the owner of the window to act: ``open_requested``,
    ``new_database_requested`` and ``backup_requested`` carry a file path the person chose;
    ``refresh_requested`` asks every view to reload; ``closed`` says the window has gone.
    """

    page_changed = Signal(str)
    open_requested = Signal(str)
    new_database_requested = Signal(str)
    backup_requested = Signal(str)
    restore_requested = Signal()
    connect_requested = Signal()
    refresh_requested = Signal()
    new_event_requested = Signal()
    find_requested = Signal(str)
    closed = Signal()

    def __init__(
        self,
        db: OpenFile,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        """Lay out the window for ``db``; window layout is remembered in ``settings``.

        ``db`` may be an :class:`OpeningFile` so the window can show before the data layer has
        loaded; :meth:`attach` then hands it the open database.
        """
        super().__init__(parent)
        self.db = db
        self.settings = settings if settings is not None else app_settings()
        self.recent = RecentDatabases(self.settings)
        self.undo_stack = UndoStack(self)
        self.setObjectName("main-window")
        self.setAccessibleName(self.tr("Organizer"))

        self.page_specs = self._page_specs()
        self.page_keys = [spec.key for spec in self.page_specs]
        self._build_pages()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._apply_icons()
        self._reflect_file()

        self.nav_list.currentRowChanged.connect(self._on_row_changed)
        self._restore_layout()

    # Layout --------------------------------------------------------------------------------

    def _page_specs(self) -> list[PageSpec]:
        return [
            PageSpec(
                "home",
                self.tr("Home"),
                self.tr(
                    "Your next events, the shifts that still need volunteers and the latest "
                    "changes made by other coordinators, at a glance."
                ),
                "home",
            ),
            PageSpec(
                "calendar",
                self.tr("Calendar"),
                self.tr(
                    "Every event and shift by day, week or month, ready to share as a "
                    "calendar file."
                ),
                "calendar",
            ),
            PageSpec(
                "events",
                self.tr("Events"),
                self.tr(
                    "Plan each event: when and where it happens, what it is for, and the "
                    "shifts it needs filled."
                ),
                "events",
            ),
            PageSpec(
                "volunteers",
                self.tr("Volunteers"),
                self.tr("The people who help out, how to reach them, and when they are available."),
                "volunteers",
            ),
            PageSpec(
                "rosters",
                self.tr("Rosters"),
                self.tr(
                    "Who is on each shift, which shifts are still short, and the rosters to "
                    "send out."
                ),
                "rosters",
            ),
            PageSpec(
                "places",
                self.tr("Causes & locations"),
                self.tr(
                    "The causes your group supports and the places where you meet, for "
                    "choosing when you plan an event."
                ),
                "places",
            ),
            PageSpec(
                "reports",
                self.tr("Reports"),
                self.tr(
                    "Hours volunteers gave, no-shows and how many places were filled, ready "
                    "to export or print."
                ),
                "calendar",
            ),
        ]

    def _build_pages(self) -> None:
        self.nav_list = QListWidget()
        self.nav_list.setObjectName("navigation")
        self.nav_list.setAccessibleName(self.tr("Sections"))
        self.nav_list.setAccessibleDescription(self.tr("Choose which part of Organizer to show"))
        self.nav_list.setFrameShape(QFrame.Shape.NoFrame)
        self.nav_list.setIconSize(QSize(22, 22))
        self.nav_list.setSpacing(2)
        self.nav_list.setUniformItemSizes(True)
        self.nav_list.setItemDelegate(_NavigationDelegate(self.nav_list))
        self.nav_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav_list.viewport().setBackgroundRole(QPalette.ColorRole.Window)

        self.page_stack = QStackedWidget()
        self.page_stack.setObjectName("pages")
        self.page_stack.setAccessibleName(self.tr("Page"))

        row_height = max(36, self.fontMetrics().height() + 18)
        widest = 0
        for spec in self.page_specs:
            item = QListWidgetItem(spec.title)
            item.setToolTip(spec.summary)
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, spec.summary)
            item.setSizeHint(QSize(0, row_height))
            self.nav_list.addItem(item)
            self.page_stack.addWidget(PlaceholderPage(spec))
            widest = max(widest, self.fontMetrics().horizontalAdvance(spec.title))
        self.nav_list.setFixedWidth(widest + self.nav_list.iconSize().width() + 56)
        navigation = QWidget()
        navigation.setAccessibleName(self.tr("Navigation"))
        navigation.setBackgroundRole(QPalette.ColorRole.Window)
        nav_layout = QVBoxLayout(navigation)
        nav_layout.setContentsMargins(8, 8, 8, 8)
        nav_layout.addWidget(self.nav_list)

        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.VLine)
        divider.setFrameShadow(QFrame.Shadow.Plain)
        divider.setForegroundRole(QPalette.ColorRole.Mid)
        divider.setAccessibleName(self.tr("Divider"))

        central = QWidget()
        central.setAccessibleName(self.tr("Main area"))
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(navigation)
        layout.addWidget(divider)
        # Banners (read-only file, sync folder…) sit above the pages.
        self.banner_area = BannerArea()
        pages_column = QVBoxLayout()
        pages_column.setContentsMargins(0, 0, 0, 0)
        pages_column.setSpacing(0)
        pages_column.addWidget(self.banner_area)
        pages_column.addWidget(self.page_stack, 1)
        layout.addLayout(pages_column, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        self.new_event_action = QAction(self.tr("New &event…"), self)
        self.new_event_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_event_action.setStatusTip(self.tr("Plan a new event"))
        self.new_event_action.triggered.connect(self.new_event_requested)

        self.find_action = QAction(self.tr("&Find…"), self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setStatusTip(self.tr("Search the volunteers or events"))
        self.find_action.triggered.connect(lambda: self.find_requested.emit(self.current_page()))

        self.new_action = QAction(self.tr("New &database…"), self)
        self.new_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_action.setStatusTip(self.tr("Start a new, empty Organizer file"))
        self.new_action.triggered.connect(self._ask_new_database)

        self.open_action = QAction(self.tr("&Open…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setStatusTip(self.tr("Open another Organizer file"))
        self.open_action.triggered.connect(self._ask_open)
        self.connect_action = QAction(self.tr("Connect to &server…"), self)
        self.connect_action.setStatusTip(self.tr("Open an Organizer database on a server"))
        self.connect_action.triggered.connect(self.connect_requested)

        self.backup_action = QAction(self.tr("&Back up…"), self)
        self.backup_action.setStatusTip(self.tr("Save a copy of this database"))
        self.backup_action.triggered.connect(self._ask_backup)
        self.restore_action = QAction(self.tr("Restore from bac&kup…"), self)
        self.restore_action.setStatusTip(self.tr("Put an earlier backup in place of this file"))
        self.restore_action.triggered.connect(self.restore_requested)

        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcuts(
            _with_fallback(QKeySequence.StandardKey.Quit, QKeySequence("Ctrl+Q"))
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.setStatusTip(self.tr("Close Organizer"))
        self.quit_action.triggered.connect(self.close)

        self.undo_action = self.undo_stack.undo_action(self, self.tr("&Undo"))
        self.undo_action.setShortcuts(
            _with_fallback(QKeySequence.StandardKey.Undo, QKeySequence("Ctrl+Z"))
        )
        self.redo_action = self.undo_stack.redo_action(self, self.tr("&Redo"))
        self.redo_action.setShortcuts(
            _with_fallback(QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Shift+Z"), first=True)
        )
        self._step_message = ""
        # Said only once a step has taken a moment, so a quick one does not flicker.
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(STEP_MESSAGE_MS)
        self._step_timer.timeout.connect(self._say_undo_step)
        self.undo_stack.busy_changed.connect(self._show_undo_step)

        self.page_actions = QActionGroup(self)
        self.page_actions.setExclusive(True)
        for number, spec in enumerate(self.page_specs, start=1):
            action = QAction(spec.title, self.page_actions)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setStatusTip(spec.summary)
            action.setData(spec.key)
            action.triggered.connect(lambda _=False, key=spec.key: self.show_page(key))

        self.refresh_action = QAction(self.tr("Re&fresh"), self)
        self.refresh_action.setShortcuts(
            _with_fallback(QKeySequence.StandardKey.Refresh, QKeySequence("F5"), first=True)
        )
        self.refresh_action.setStatusTip(self.tr("Show the latest changes from the database"))
        self.refresh_action.triggered.connect(self.refresh)

        self.about_action = QAction(self.tr("&About Organizer"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    def _build_menus(self) -> None:
        menus = self.menuBar()
        menus.setAccessibleName(self.tr("Menu bar"))
        file_menu = menus.addMenu(self.tr("&File"))
        file_menu.addAction(self.new_event_action)
        file_menu.addSeparator()
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu(self.tr("Open &recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.connect_action)
        file_menu.addSeparator()
        file_menu.addAction(self.backup_action)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = menus.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)

        view_menu = menus.addMenu(self.tr("&View"))
        view_menu.addActions(self.page_actions.actions())
        view_menu.addSeparator()
        view_menu.addAction(self.refresh_action)

        # Filled by organizer.ui.calendars_io once a database is open.
        self.calendars_menu = menus.addMenu(self.tr("&Calendars"))
        self.calendars_menu.menuAction().setVisible(False)

        help_menu = menus.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)
        for menu in (
            file_menu,
            self.recent_menu,
            edit_menu,
            view_menu,
            self.calendars_menu,
            help_menu,
        ):
            menu.setAccessibleName(menu.title().replace("&", ""))
        self._fill_recent_menu()

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar(self.tr("Toolbar"))
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setAccessibleName(self.tr("Main toolbar"))
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.addAction(self.new_event_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.new_action)
        self.toolbar.addAction(self.open_action)
        self.toolbar.addAction(self.backup_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.undo_action)
        self.toolbar.addAction(self.redo_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.refresh_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setAccessibleName(self.tr("Status bar"))
        self.read_only_badge = _Badge(self.tr("Read-only"), "read-only")
        self.read_only_badge.setObjectName("read-only-badge")
        self.read_only_badge.setAccessibleName(self.tr("Read-only"))
        self.read_only_badge.setToolTip(
            self.tr("This database is open read-only: you can look, but not change anything.")
        )

        self.database_label = _PathLabel(self.tr("Database: "), self.db.display_name)
        self.database_label.setObjectName("database-path")
        self.database_label.setAccessibleName(self.tr("Open database"))
        self.database_label.setAccessibleDescription(self.db.display_name)
        status.addPermanentWidget(self.read_only_badge)
        status.addPermanentWidget(self.database_label)

    def _apply_icons(self) -> None:
        palette = self.palette()
        for row, spec in enumerate(self.page_specs):
            icon = line_icon(spec.icon, palette, QPalette.ColorRole.Text)
            item = self.nav_list.item(row)
            if item is not None:
                item.setIcon(icon)
            self.page_actions.actions()[row].setIcon(icon)
        self.new_event_action.setIcon(line_icon("events", palette))
        self.find_action.setIcon(QIcon.fromTheme(QIcon.ThemeIcon.EditFind))
        themed = (
            (self.new_action, QIcon.ThemeIcon.DocumentNew, "new"),
            (self.open_action, QIcon.ThemeIcon.DocumentOpen, "open"),
            (self.backup_action, QIcon.ThemeIcon.DocumentSaveAs, "backup"),
            (self.undo_action, QIcon.ThemeIcon.EditUndo, "undo"),
            (self.redo_action, QIcon.ThemeIcon.EditRedo, "redo"),
            (self.refresh_action, QIcon.ThemeIcon.ViewRefresh, "refresh"),
        )
        for action, theme_icon, fallback in themed:
            icon = QIcon.fromTheme(theme_icon)
            action.setIcon(icon if not icon.isNull() else line_icon(fallback, palette))
        self.quit_action.setIcon(QIcon.fromTheme(QIcon.ThemeIcon.ApplicationExit))

    @property
    def file_name(self) -> str:
        """The open database's file name (or its address, for a server)."""
        return self.db.path.name if self.db.path is not None else self.db.display_name

    def attach(self, db: OpenFile) -> None:
        """Show ``db``, now open, in place of the file this window was opening."""
        self.db = db
        self._reflect_file()

    def _reflect_file(self) -> None:
        self.new_event_action.setEnabled(not self.db.read_only)
        self.backup_action.setEnabled(self.db.path is not None)
        self.restore_action.setEnabled(self.db.path is not None and not self.db.read_only)
        self.read_only_badge.setVisible(self.db.read_only)
        self.database_label.set_path(self.db.display_name)
        self.database_label.setAccessibleDescription(self.db.display_name)
        self._update_title()

    def _update_title(self) -> None:
        name = self.file_name
        if self.db.read_only:
            name = self.tr("{name} (read-only)").format(name=name)
        self.setWindowTitle(self.tr("Organizer — {name}").format(name=name))
        if self.db.path is not None:
            self.setWindowFilePath(str(self.db.path))

    # Pages ---------------------------------------------------------------------------------

    def current_page(self) -> str:
        """The key of the page on show (``"home"``, ``"events"``, …)."""
        return self.page_keys[max(self.page_stack.currentIndex(), 0)]

    def page(self, key: str) -> QWidget:
        """The page widget for ``key``."""
        widget = self.page_stack.widget(self.page_keys.index(key))
        assert widget is not None
        return widget

    def set_page(self, key: str, widget: QWidget) -> None:
        """Put a real view in place of the page called ``key``."""
        index = self.page_keys.index(key)
        old = self.page_stack.widget(index)
        showing = self.page_stack.currentIndex() == index
        self.page_stack.insertWidget(index, widget)
        if showing:
            # Before the old page goes: removing the page on show would show its neighbour
            # for a moment, laying that page out for nothing.
            self.page_stack.setCurrentIndex(index)
        if old is not None:
            self.page_stack.removeWidget(old)
            old.deleteLater()

    @Slot(str)
    def show_page(self, key: str) -> None:
        """Switch to the page called ``key``."""
        self.nav_list.setCurrentRow(self.page_keys.index(key))

    @Slot(int)
    def _on_row_changed(self, row: int) -> None:
        if row < 0:
            return
        self.page_stack.setCurrentIndex(row)
        self.page_actions.actions()[row].setChecked(True)
        self.page_changed.emit(self.page_keys[row])

    @Slot()
    def refresh(self) -> None:
        """Ask the page on show, and anyone listening, to reload."""
        page = self.page_stack.currentWidget()
        if isinstance(page, Refreshable):
            page.refresh()
        self.refresh_requested.emit()

    def show_status(self, message: str, timeout_ms: int = 8000) -> None:
        """Show a short message in the status bar."""
        self.statusBar().showMessage(message, timeout_ms)

    def _show_undo_step(self) -> None:
        """Say in the status bar what a long undo or redo is doing, until it ends."""
        if self.undo_stack.busy:
            if self._step_message:
                self._say_undo_step()
            elif not self._step_timer.isActive():
                self._step_timer.start()
            return
        self._step_timer.stop()
        bar = self.statusBar()
        if self._step_message and bar.currentMessage() == self._step_message:
            bar.clearMessage()
        self._step_message = ""

    def _say_undo_step(self) -> None:
        if self.undo_stack.busy:
            self._step_message = self.undo_stack.step_text
            self.statusBar().showMessage(self._step_message)

    # Files ---------------------------------------------------------------------------------

    @Slot()
    def _ask_open(self) -> None:
        folder = self.db.path.parent if self.db.path is not None else documents_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open an Organizer file"), str(folder), file_filter()
        )
        if chosen:
            self.open_requested.emit(chosen)

    @Slot()
    def _ask_new_database(self) -> None:
        suggestion = documents_folder() / (self.tr("Our group") + FILE_SUFFIX)
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("New Organizer file"),
            str(suggestion),
            file_filter(),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            path = Path(chosen)
            self.new_database_requested.emit(
                str(path if path.suffix else path.with_suffix(FILE_SUFFIX))
            )

    @Slot()
    def _ask_backup(self) -> None:
        if self.db.path is None:
            return
        name = self.tr("{stem} backup {day}").format(
            stem=self.db.path.stem, day=date.today().isoformat()
        )
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Back up to"),
            str(documents_folder() / (name + FILE_SUFFIX)),
            file_filter(),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.backup_requested.emit(chosen)

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        current = str(self.db.path) if self.db.path is not None else None
        paths = [p for p in self.recent.paths() if p != current]
        for number, path in enumerate(paths, start=1):
            action = self.recent_menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_requested.emit(p))
        if not paths:
            empty = self.recent_menu.addAction(self.tr("No recent files"))
            empty.setEnabled(False)
            return
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction(self.tr("Clear list"))
        clear.triggered.connect(self.recent.clear)

    # Help ----------------------------------------------------------------------------------

    @Slot()
    def show_about(self) -> None:
        """Show the version and which database is open."""
        text = self.tr(
            "<h3>Organizer {version}</h3>"
            "<p>Plan events, volunteer rosters and calendar invitations for community "
            "groups.</p>"
            "<p><b>Open database</b><br>{database}{read_only}</p>"
            "<p><small>Python {python}, Qt {qt}, PySide6 {pyside}</small></p>"
        ).format(
            version=__version__,
            database=html.escape(self.db.display_name),
            read_only=self.tr(" (read-only)") if self.db.read_only else "",
            python=platform.python_version(),
            qt=qVersion(),
            pyside=pyside_version,
        )
        QMessageBox.about(self, self.tr("About Organizer"), text)

    # Window state --------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(self._default_size())
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        page = self.settings.value(PAGE_KEY, "home")
        self.show_page(page if page in self.page_keys else "home")

    def _default_size(self) -> QSize:
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return DEFAULT_SIZE
        available = screen.availableGeometry().size()
        return DEFAULT_SIZE.boundedTo(
            QSize(available.width() * 9 // 10, available.height() * 9 // 10)
        )

    def save_layout(self) -> None:
        """Remember the window's size, position and page for next time."""
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.setValue(PAGE_KEY, self.current_page())
        self.settings.sync()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the icons when the palette changes (for example, into dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_icons()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout, then let the window close."""
        self.save_layout()
        super().closeEvent(event)
        self.closed.emit()


def _with_fallback(
    standard: QKeySequence.StandardKey, fallback: QKeySequence, *, first: bool = False
) -> list[QKeySequence]:
    """The platform's shortcuts for ``standard`` plus ``fallback`` if it is not among them."""
    keys = list(QKeySequence.keyBindings(standard))
    if fallback in keys:
        return keys
    return [fallback, *keys] if first else [*keys, fallback]
