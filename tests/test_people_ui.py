"""The volunteer-record windows (import, duplicates, export, privacy, newcomers), driven."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from organizer.demo import generate_demo
from organizer.models import Assignment, Volunteer
from organizer.people.exporting import SENSITIVE_COLUMNS
from organizer.people.importing import DateOrder, VolunteerField
from organizer.services import QualificationDraft, Services, VolunteerDraft
from organizer.storage import Database, create_database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.home import HomePage
from organizer.ui.people.duplicates_view import DuplicatesDialog, FlaggedDialog
from organizer.ui.people.export_dialog import ExportDialog
from organizer.ui.people.import_wizard import CHECK, COLUMNS, DONE, FILE, ImportWizard
from organizer.ui.people.models import (
    IMPORT,
    KIND,
    NAME,
    WHAT,
    ColumnsModel,
    IssuesModel,
    PairsModel,
    RetentionModel,
)
from organizer.ui.people.newcomers import BuddyDialog, SuggestionsModel
from organizer.ui.people.privacy_dialogs import AnonymiseDialog, EraseDialog, PersonDataDialog
from organizer.ui.volunteers.page import VolunteersPage
from tests.ui_helpers import view_context

DATA = Path(__file__).parent / "data" / "people"
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
    QApplication.processEvents()


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=MONDAY)
    return db


@pytest.fixture
def qualified(db: Database) -> Database:
    services = Services.for_database(db, "Tester")
    for name in ("First aid", "Food hygiene"):
        services.qualifications.create(QualificationDraft(name=name))
    return db


def show(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)


def settle(qtbot: QtBot, context: ViewContext) -> None:
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=10_000)
    QApplication.processEvents()


def render(widget: QWidget, tmp_path: Path, name: str) -> None:
    """Save a picture of ``widget`` (in $ORGANIZER_RENDERS too, to look at) and check it."""
    QApplication.processEvents()  # let layouts settle, as they would on screen
    image = widget.grab().toImage()
    folder = Path(os.environ.get("ORGANIZER_RENDERS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / f"{name}.png"))
    small = image.scaled(60, 40).convertToFormat(QImage.Format.Format_RGB32)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 10, f"{name} looks blank"


def answer_box(button_text: str, seen: list[str]) -> None:
    """Once a message box is open, note its text and press ``button_text``."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(f"{box.text()}\n{box.informativeText()}")
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
                return
        box.reject()

    QTimer.singleShot(0, answer)


def volunteer_names(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(Volunteer.name)))


def assignments_of(db: Database, volunteer_id: int) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count(Assignment.id)).where(Assignment.volunteer_id == volunteer_id)
            )
            or 0
        )


def open_wizard_on(qtbot: QtBot, context: ViewContext, path: Path) -> ImportWizard:
    wizard = ImportWizard(context)
    show(qtbot, wizard)
    assert wizard.step == FILE and not wizard.next_button.isEnabled()
    qtbot.keyClicks(wizard.file_field.line, str(path))
    qtbot.waitUntil(lambda: wizard.next_button.isEnabled(), timeout=5_000)
    return wizard


def go_to_check(qtbot: QtBot, wizard: ImportWizard) -> None:
    if wizard.step == FILE:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.step == COLUMNS
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.step == CHECK and wizard.preview is not None, timeout=10_000)


# Import ------------------------------------------------------------------------------------


