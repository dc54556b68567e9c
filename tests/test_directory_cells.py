"""The volunteer directory draws its cells exactly as the style would, and fast.

Its delegate lays each text out once and reuses it; these tests hold its pixels to those
of Qt's own item drawing (QStyledItemDelegate), in light and dark palettes, with a row
selected, archived people in italics, long text elided, and after the font changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QColor, QFont, QImage, QPalette
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QTableView
from pytestqt.qtbot import QtBot

from organizer.services import Services, VolunteerDraft
from organizer.services.directory import DirectoryService
from organizer.storage import Database
from organizer.ui.volunteers.cells import DirectoryDelegate
from organizer.ui.volunteers.model import NAME
from organizer.ui.volunteers.page import VolunteersPage
from tests.ui_helpers import view_context

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PEOPLE = [
    ("Ada Lovelace", "she/her", True),
    ("Bartholomew Fitzwilliam-Montgomery the Third of Little Snoring", "", True),
    ("Cyril Archer", "", False),
    ("Dot Cotton", "", True),
    ("Eun-ji Park", "they/them", True),
]


@pytest.fixture
def page(qtbot: QtBot, db: Database) -> Iterator[VolunteersPage]:
    services = Services.for_database(db, "Tester")
    for name, pronouns, active in PEOPLE:
        services.volunteers.create(
            VolunteerDraft(
                name=name,
                joined_on=date(2026, 1, 5),
                email=f"{name.split()[0].lower()}@example.org",
                pronouns=pronouns,
                active=active,
            )
        )
    context = view_context(services, settings=QSettings())
    directory = DirectoryService(db, "Tester", clock=lambda: NOW, zone=ZoneInfo("Europe/London"))
    page = VolunteersPage(context, directory=directory)
    qtbot.addWidget(page)
    page.resize(1000, 400)
    page.show()
    qtbot.waitExposed(page)
    page.archived_check.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(PEOPLE) and not page.model.loading)
    yield page
    qtbot.waitUntil(lambda: not context.worker.busy)
    QApplication.processEvents()


def rendered(table: QTableView, delegate: QStyledItemDelegate) -> QImage:
    table.setItemDelegate(delegate)
    QApplication.processEvents()
    return table.viewport().grab().toImage()


def both(table: QTableView, ours: DirectoryDelegate) -> tuple[QImage, QImage]:
    """The viewport drawn by the directory's delegate, then by the style's own."""
    mine = rendered(table, ours)
    styles = rendered(table, QStyledItemDelegate(table))
    table.setItemDelegate(ours)
    return mine, styles


def row_band(table: QTableView, row: int) -> QRect:
    return QRect(0, table.rowViewportPosition(row), table.viewport().width(), table.rowHeight(row))


def differing(first: QImage, second: QImage, area: QRect) -> int:
    return sum(
        first.pixel(x, y) != second.pixel(x, y)
        for y in range(area.top(), area.bottom() + 1)
        for x in range(area.left(), area.right() + 1)
    )


def row_of(page: VolunteersPage, name: str) -> int:
    return next(n for n, person in enumerate(PEOPLE) if person[0] == name)


def test_cells_without_pronouns_are_drawn_exactly_as_the_style_draws_them(
    page: VolunteersPage,
) -> None:
    table = page.table
    table.selectRow(row_of(page, "Dot Cotton"))
    table.clearFocus()
    mine, styles = both(table, page.delegate)
    for name, pronouns, _ in PEOPLE:
        if not pronouns:
            band = row_band(table, row_of(page, name))
            assert differing(mine, styles, band) == 0, name


def around_the_pronouns(table: QTableView, row: int, name: str) -> tuple[QRect, QRect, QRect]:
    """A row's band up to the end of the name, where pronouns go, and after the name cell."""
    band = row_band(table, row)
    name_cell = QRect(
        table.columnViewportPosition(NAME), band.top(), table.columnWidth(NAME), band.height()
    )
    name_ends = name_cell.left() + 4 + table.fontMetrics().horizontalAdvance(name)
    before = QRect(band.left(), band.top(), name_ends - band.left(), band.height())
    pronouns = QRect(name_ends + 1, band.top(), name_cell.right() - name_ends, band.height())
    rest = band.right() - name_cell.right()
    after = QRect(name_cell.right() + 1, band.top(), rest, band.height())
    return before, pronouns, after


