"""``organizer publish`` and ``organizer publish-settings``: invitations, feeds and settings."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from organizer.commands import EXIT_OK, Handler, open_existing, progress_printer
from organizer.errors import DomainError, PasswordStoreError
from organizer.wording import english_date

if TYPE_CHECKING:
    from organizer.ics.invitations import Person
    from organizer.services.settings import OrganisationSettings, SettingsService

PASSWORD_VARIABLE = "ORGANIZER_SMTP_PASSWORD"
"""An environment variable holding the mail password for one run (it is not saved)."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a real date (use YYYY-MM-DD)") from None


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number") from None


def _reminder(text: str) -> int | None:
    if text.strip().lower() in {"none", "off", ""}:
        return None
    return _whole(text)


def add_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add ``publish`` and ``publish-settings``."""
    publish = commands.add_parser(
        "publish",
        parents=[common],
        help="send volunteers invitations for new and changed shifts, and cancellations",
        description="Work out what each volunteer has not been sent yet (new, changed or "
        "cancelled shifts) and write it as .ics files into a folder or email it.",
    )
    publish.add_argument(
        "--from", dest="starts", type=_day, metavar="DATE", help="first day (default: now)"
    )
    publish.add_argument(
        "--to", dest="ends", type=_day, metavar="DATE", help="last day (default: 8 weeks ahead)"
    )
    publish.add_argument(
        "--volunteer",
        type=_whole,
        action="append",
        metavar="ID",
        help="only this volunteer (repeat for more)",
    )
    target = publish.add_mutually_exclusive_group()
    target.add_argument("--outbox", type=Path, metavar="DIR", help="write .ics files here")
    target.add_argument("--smtp", action="store_true", help="email them (publish-settings)")
    publish.add_argument("--dry-run", action="store_true", help="only show what would be sent")
    publish.add_argument(
        "--feeds",
        type=Path,
        metavar="DIR",
        help="also bring this folder of calendar feeds up to date",
    )

    settings = commands.add_parser(
        "publish-settings",
        parents=[common],
        help="show or change who invitations come from and how mail is sent",
    )
    settings.add_argument("--organiser-name", metavar="NAME")
    settings.add_argument("--organiser-email", metavar="EMAIL")
    settings.add_argument(
        "--reminder", type=_reminder, default=argparse.SUPPRESS, metavar="MINUTES|none"
    )
    settings.add_argument("--smtp-host", metavar="HOST")
    settings.add_argument("--smtp-port", type=_whole, metavar="PORT")
    settings.add_argument("--smtp-security", choices=["none", "starttls", "tls"])
    settings.add_argument("--smtp-user", metavar="USER")
    settings.add_argument(
        "--set-password",
        action="store_true",
        help=f"keep the mail password in the system keyring (asked, or from ${PASSWORD_VARIABLE})",
    )
    settings.add_argument("--forget-password", action="store_true")
    return {"publish": _publish, "publish-settings": _publish_settings}


def _period(args: argparse.Namespace, now: datetime) -> tuple[datetime, datetime]:
    from organizer.ics.publish import default_period
    from organizer.timezones import local_zone_name

    zone = ZoneInfo(local_zone_name())
    starts, ends = default_period(now)
    if args.starts is not None:
        starts = max(starts, datetime.combine(args.starts, time(), zone).astimezone(UTC))
    if args.ends is not None:
        ends = datetime.combine(args.ends + timedelta(days=1), time(), zone).astimezone(UTC)
    if ends <= starts:
        raise DomainError("Nothing to publish: the period ends before it starts (or is past).")
    return starts, ends


def _organiser(settings: OrganisationSettings) -> Person:
    from organizer.ics.invitations import Person

    if not settings.organiser_email:
        raise DomainError(
            "Set who invitations come from first: organizer publish-settings "
            "--organiser-name NAME --organiser-email EMAIL"
        )
    return Person(settings.organiser_name or settings.organiser_email, settings.organiser_email)


def _password(service: SettingsService, settings: OrganisationSettings) -> str | None:
    """The mail password: for this run from the environment, else the keyring, else asked."""
    if not settings.smtp_user:
        return None
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    problem: PasswordStoreError | None = None
    try:
        kept = service.smtp_password(settings)
    except PasswordStoreError as error:
        kept, problem = None, error
    if kept is not None:
        return kept
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Mail password for {settings.smtp_user} on {settings.smtp_host}: ")
    reason = problem.message if problem else "No mail password is kept for this server."
    raise PasswordStoreError(f"{reason} Set {PASSWORD_VARIABLE} to give one for this run.")


def _publish(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.ics.feeds import update_feeds
    from organizer.ics.mail import MailConnection, SmtpConfig
    from organizer.ics.publish import OutboxSink, Sink, SmtpSink, execute_publish, plan_publish
    from organizer.models.ids import VolunteerId
    from organizer.services import default_actor
    from organizer.services.settings import SettingsService

    if args.outbox is None and not args.smtp and not args.dry_run and args.feeds is None:
        raise DomainError("Choose where to send: --outbox DIR or --smtp (or --dry-run to look).")
    now = datetime.now(UTC)
    starts, ends = _period(args, now)
    db = open_existing(target)
    try:
        actor = default_actor()
        service = SettingsService(db, actor)
        settings = service.get()
        contact = _organiser(settings) if settings.organiser_email else None
        if args.outbox is not None or args.smtp or args.dry_run:
            wanted = None if not args.volunteer else [VolunteerId(v) for v in args.volunteer]
            with db.read() as session:
                plan = plan_publish(
                    session, starts=starts, ends=ends, volunteer_ids=wanted, contact=contact
                )
            print(
                f"Publishing {english_date(starts, '%d %b %Y %H:%M')} "
                f"to {english_date(ends, '%d %b %Y %H:%M')} UTC",
                file=out,
            )
            print("\n".join(plan.lines()), file=out)
            if args.dry_run:
                print("Dry run: nothing was sent.", file=out)
            elif not plan.is_empty:
                organizer = _organiser(settings)
                sink: Sink
                if args.smtp:
                    config = SmtpConfig.from_settings(settings, _password(service, settings))
                    sink = SmtpSink(MailConnection(config))
                else:
                    sink = OutboxSink(args.outbox)
                result = execute_publish(
                    db,
                    plan,
                    sink=sink,
                    organizer=organizer,
                    reminder_minutes=settings.reminder_minutes,
                    actor=actor,
                    now=now,
                    progress=progress_printer(),
                )
                for name, problem in result.failed:
                    print(f"Not sent to {name}: {problem}", file=out)
                where = f" (files in {args.outbox})" if args.outbox is not None else ""
                print(result.summary() + where, file=out)
        if args.feeds is not None and not args.dry_run:
            feeds = update_feeds(
                db,
                args.feeds,
                starts=starts,
                ends=ends,
                now=now,
                contact=contact,
                progress=progress_printer(),
            )
            print(f"{feeds.summary()} ({args.feeds})", file=out)
    finally:
        db.close()
    return EXIT_OK


def _publish_settings(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from dataclasses import replace

    from organizer.services import default_actor
    from organizer.services.settings import SettingsService, SmtpSecurity

    db = open_existing(target)
    try:
        service = SettingsService(db, default_actor())
        current = service.get()
        changes: dict[str, Any] = {
            name: getattr(args, name)
            for name in (
                "organiser_name",
                "organiser_email",
                "smtp_host",
                "smtp_port",
                "smtp_user",
            )
            if getattr(args, name) is not None
        }
        if hasattr(args, "reminder"):
            changes["reminder_minutes"] = args.reminder
        if args.smtp_security is not None:
            changes["smtp_security"] = SmtpSecurity(args.smtp_security)
        if changes:
            current = service.save(replace(current, **changes))
        if args.forget_password:
            service.forget_smtp_password(current)
            print("Forgot the kept mail password.", file=out)
        if args.set_password:
            password = os.environ.get(PASSWORD_VARIABLE) or getpass.getpass("Mail password: ")
            service.set_smtp_password(password, current)
            print("The mail password is kept in the system keyring.", file=out)
        reminder = (
            "none" if current.reminder_minutes is None else f"{current.reminder_minutes} minutes"
        )
        lines = [
            f"Organiser:   {current.organiser_name or '-'} <{current.organiser_email or '-'}>",
            f"Reminder:    {reminder} before",
            f"Mail server: {current.smtp_host or '-'}:{current.port} "
            f"({current.smtp_security.value})",
            f"Mail user:   {current.smtp_user or '-'}",
        ]
        print("\n".join(lines), file=out)
    finally:
        db.close()
    return EXIT_OK