def test_importing_a_windows_1252_csv_step_by_step_and_undoing_it(
    qtbot: QtBot, qualified: Database, context: ViewContext, tmp_path: Path
) -> None:
    heard: list[object] = []
    context.hub.changed.connect(heard.append)
    wizard = open_wizard_on(qtbot, context, DATA / "volunteers-excel-windows-1252.csv")
    assert "5 rows" in wizard.file_state.text()
    assert "1252" in wizard.file_state.text()
    assert not wizard.sheet_combo.isVisible(), "a CSV file has no sheets"
    render(wizard, tmp_path, "import-1-file")

    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.step == COLUMNS
    mapping = wizard.mapping()
    assert mapping["First Name"] == VolunteerField.FIRST_NAME
    assert mapping["Email Address"] == VolunteerField.EMAIL
    assert mapping["Mobile"] == VolunteerField.PHONE
    assert mapping["Date Joined"] == VolunteerField.JOINED_ON
    assert "matched the columns by their headings" in wizard.origin_note.text()
    sample = wizard.sample_model
    first_row = [sample.index(0, c).data() for c in range(sample.columnCount())]
    assert first_row[0] == "José Álvarez"
    assert "14 Jan 2023" in first_row
    assert "Paid £5 towards his DBS check" in first_row
    # Choosing "Don't import" for the notes takes the column out of the preview.
    wizard.set_field("Notes", "")
    assert "Notes" not in [
        sample.headerData(c, Qt.Orientation.Horizontal) for c in range(sample.columnCount())
    ]
    wizard.set_field("Notes", VolunteerField.NOTES)
    render(wizard, tmp_path, "import-2-columns")

    go_to_check(qtbot, wizard)
    assert wizard.check_heading.text() == "Ready to import"
    assert "5 rows are ready to import" in wizard.check_summary.text()
    assert wizard.next_button.text().replace("&", "") == "Import 5 volunteers"
    render(wizard, tmp_path, "import-3-check")

    shown: list[int] = []
    wizard.import_progress.bar.valueChanged.connect(shown.append)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=10_000)
    assert shown and max(shown) > 0, "the import's progress was shown as it went"
    assert wizard.step == DONE
    assert wizard.outcome.text() == (
        "Imported 5 volunteers from volunteers-excel-windows-1252.csv."
    )
    names = volunteer_names(qualified)
    assert {"José Álvarez", "Zoë Smith", "Siân O'Brien", "Renée Dubois", "Ørjan Nilsen"} == set(
        names
    )
    assert context.undo_stack.undoText().startswith("Import 5 volunteers")
    assert heard, "the import was announced"
    assert wizard.undo_button.isEnabled()
    render(wizard, tmp_path, "import-4-done")

    qtbot.mouseClick(wizard.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: volunteer_names(qualified) == [], timeout=10_000)
    qtbot.waitUntil(lambda: "undone" in wizard.outcome.text())
    assert "5 volunteers were removed" in wizard.outcome.text()
    assert context.undo_stack.canRedo()

    # Redo from the stack imports them again; Undo from the stack removes them again.
    context.undo_stack.redo()
    qtbot.waitUntil(lambda: len(volunteer_names(qualified)) == 5, timeout=10_000)
    settle(qtbot, context)
    context.undo_stack.undo()
    qtbot.waitUntil(lambda: volunteer_names(qualified) == [], timeout=10_000)
    settle(qtbot, context)