def test_pronouns_follow_the_name_and_nothing_else_changes(page: VolunteersPage) -> None:
    table = page.table
    mine, styles = both(table, page.delegate)
    before, pronouns, after = around_the_pronouns(
        table, row_of(page, "Ada Lovelace"), "Ada Lovelace"
    )
    assert differing(mine, styles, before) == 0
    assert differing(mine, styles, after) == 0
    assert differing(mine, styles, pronouns) > 20  # "she/her" is drawn


def test_a_narrow_name_column_elides_the_name_and_drops_the_pronouns(
    page: VolunteersPage,
) -> None:
    table = page.table
    table.horizontalHeader().resizeSection(NAME, 90)
    mine, styles = both(table, page.delegate)
    assert differing(mine, styles, table.viewport().rect()) == 0


def test_a_dark_palette_and_a_selected_archived_row_match_the_style(
    page: VolunteersPage,
) -> None:
    table = page.table
    dark = QPalette(table.palette())
    for role, colour in (
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#2a2a2a"),
        (QPalette.ColorRole.Text, "#eeeeee"),
        (QPalette.ColorRole.PlaceholderText, "#8a8a8a"),
        (QPalette.ColorRole.Highlight, "#3d6fb4"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
    ):
        dark.setColor(role, QColor(colour))
    table.setPalette(dark)
    table.selectRow(row_of(page, "Cyril Archer"))
    table.clearFocus()
    mine, styles = both(table, page.delegate)
    for name, pronouns, _ in PEOPLE:
        if not pronouns:
            assert differing(mine, styles, row_band(table, row_of(page, name))) == 0, name


def test_a_new_font_lays_the_texts_out_again(page: VolunteersPage) -> None:
    table = page.table
    rendered(table, page.delegate)  # the texts are laid out in the old font
    bigger = QFont(table.font())
    bigger.setPointSize(round(bigger.pointSizeF()) + 4)
    table.setFont(bigger)
    mine, styles = both(table, page.delegate)
    for name, pronouns, active in PEOPLE:
        # The style draws an archived row in the application's font (the model's font
        # role), not the table's; the delegate keeps to the table's.
        if not pronouns and active:
            assert differing(mine, styles, row_band(table, row_of(page, name))) == 0, name


def test_the_focused_cell_keeps_the_styles_focus_frame(qtbot: QtBot, page: VolunteersPage) -> None:
    table = page.table
    table.setFocus()
    table.setCurrentIndex(page.model.index(row_of(page, "Dot Cotton"), NAME))
    qtbot.waitUntil(table.hasFocus)
    mine, styles = both(table, page.delegate)
    band = row_band(table, row_of(page, "Dot Cotton"))
    assert differing(mine, styles, band) == 0


def test_the_focused_name_keeps_its_pronouns(qtbot: QtBot, page: VolunteersPage) -> None:
    table = page.table
    table.setFocus()
    table.setCurrentIndex(page.model.index(row_of(page, "Ada Lovelace"), NAME))
    qtbot.waitUntil(table.hasFocus)
    mine, styles = both(table, page.delegate)
    before, pronouns, after = around_the_pronouns(
        table, row_of(page, "Ada Lovelace"), "Ada Lovelace"
    )
    assert differing(mine, styles, before) == 0  # the style's own name and focus frame
    assert differing(mine, styles, pronouns) > 20  # "she/her" is drawn after it
    assert differing(mine, styles, after) == 0
