"""Routing a save that lost the race into the conflict dialog, for each kind of editor.

Each adapter loads their version in the background, shows :class:`ConflictDialog`, and then
does what the person chose: show theirs, or save mine (all of it, or merged) on top of their
version number, so the save goes through the normal undoable path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QWidget

from organizer.errors import ConflictError
from organizer.recurrence import describe
from organizer.services import EventDraft, VolunteerDraft
from organizer.services.series import RoleDraft, Scope
from organizer.ui.sharing.conflict_dialog import Choice, ConflictDialog, FieldVersions
from organizer.ui.volunteers.record import VolunteerRecord
from organizer.ui.worker import submit_owned

if TYPE_CHECKING:
    from organizer.models import Volunteer
    from organizer.ui.events.editor import EditorData, EventEditor
    from organizer.ui.places import RecordDialog, UndoableRecords
    from organizer.ui.volunteers.editor import VolunteerEditor

VOLUNTEER_LABELS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "pronouns": "Pronouns",
    "joined_on": "Joined on",
    "timezone": "Time zone",
    "active": "Active",
    "max_hours_per_week": "Hours a week",
    "max_hours_per_month": "Hours a month",
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency phone",
    "notes": "Notes",
    "qualifications": "Qualifications",
    "availability": "Weekly availability",
    "blackouts": "Dates away",
    "consents": "Consent",
}
_LISTS = ("qualifications", "availability", "blackouts", "consents")


def _list_text(items: Any) -> str:
    if not items:
        return "—"
    return f"{len(items)} " + ("entry" if len(items) == 1 else "entries")


def volunteer_fields(
    base: VolunteerRecord, mine: VolunteerRecord, theirs: VolunteerRecord
) -> list[FieldVersions]:
    """Each field of a volunteer record in the three versions (lists compared whole)."""
    base, mine, theirs = base.normalised(), mine.normalised(), theirs.normalised()
    fields = [
        FieldVersions(
            f.name,
            VOLUNTEER_LABELS.get(f.name, f.name.replace("_", " ").capitalize()),
            getattr(base.draft, f.name),
            getattr(mine.draft, f.name),
            getattr(theirs.draft, f.name),
        )
        for f in dataclasses.fields(VolunteerDraft)
    ]
    fields += [
        FieldVersions(
            key,
            VOLUNTEER_LABELS[key],
            getattr(base, key),
            getattr(mine, key),
            getattr(theirs, key),
            show=_list_text,
        )
        for key in _LISTS
    ]
    return fields


def volunteer_record(values: dict[str, Any]) -> VolunteerRecord:
    """The record made of field ``values`` (as :meth:`ConflictDialog.values` gives them)."""
    draft = VolunteerDraft(**{f.name: values[f.name] for f in dataclasses.fields(VolunteerDraft)})
    return VolunteerRecord(draft=draft, **{key: tuple(values[key]) for key in _LISTS})


def resolve_volunteer_conflict(editor: VolunteerEditor, error: ConflictError) -> None:
    """Load their version of the editor's volunteer and ask what to keep."""
    base, mine, volunteer_id = editor.loaded, editor.record(), editor.volunteer_id
    if base is None or volunteer_id is None:
        editor.show_error(error)
        return
    volunteers = editor.context.services.volunteers
    editor.show_error(error)  # says who changed it while their version loads

    def loaded(row: Volunteer) -> None:
        theirs = VolunteerRecord.of(row)
        dialog = ConflictDialog(error, "volunteer", volunteer_fields(base, mine, theirs), editor)
        dialog.finished.connect(lambda _result: chosen(dialog, row, theirs))
        editor.conflict_dialog = dialog  # type: ignore[attr-defined]
        dialog.open()

    def chosen(dialog: ConflictDialog, row: Volunteer, theirs: VolunteerRecord) -> None:
        dialog.deleteLater()
        if dialog.choice is None:
            # Still based on what was loaded: saving again asks again, never overwrites.
            editor.general.say("Nothing saved yet: Save again to choose what to keep.")
            return
        editor.loaded, editor.version = theirs, row.version
        editor.clear_problems()
        if dialog.choice is Choice.RELOAD_THEIRS:
            editor.fill(theirs)
            editor.initial = editor.record().normalised()
            editor.general.say(f"Showing {row.updated_by or 'their'}'s version; yours was dropped.")
            return
        editor.fill(volunteer_record(dialog.values()))
        editor.initial = theirs.normalised()
        editor.save()

    submit_owned(
        editor.context.worker,
        editor,
        lambda: volunteers.get(volunteer_id),
        on_done=loaded,
        on_error=editor._failed,
    )