def test_a_refused_undo_says_why_and_leaves_the_stack_honest(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    services = context.services
    wizard = open_wizard_on(qtbot, context, DATA / "volunteers-excel-windows-1252.csv")
    go_to_check(qtbot, wizard)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=10_000)
    result = wizard.import_result
    assert result is not None
    # Someone imported is given a shift meanwhile: the import can no longer be undone.
    some = services.assignments.list()[0]
    from organizer.services import AssignmentDraft

    services.assignments.create(
        AssignmentDraft(
            shift_id=some.shift_id,
            volunteer_id=result.volunteer_ids[0],
            occurrence_start=some.occurrence_start,
        )
    )
    qtbot.mouseClick(wizard.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not be undone" in wizard.done_notice.shown_text, timeout=10_000)
    assert "shifts on record" in wizard.done_notice.shown_text
    assert "José Álvarez" in volunteer_names(demo)
    assert context.undo_stack.canUndo() and not context.undo_stack.canRedo()
    settle(qtbot, context)


def test_problem_rows_are_listed_with_their_reasons_and_must_be_left_out(
    qtbot: QtBot, qualified: Database, context: ViewContext, tmp_path: Path
) -> None:
    wizard = open_wizard_on(qtbot, context, DATA / "volunteers-problems.csv")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wizard.date_order.setCurrentIndex(wizard.date_order.findData(DateOrder.DAY_FIRST))
    go_to_check(qtbot, wizard)

    model = wizard.issues_model
    rows = {
        model.index(r, NAME).data(): (model.index(r, KIND).data(), model.index(r, WHAT).data())
        for r in range(model.rowCount())
    }
    assert rows["(no name)"] == ("Problem", "Name: missing (every row needs a name).")
    assert "“sam.patel@example” is not an email address" in rows["Sam Patel"][1]
    assert "February 2024 has 29 days" in rows["Chen Wang"][1]
    assert "Forklift licence" in rows["Eilidh Fraser"][1]
    assert "“12” is not a phone number" in rows["Jun Sato"][1]
    problem = next(r for r in range(model.rowCount()) if model.index(r, NAME).data() == "Jun Sato")
    assert model.index(problem, IMPORT).data(Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Unchecked
    )
    assert "5 rows have problems" in wizard.check_summary.text()
    assert not wizard.next_button.isEnabled(), "problem rows must be left out first"
    render(wizard, tmp_path, "import-problems")

    qtbot.mouseClick(wizard.leave_out_check, Qt.MouseButton.LeftButton)
    assert wizard.next_button.isEnabled()
    assert wizard.next_button.text().replace("&", "") == "Import 2 volunteers"
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=10_000)
    assert volunteer_names(qualified) == ["Kofi Mensah", "Priya Shah"]
    settle(qtbot, context)


