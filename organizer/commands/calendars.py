"""Calendar file subcommands: ``export-ics``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from organizer.commands import EXIT_OK, Handler, open_existing
from organizer.commands.calendars_import import add_import_commands
from organizer.errors import DomainError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a real date (use YYYY-MM-DD)") from None


def _add_export(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    export = commands.add_parser(
        "export-ics",
        parents=[common],
        help="write events, or one volunteer's shifts, as an .ics calendar file",
    )
    export.add_argument("--cause", metavar="NAME|ID", help="only this cause's events")
    export.add_argument("--event", type=int, metavar="ID", help="only this event")
    export.add_argument(
        "--volunteer", type=int, metavar="ID", help="this volunteer's own shifts instead"
    )
    export.add_argument("--from", dest="from_day", type=_day, metavar="DATE")
    export.add_argument("--to", dest="to_day", type=_day, metavar="DATE", help="exclusive")
    export.add_argument(
        "--contact", metavar="'NAME <EMAIL>'", help="who volunteers should ask (in descriptions)"
    )
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="a file, or -")
    return {"export-ics": _export_ics}


def add_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add the calendar file subcommands; return their handlers by name."""
    handlers: dict[str, Handler] = {}
    for add in (_add_export, add_import_commands):
        handlers.update(add(commands, common))
    return handlers


def _export_ics(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from sqlalchemy import select

    from organizer.ics.export import Scope, personal_schedule, schedule
    from organizer.ics.invitations import personal_items
    from organizer.models import Cause, Event, Volunteer
    from organizer.models.ids import CauseId, EventId, VolunteerId

    starts = _instant(args.from_day) if args.from_day else None
    ends = _instant(args.to_day) if args.to_day else None
    if starts and ends and ends <= starts:
        raise DomainError("--to must be after --from.")
    contact = _person(args.contact) if args.contact else None
    now = datetime.now(UTC)
    db = open_existing(target)
    try:
        with db.read() as session:
            cause_id = None
            if args.cause is not None:
                found = session.scalar(select(Cause.id).where(Cause.name == args.cause))
                if found is None and args.cause.isdigit():
                    found = session.scalar(select(Cause.id).where(Cause.id == int(args.cause)))
                if found is None:
                    raise DomainError(f"There is no cause “{args.cause}”.")
                cause_id = CauseId(found)
            if args.event is not None and session.get(Event, args.event) is None:
                raise DomainError(f"There is no event {args.event}.")
            if args.volunteer is not None:
                volunteer = session.get(Volunteer, args.volunteer)
                if volunteer is None:
                    raise DomainError(f"There is no volunteer {args.volunteer}.")
                vid = VolunteerId(args.volunteer)
                items = personal_items(
                    session,
                    [vid],
                    starts=starts or datetime(1900, 1, 1, tzinfo=UTC),
                    ends=ends or datetime(9000, 1, 1, tzinfo=UTC),
                    contact=contact,
                ).get(vid, [])
                if cause_id is not None or args.event is not None:
                    items = _only_matching(items, session, cause_id, args.event)
                data = personal_schedule(items, now=now, name=f"{volunteer.name}: my shifts")
                what = f"{len(items)} shifts"
            else:
                scope = Scope(
                    cause_id=cause_id,
                    event_id=EventId(args.event) if args.event is not None else None,
                    starts=starts,
                    ends=ends,
                )
                data = schedule(session, scope, now=now, name="Organizer", contact=contact)
                what = f"{data.count(b'BEGIN:VEVENT')} events"
    finally:
        db.close()
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    try:
        Path(args.output).write_bytes(data)
    except OSError as error:
        raise DomainError(f"Cannot write {args.output}: {error.strerror}.") from error
    print(f"Wrote {what} to {args.output}", file=out)
    return EXIT_OK


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _person(text: str) -> Any:
    from email.utils import parseaddr

    from organizer.ics.invitations import Person

    name, email = parseaddr(text)
    if not email or "@" not in email:
        raise DomainError(f"--contact “{text}” is not like 'Name <name@example.org>'.")
    return Person(name or email, email)


def _only_matching(items: list[Any], session: Any, cause_id: Any, event_id: Any) -> list[Any]:
    from sqlalchemy import select

    from organizer.models import Assignment, Event, Shift

    query = select(Assignment.uid).join(Shift, Shift.id == Assignment.shift_id)
    query = query.join(Event, Event.id == Shift.event_id)
    if cause_id is not None:
        query = query.where(Event.cause_id == cause_id)
    if event_id is not None:
        query = query.where(Event.id == event_id)
    wanted = set(session.scalars(query))
    return [item for item in items if item.uid in wanted]