def fill_record_dialog(dialog: RecordDialog, draft: Any) -> None:
    """Show ``draft``'s values in a cause or location form."""
    for key, (widget, _) in dialog.fields.items():
        value = getattr(draft, key)
        if isinstance(widget, QLineEdit):
            widget.setText(value or "")
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value or "")
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif hasattr(widget, "set_colour"):
            widget.set_colour(value)


def guarded_change(
    dialog: RecordDialog,
    keeper: UndoableRecords[Any, Any],
    row: Any,
    on_done: Callable[[Any], None],
) -> Callable[[Any], None]:
    """The save for a cause/location form: a conflict opens the dialog instead of an error."""
    state = {"row": row}

    def save(draft: Any) -> None:
        keeper.change(state["row"], draft, on_done, failed(draft))

    def failed(draft: Any) -> Callable[[Exception], None]:
        def handle(error: Exception) -> None:
            if not isinstance(error, ConflictError):
                dialog.show_error(error)
                return
            dialog.show_error(error)  # says who changed it while their version loads
            base_row = state["row"]
            keeper.context.worker.submit(
                lambda: keeper.service.get(base_row.id),
                on_done=lambda theirs: ask(error, draft, base_row, theirs),
                on_error=dialog.show_error,
            )

        return handle

    def ask(error: ConflictError, mine: Any, base_row: Any, theirs_row: Any) -> None:
        base, theirs = keeper.draft_of(base_row), keeper.draft_of(theirs_row)
        fields = [
            FieldVersions(
                key,
                _label(widget),
                getattr(base, key),
                getattr(mine, key),
                getattr(theirs, key),
            )
            for key, (widget, _) in dialog.fields.items()
        ]
        conflict = ConflictDialog(error, keeper.service.entity, fields, dialog)
        dialog.conflict_dialog = conflict  # type: ignore[attr-defined]
        conflict.finished.connect(lambda _result: chosen(conflict, error, mine, theirs_row))
        conflict.open()

    def chosen(conflict: ConflictDialog, error: ConflictError, mine: Any, theirs_row: Any) -> None:
        conflict.deleteLater()
        dialog.set_busy(False)
        if conflict.choice is None:
            return  # still based on the old version: saving again asks again
        state["row"] = theirs_row
        if conflict.choice is Choice.RELOAD_THEIRS:
            dialog.clear_problems()
            fill_record_dialog(dialog, keeper.draft_of(theirs_row))
            return
        dialog.clear_problems()
        values = conflict.values()
        draft = dataclasses.replace(mine, **{key: values[key] for key in dialog.fields})
        fill_record_dialog(dialog, draft)
        dialog.set_busy(True)
        save(draft)

    return save


def _label(widget: QWidget) -> str:
    return widget.accessibleName() or widget.objectName()


EVENT_LABELS = {
    "title": "Title",
    "description": "Description",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "all_day": "All day",
    "timezone": "Time zone",
    "cause_id": "Cause",
    "location_id": "Location",
    "capacity": "Capacity",
    "status": "Status",
    "rrule": "Repeat",
    "roles": "Roles",
}


