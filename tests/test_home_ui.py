"""The Home page and the first-run Welcome page, driven like a coordinator would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.services import EventDraft, VolunteerDraft
from organizer.services.overview import OverviewService
from organizer.services.series import SeriesService
from organizer.storage import Database, create_database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.home import (
    BADGE_ROLE,
    OBJECT_ROLE,
    SUBTITLE_ROLE,
    HomePage,
    NeedsModel,
    NewcomersModel,
    WeekModel,
)
from organizer.ui.welcome import StartPage, WelcomePage
from tests.ui_helpers import assert_not_blank, ink, view_context

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=LONDON)


def make_context(db: Database) -> ViewContext:
    return view_context(db, read_only=db.read_only)


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    context = make_context(db)
    yield context
    context.worker.wait()


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=MONDAY)
    return db


def show_home(qtbot: QtBot, context: ViewContext) -> HomePage:
    page = HomePage(context, clock=lambda: NOW)
    qtbot.addWidget(page)
    page.resize(950, 660)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: not page.loading)
    return page


def texts(model: WeekModel | NeedsModel | NewcomersModel, role: int) -> list[Any]:
    return [model.index(row, 0).data(role) for row in range(model.rowCount())]


def center_of(view: QAbstractItemView, row: int) -> QModelIndex:
    index = view.model().index(row, 0)
    view.scrollTo(index)
    return index


def double_click(qtbot: QtBot, view: QAbstractItemView, index: QModelIndex) -> None:
    """A real double-click: a click, then the second press that the system reports as double."""
    where = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)


# Home ------------------------------------------------------------------------------------


def test_home_greets_and_shows_this_weeks_events(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_home(qtbot, context)

    expected = OverviewService(demo, "Tester").this_week(NOW)
    titles = texts(page.week_model, Qt.ItemDataRole.DisplayRole)
    assert titles == [item.occurrence.title for item in expected]
    assert "Wednesday garden morning" in titles
    assert page.greeting.text() == "Good morning"
    assert "Wednesday 25 November 2026" in page.summary.text()
    assert f"{len(expected)} events this week" in page.summary.text()
    garden = titles.index("Wednesday garden morning")
    assert page.week_model.index(garden, 0).data(BADGE_ROLE) == "4 of 4 places"
    assert page.week_model.index(garden, 0).data(SUBTITLE_ROLE).startswith("10:00")
    assert not page.week_card.showing_message


def test_shifts_that_need_people_come_most_urgent_first(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_home(qtbot, context)

    urgent = OverviewService(demo, "Tester").needs_people(NOW)
    shown = [item.fill for item in texts(page.needs_model, OBJECT_ROLE)]
    assert shown == [item.fill for item in urgent]
    subtitles = texts(page.needs_model, SUBTITLE_ROLE)
    assert subtitles[0].startswith("Back marker · Today")
    assert subtitles[1].split(" · ")[1].startswith("Tomorrow")
    badges = texts(page.needs_model, BADGE_ROLE)
    assert badges[0] == "1 place open"
    assert "2 places open" in badges
    assert texts(page.needs_model, Qt.ItemDataRole.DisplayRole)[0] == (
        "Fortnightly canal walk (Wednesday)"
    )


def test_whos_new_lists_the_newest_volunteers(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_home(qtbot, context)

    names = texts(page.newcomers_model, Qt.ItemDataRole.DisplayRole)
    newest = [v.name for v in context.services.volunteers.newest(8)]
    assert names == newest
    noor = names.index("Noor Hussain")
    assert page.newcomers_model.index(noor, 0).data(SUBTITLE_ROLE) == "Joined 3 days ago"
    assert page.newcomers_model.index(noor, 0).data(BADGE_ROLE) == "First shift Sat 28 Nov"
    bot = page.newcomers_model.index(0, 0)
    assert bot.data(BADGE_ROLE) == "No shifts yet"
    assert "no email or phone" in bot.data(SUBTITLE_ROLE)


def test_activating_rows_asks_to_open_them(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_home(qtbot, context)
    week = page.week_list
    index = center_of(week, 3)
    item = index.data(OBJECT_ROLE)
    with qtbot.waitSignal(page.open_occurrence) as opened:
        double_click(qtbot, week, index)
    assert opened.args == [item.occurrence.event_id, item.occurrence.recurrence_id]

    needs = page.needs_list
    needs.setFocus()
    needs.setCurrentIndex(center_of(needs, 1))
    shift = needs.currentIndex().data(OBJECT_ROLE).fill
    with qtbot.waitSignal(page.open_shift) as opened:
        qtbot.keyClick(needs, Qt.Key.Key_Return)
    assert opened.args == [shift.shift_id, shift.recurrence_id]

    people = page.newcomers_list
    people.setCurrentIndex(center_of(people, 2))
    person = people.currentIndex().data(OBJECT_ROLE)
    with qtbot.waitSignal(page.open_volunteer) as opened:
        qtbot.keyClick(people, Qt.Key.Key_Enter)
    assert opened.args == [person.volunteer_id]


def test_home_reloads_when_volunteers_change(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_home(qtbot, context)
    context.services.volunteers.create(
        VolunteerDraft(name="Ama Owusu", joined_on=NOW.date(), email="ama@example.org")
    )
    with qtbot.waitSignal(page.loaded):
        context.hub.announce(DataChange.of("Tester", "volunteer"))
    first = page.newcomers_model.index(0, 0)
    assert first.data(Qt.ItemDataRole.DisplayRole) == "Ama Owusu"
    assert first.data(SUBTITLE_ROLE) == "Joined today"

    with qtbot.assertNotEmitted(page.loaded, wait=50):
        context.hub.announce(DataChange.of("Tester", "qualification"))


def test_an_empty_file_shows_kind_sentences(qtbot: QtBot, context: ViewContext) -> None:
    page = show_home(qtbot, context)
    assert page.week_card.showing_message
    assert "Nothing is planned for this week" in page.week_card.message.text()
    assert "Well done" in page.needs_card.message.text()
    assert "No volunteers yet" in page.newcomers_card.message.text()
    assert "No events this week" in page.summary.text()


def test_home_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, demo: Database, context: ViewContext
) -> None:
    page = show_home(qtbot, context)
    for model in (page.week_model, page.needs_model, page.newcomers_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_long_titles_that_differ_at_the_end_stay_apart(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    start = datetime(2026, 11, 26, 10, tzinfo=LONDON)
    titles = [f"Monday and Thursday befriending calls ({place})" for place in ("Ashgate", "Elm")]
    for title in titles:
        draft = EventDraft(
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            timezone="Europe/London",
        )
        SeriesService(db, "Tester").create(draft, [])
    page = show_home(qtbot, context)
    page.resize(620, 660)
    qtbot.waitUntil(lambda: page.week_list.viewport().width() < 300)

    view = page.week_list
    image = view.viewport().grab().toImage()
    shown = texts(page.week_model, Qt.ItemDataRole.DisplayRole)
    line = view.fontMetrics().height()
    areas = []
    for title in titles:
        row = view.visualRect(page.week_model.index(shown.index(title), 0))
        # The title's line, from the middle of the row on (the day is written on the first).
        top = row.top() + (row.height() - 2 * line - 2) // 2
        areas.append(QRect(row.center().x(), top, row.width() // 2 - 12, line))
    assert view.fontMetrics().horizontalAdvance(titles[0]) > view.viewport().width()
    assert ink(image, areas[0]) != ink(image, areas[1])


def test_home_renders(qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path) -> None:
    page = show_home(qtbot, context)
    assert_not_blank(page, tmp_path / "home.png")


# Welcome ---------------------------------------------------------------------------------


def show_welcome(qtbot: QtBot, context: ViewContext) -> WelcomePage:
    page = WelcomePage(context, sample_start=MONDAY)
    qtbot.addWidget(page)
    page.resize(950, 660)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_loading_sample_data_fills_the_file(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    page = show_welcome(qtbot, context)
    heard: list[DataChange] = []
    context.hub.changed.connect(heard.append)
    values: list[int] = []
    page.progress.valueChanged.connect(values.append)

    with qtbot.waitSignal(page.sample_data_loaded, timeout=20_000):
        qtbot.mouseClick(page.sample_button, Qt.MouseButton.LeftButton)
        assert not page.sample_button.isEnabled(), "no second click while loading"

    assert values[-1] == 100
    assert values == sorted(values)
    assert page.progress.value() == 100
    assert "44 volunteers" in page.stage.text()
    assert not OverviewService(db, "Tester").is_empty()
    assert heard and heard[-1].touches("volunteer", "event", "cause")


def test_sample_data_is_refused_for_a_file_with_data(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_welcome(qtbot, context)
    with qtbot.waitSignal(context.worker.busy_changed, check_params_cb=lambda busy: not busy):
        qtbot.keyClick(page.sample_button, Qt.Key.Key_Space)
    assert page.problem.isVisible()
    assert "already has data" in page.problem.text()
    assert page.sample_button.isEnabled()
    assert not page.progress.isVisible()


def test_create_your_first_event_is_asked_for(qtbot: QtBot, context: ViewContext) -> None:
    page = show_welcome(qtbot, context)
    with qtbot.waitSignal(page.create_event_requested):
        qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)


def test_a_read_only_file_offers_nothing_to_click(qtbot: QtBot, db_path: Path) -> None:
    create_database(db_path).close()
    read_only = open_database(db_path, read_only=True)
    try:
        context = make_context(read_only)
        page = show_welcome(qtbot, context)
        assert not page.sample_button.isEnabled()
        assert not page.create_button.isEnabled()
        assert page.read_only_note.isVisible()
    finally:
        read_only.close()


def test_welcome_renders(qtbot: QtBot, context: ViewContext, tmp_path: Path) -> None:
    page = show_welcome(qtbot, context)
    assert_not_blank(page, tmp_path / "welcome.png")


def test_a_larger_font_makes_the_welcome_choices_taller(qtbot: QtBot, context: ViewContext) -> None:
    """Each choice is measured once per width and font, and measured again for a new font."""
    page = show_welcome(qtbot, context)
    button = page.sample_button
    before = button.heightForWidth(400)
    assert button.heightForWidth(400) == before
    larger = QFont(button.font())
    larger.setPointSizeF(larger.pointSizeF() * 1.6)
    button.setFont(larger)
    assert button.heightForWidth(400) > before
    assert button.heightForWidth(250) > button.heightForWidth(400), "narrower wraps more"


# The start page --------------------------------------------------------------------------


def show_start(qtbot: QtBot, context: ViewContext) -> StartPage:
    page = StartPage(context, clock=lambda: NOW, sample_start=MONDAY)
    qtbot.addWidget(page)
    page.resize(950, 660)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: not context.worker.busy)
    return page


def test_an_empty_file_starts_on_welcome_and_moves_to_home_with_sample_data(
    qtbot: QtBot, context: ViewContext
) -> None:
    page = show_start(qtbot, context)
    assert page.showing_welcome

    with qtbot.waitSignal(page.sample_data_loaded, timeout=20_000):
        qtbot.mouseClick(page.welcome.sample_button, Qt.MouseButton.LeftButton)
    assert not page.showing_welcome
    qtbot.waitUntil(lambda: page.home.week_model.rowCount() > 0)
    assert "Wednesday garden morning" in texts(page.home.week_model, Qt.ItemDataRole.DisplayRole)


def test_a_first_record_added_elsewhere_leaves_welcome(qtbot: QtBot, context: ViewContext) -> None:
    page = show_start(qtbot, context)
    assert page.showing_welcome
    context.services.volunteers.create(VolunteerDraft(name="Amira", joined_on=NOW.date()))
    context.hub.announce(DataChange.of("Tester", "volunteer"))
    qtbot.waitUntil(lambda: not page.showing_welcome)

    with qtbot.waitSignal(page.open_volunteer) as opened:
        qtbot.waitUntil(lambda: page.home.newcomers_model.rowCount() == 1)
        page.home.newcomers_list.setCurrentIndex(page.home.newcomers_model.index(0, 0))
        qtbot.keyClick(page.home.newcomers_list, Qt.Key.Key_Return)
    assert opened.args == [context.services.volunteers.list()[0].id]


def test_a_file_with_data_starts_on_home(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_start(qtbot, context)
    assert not page.showing_welcome
    assert page.findChildren(WelcomePage) == [], "a file with data never builds Welcome"