def test_an_unreadable_file_is_named_on_the_first_step(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    wizard = ImportWizard(context)
    show(qtbot, wizard)
    qtbot.keyClicks(wizard.file_field.line, str(tmp_path / "old.xls"))
    qtbot.waitUntil(lambda: wizard.file_problem.shown_text != "", timeout=5_000)
    assert "old.xls" in wizard.file_problem.shown_text
    assert not wizard.next_button.isEnabled()


def test_a_workbook_offers_its_sheets(
    qtbot: QtBot, qualified: Database, context: ViewContext
) -> None:
    wizard = open_wizard_on(qtbot, context, DATA / "volunteers-merged-header.xlsx")
    assert wizard.sheet_combo.isVisible()
    assert [wizard.sheet_combo.itemText(i) for i in range(wizard.sheet_combo.count())] == [
        "Volunteers",
        "Notes",
    ]
    assert "4 rows" in wizard.file_state.text()
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.sample_model.index(0, 0).data() == "Amira Haddad"


# Duplicates and flagged sign-ups -----------------------------------------------------------


def test_merging_a_duplicate_pair_moves_their_shifts(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    dismissed: set[tuple[int, int]] = set()
    dialog = DuplicatesDialog(context, dismissed)
    dialog.resize(980, 600)
    show(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10_000)
    qtbot.waitUntil(lambda: dialog.compare.preview is not None)
    pair = dialog.selected()
    assert pair is not None
    assert (pair.first_name, pair.second_name) == ("John Smith", "Jon Smith")
    assert "Same phone number" in pair.pair.reasons
    keep, other = pair.pair.first, pair.pair.second
    before = assignments_of(demo, keep) + assignments_of(demo, other)
    assert assignments_of(demo, other) > 0
    assert dialog.compare.values["name", 1].text() == "John Smith"
    assert dialog.compare.values["name", 2].text() == "Jon Smith"
    render(dialog, tmp_path, "duplicates")

    dialog.compare.keep_first.setChecked(True)
    seen: list[str] = []
    answer_box("Merge", seen)
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Merged" in dialog.notice.shown_text, timeout=10_000)
    assert "Merge “Jon Smith” into “John Smith”?" in seen[0]
    assert "move from “Jon Smith”" in seen[0]
    assert "cannot be undone" in seen[0]
    assert assignments_of(demo, keep) == before
    assert assignments_of(demo, other) == 0
    assert "Jon Smith" not in volunteer_names(demo)
    assert dialog.model.rowCount() == 1

    # "Not the same person" hides the other pair, also when looking again.
    qtbot.waitUntil(lambda: dialog.compare.preview is not None)
    qtbot.mouseClick(dialog.different_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 0
    assert len(dismissed) == 1
    qtbot.mouseClick(dialog.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.model.rowCount() == 0
    assert "No likely duplicates" in dialog.notice.shown_text
    settle(qtbot, context)


def test_flagged_sign_ups_can_be_cleared(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    dialog = FlaggedDialog(context)
    dialog.resize(820, 480)
    show(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.flag_button.isVisible(), timeout=10_000)
    assert dialog.model.rowCount() == 0
    qtbot.mouseClick(dialog.flag_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4, timeout=10_000)
    settle(qtbot, context)
    names = [dialog.model.index(r, 0).data() for r in range(4)]
    assert "UbvpwcMergo" in names
    reasons = dialog.model.index(names.index("UbvpwcMergo"), 2).data()
    assert "no email or phone" in reasons
    render(dialog, tmp_path, "flagged")

    dialog.table.selectRow(names.index("john Moyzakis"))
    qtbot.mouseClick(dialog.fine_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10_000)
    assert "no longer flagged" in dialog.notice.shown_text
    settle(qtbot, context)


# Export --------------------------------------------------------------------------------


def test_export_writes_a_csv_without_sensitive_columns_by_default(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    dialog = ExportDialog(context, folder=tmp_path)
    show(qtbot, dialog)
    assert not dialog.warning.isVisible()
    sensitive_labels = [
        dialog.columns.index(r, 0).data()
        for r in range(dialog.columns.rowCount())
        if dialog.columns.items[r].key in SENSITIVE_COLUMNS
    ]
    assert "Phone — sensitive" in sensitive_labels
    render(dialog, tmp_path, "export")

    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=10_000)
    written = tmp_path / "volunteers.csv"
    with written.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Id", "Name", "Email"]
    for label in ("Phone", "Emergency contact", "Notes", "Health notes"):
        assert label not in rows[0]
    active = len([v for v in context.services.volunteers.search("", limit=10_000)])
    assert len(rows) - 1 == active
    assert f"Exported {active} volunteers" in dialog.notice.shown_text

    dialog.set_column("health_notes", True)
    assert dialog.warning.isVisible()
    assert "Health notes" in dialog.warning.text()
    render(dialog, tmp_path, "export-sensitive")
    qtbot.mouseClick(dialog.usual_button, Qt.MouseButton.LeftButton)
    assert not dialog.warning.isVisible()
    dialog.file_field.set_path(tmp_path / "volunteers.ods")
    assert not dialog.export_button.isEnabled()
    assert ".csv or .xlsx" in dialog.notice.shown_text


# Privacy -----------------------------------------------------------------------------------


def test_erasing_someone_needs_their_name_and_keeps_their_hours(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    services = context.services
    person = next(
        v for v in services.volunteers.search("", limit=1000) if assignments_of(demo, v.id) > 0
    )
    shifts = assignments_of(demo, person.id)
    dialog = EraseDialog(context, person.id, person.name)
    show(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.version is not None, timeout=10_000)
    assert f"{shifts} shifts on record" in dialog.explain.text()
    assert f"“Former volunteer #{person.id}”" in dialog.explain.text()
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, person.name[:-1])
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, person.name[-1])
    assert dialog.erase_button.isEnabled()
    render(dialog, tmp_path, "erase")

    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.erasure is not None, timeout=10_000)
    assert services.volunteers.get(person.id).name == f"Former volunteer #{person.id}"
    assert assignments_of(demo, person.id) == shifts
    assert "stay as “Former volunteer" in dialog.notice.shown_text


def test_a_persons_data_is_written_to_json(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    person = context.services.volunteers.search("Noor")[0]
    dialog = PersonDataDialog(context, person.id, person.name, folder=tmp_path)
    show(qtbot, dialog)
    assert dialog.file_field.path() == tmp_path / "Noor Hussain personal data.json"
    render(dialog, tmp_path, "person-data")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=10_000)
    data = json.loads((tmp_path / "Noor Hussain personal data.json").read_text("utf-8"))
    assert data["volunteer"]["name"] == "Noor Hussain"


def test_anonymise_inactive_previews_who_then_runs(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    services = context.services
    old = services.volunteers.create(VolunteerDraft(name="Olive Oldham", joined_on=MONDAY))
    services.volunteers.create(VolunteerDraft(name="Nia New", joined_on=MONDAY))
    with db.write() as session:  # Olive's record last changed three years ago
        row = session.get(Volunteer, old.id)
        assert row is not None
        row.updated_at = datetime(2022, 1, 5, tzinfo=LONDON)
    dialog = AnonymiseDialog(context)
    show(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.loaded_months == 24, timeout=10_000)
    assert [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())] == [
        "Olive Oldham"
    ]
    assert dialog.run_button.text().replace("&", "") == "Anonymise 1 volunteer…"
    render(dialog, tmp_path, "anonymise")

    seen: list[str] = []
    answer_box("Anonymise", seen)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Anonymised 1 volunteer" in dialog.notice.shown_text, timeout=10_000)
    assert "cannot be undone" in seen[0]
    assert volunteer_names(db) == [f"Former volunteer #{old.id}", "Nia New"]
    settle(qtbot, context)


# Newcomers on Home -------------------------------------------------------------------------


def test_ticking_welcomed_on_home_is_saved_and_undone(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    page = HomePage(context, clock=lambda: NOW)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitExposed(page)
    panel = page.newcomer_panel
    qtbot.waitUntil(lambda: panel.checklist is not None, timeout=10_000)
    newest = [n.name for n in context.services.onboarding.newest(8)]
    shown = [
        page.newcomers_model.index(r, 0).data() for r in range(page.newcomers_model.rowCount())
    ]
    assert shown == newest
    noor = context.services.volunteers.search("Noor Hussain")[0]
    with qtbot.waitSignal(panel.checklist_shown):
        panel.select(noor.id)
    assert panel.box.title.text() == "Noor Hussain"
    welcomed = panel.box.boxes[next(iter(panel.box.boxes))]
    assert welcomed.text() == "Welcomed" and not welcomed.isChecked()
    render(page, tmp_path, "home-newcomers")

    qtbot.mouseClick(welcomed, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: context.services.onboarding.checklist(noor.id).welcomed_on == NOW.date(),
        timeout=10_000,
    )
    qtbot.waitUntil(context.undo_stack.canUndo)
    assert context.undo_stack.undoText() == "Mark Noor Hussain welcomed"
    qtbot.waitUntil(lambda: panel.checklist is not None and panel.checklist.done == 1)
    assert welcomed.isChecked()
    assert panel.box.progress.text() == "1 of 4 steps done"

    context.undo_stack.undo()
    assert context.services.onboarding.checklist(noor.id).welcomed_on is None
    qtbot.waitUntil(lambda: not welcomed.isChecked(), timeout=10_000)
    assert panel.checklist is not None and panel.checklist.volunteer_id == noor.id
    settle(qtbot, context)


def test_suggesting_a_buddy_shows_why_and_assigns_them(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    page = HomePage(context, clock=lambda: NOW)
    qtbot.addWidget(page)
    page.show()
    panel = page.newcomer_panel
    qtbot.waitUntil(lambda: panel.checklist is not None, timeout=10_000)
    newcomer = panel.checklist
    assert newcomer is not None
    dialog = panel.suggest_buddy()
    assert isinstance(dialog, BuddyDialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    assert dialog.model.rowCount() > 0
    reason = dialog.model.index(0, 0).data()
    assert " has done " in reason and reason.endswith(".")
    render(dialog, tmp_path, "buddy")
    chosen = dialog.selected()
    assert chosen is not None
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            context.services.onboarding.checklist(newcomer.volunteer_id).buddy_id
            == chosen.volunteer_id
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: panel.box.boxes[next(reversed(panel.box.boxes))].isChecked())
    qtbot.waitUntil(context.undo_stack.canUndo)
    context.undo_stack.undo()
    assert context.services.onboarding.checklist(newcomer.volunteer_id).buddy_id is None
    settle(qtbot, context)


# The Volunteers page, models, read-only ------------------------------------------------------


def test_the_volunteers_page_offers_the_record_actions(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    page = VolunteersPage(context)
    page.resize(1100, 640)
    show(qtbot, page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.loading, timeout=10_000)
    people = page.people
    texts = [b.text() for b in (people.import_button, people.export_button, people.more_button)]
    assert texts == ["&Import…", "E&xport…", "More"]
    assert people.buttons() == [people.import_button, people.export_button, people.more_button]
    menu = [a.text() for a in page.people.menu.actions() if a.text()]
    assert menu == [
        "Find &duplicates…",
        "Review &flagged sign-ups",
        "&Anonymise inactive volunteers…",
    ]
    render(page, tmp_path, "volunteers-page")
    wizard = page.people.open_import()
    assert wizard.isVisible() and wizard.parent() is page
    wizard.reject()
    settle(qtbot, context)


def test_a_read_only_file_disables_the_editing_actions(qtbot: QtBot, db_path: Path) -> None:
    create_database(db_path).close()
    read_only = open_database(db_path, read_only=True)
    try:
        context = make_context(read_only)
        page = VolunteersPage(context)
        show(qtbot, page)
        assert not page.people.import_button.isEnabled()
        assert not page.people.export_button.isEnabled()
        assert not page.people.anonymise_action.isEnabled()
        assert page.people.duplicates_action.isEnabled()
        dialog = DuplicatesDialog(context, set())
        show(qtbot, dialog)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
        assert not dialog.merge_button.isEnabled()
        settle(qtbot, context)
    finally:
        read_only.close()


def test_the_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, qualified: Database, context: ViewContext
) -> None:
    wizard = open_wizard_on(qtbot, context, DATA / "volunteers-problems.csv")
    go_to_check(qtbot, wizard)
    issues: IssuesModel = wizard.issues_model
    assert issues.rowCount() > 0
    qtmodeltester.check(issues)  # type: ignore[attr-defined]
    wizard.go_to(COLUMNS)
    assert wizard.sample_model.rowCount() > 0
    qtmodeltester.check(wizard.sample_model)  # type: ignore[attr-defined]
    columns = ColumnsModel()
    from organizer.people.exporting import COLUMNS as EXPORT_COLUMNS
    from organizer.people.exporting import DEFAULT_COLUMNS

    columns.set_columns(EXPORT_COLUMNS, DEFAULT_COLUMNS)
    qtmodeltester.check(columns)  # type: ignore[attr-defined]
    for empty in (PairsModel(), RetentionModel(), SuggestionsModel()):
        qtmodeltester.check(empty)  # type: ignore[attr-defined]
    settle(qtbot, context)


def test_the_list_models_with_rows_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, demo: Database, context: ViewContext
) -> None:
    duplicates = DuplicatesDialog(context, set())
    show(qtbot, duplicates)
    qtbot.waitUntil(lambda: duplicates.model.rowCount() > 0, timeout=10_000)
    qtmodeltester.check(duplicates.model)  # type: ignore[attr-defined]
    flagged = FlaggedDialog(context)
    show(qtbot, flagged)
    qtbot.waitUntil(lambda: not flagged.busy, timeout=10_000)
    settle(qtbot, context)
    context.services.duplicates.flag_spam()
    flagged.reload()
    qtbot.waitUntil(lambda: flagged.model.rowCount() > 0, timeout=10_000)
    qtmodeltester.check(flagged.model)  # type: ignore[attr-defined]
    settle(qtbot, context)