def event_fields(
    base: EditorData, mine: EventDraft, mine_roles: tuple[RoleDraft, ...], theirs: EditorData
) -> list[FieldVersions]:
    """Each field of an event (and its roles, compared whole) in the three versions."""
    assert base.shown is not None and theirs.shown is not None
    zone = theirs.shown.timezone
    causes = {key: name for key, name, _, _ in (*base.causes, *theirs.causes)}
    places = {key: name for key, name in (*base.locations, *theirs.locations)}
    shows: dict[str, Callable[[Any], str]] = {
        "starts_at": lambda value: _moment_text(value, zone),
        "ends_at": lambda value: _moment_text(value, zone),
        "cause_id": lambda value: causes.get(value, "No cause") if value else "No cause",
        "location_id": lambda value: places.get(value, "No place") if value else "No place",
        "capacity": lambda value: "No limit" if not value else str(value),
        "status": lambda value: str(value.value).capitalize(),
        "rrule": lambda value: describe(value, zone),
    }
    fields = [
        FieldVersions(
            f.name,
            EVENT_LABELS[f.name],
            getattr(base.shown, f.name),
            getattr(mine, f.name),
            getattr(theirs.shown, f.name),
            show=shows.get(f.name),
        )
        for f in dataclasses.fields(EventDraft)
    ]
    fields.append(
        FieldVersions("roles", EVENT_LABELS["roles"], base.roles, mine_roles, theirs.roles, _roles)
    )
    return fields


def _moment_text(value: datetime, zone: str) -> str:
    return f"{value.astimezone(ZoneInfo(zone)):%a %d %b %Y %H:%M} ({zone})"


def _roles(roles: tuple[RoleDraft, ...]) -> str:
    return ", ".join(f"{role.role} × {role.needed}" for role in roles) or "—"


def resolve_event_conflict(editor: EventEditor, error: ConflictError) -> None:
    """Load their version of the editor's event and ask what to keep.

    Only a save of the whole event (a one-off, or every date of a series) can be merged; a
    change to one date, or to this date and the following ones, says plainly to reopen.
    """
    from organizer.ui.events.editor import load_editor_data
    from organizer.ui.events.fields import submit

    base, scope, occurrence = editor.data, editor.saving_scope, editor.occurrence
    if base is None or base.event is None or base.shown is None or scope is not Scope.ALL:
        editor.banner.show_problem(
            f"{error.changed_by or 'Someone else'} changed this event after you opened it, so "
            "nothing was saved. Close the editor and open the event again to see their "
            "version, then make your change."
        )
        return
    mine, mine_roles = editor.draft(), tuple(editor.roles.model.roles())
    editor.banner.show_problem(str(error))  # says who changed it while their version loads
    event_id = base.event.id

    def loaded(theirs: EditorData) -> None:
        fields = event_fields(base, mine, mine_roles, theirs)
        dialog = ConflictDialog(error, "event", fields, editor)
        dialog.finished.connect(lambda _result: chosen(dialog, theirs))
        editor.conflict_dialog = dialog  # type: ignore[attr-defined]
        dialog.open()

    def chosen(dialog: ConflictDialog, theirs: EditorData) -> None:
        dialog.deleteLater()
        if dialog.choice is None:
            # Still based on what was loaded: saving again asks again, never overwrites.
            editor.banner.show_message("Nothing saved yet: Save again to choose what to keep.")
            return
        assert theirs.series is not None
        editor.clear_problems()
        if dialog.choice is Choice.RELOAD_THEIRS:
            editor.data = theirs
            editor.fill(theirs)
            who = theirs.event.updated_by if theirs.event else None
            editor.banner.show_message(f"Showing {who or 'their'}'s version; yours was dropped.")
            return
        values = dialog.values()
        draft = EventDraft(**{f.name: values[f.name] for f in dataclasses.fields(EventDraft)})
        series = dataclasses.replace(theirs.series, rrule=draft.rrule)
        editor.fill(dataclasses.replace(theirs, shown=draft, series=series, roles=values["roles"]))
        editor.data = theirs
        editor.save_again(scope)

    submit(
        editor,
        editor.context,
        lambda: load_editor_data(editor.context, event_id, occurrence),
        loaded,
        editor._save_failed,
    )
