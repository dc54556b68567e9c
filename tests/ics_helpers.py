"""Calendar files the tests make: a volunteer's reply to an invitation."""

from __future__ import annotations

from datetime import datetime

import icalendar


def reply_bytes(uid: str, email: str, answer: str, stamp: datetime) -> bytes:
    """A METHOD:REPLY calendar in which ``email`` answers ``answer`` (a PARTSTAT) to ``uid``."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//Test//Calendar//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", "REPLY")
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp)
    event.add("SEQUENCE", 0)
    attendee = icalendar.vCalAddress(f"mailto:{email}")
    attendee.params["PARTSTAT"] = answer
    event.add("ATTENDEE", attendee)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
