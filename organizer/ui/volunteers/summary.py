"""The side panel: what the directory may say about the selected volunteer.

Built from a :class:`~organizer.services.directory.VolunteerSummary`, which holds no phone
number, emergency contact or notes; the panel says where those are instead.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, tzinfo

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette, QTextDocument
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from organizer.models import utc_now
from organizer.services.directory import VolunteerSummary
from organizer.ui.tones import error_colour
from organizer.ui.volunteers.text import (
    day_text,
    hours_text,
    local,
    time_text,
    tr,
    weekday_names,
    when_text,
)

Tint = Callable[..., str]


class SummaryPanel(QScrollArea):
    """Shows one volunteer's summary, a "Loading…" line, or a hint to pick someone."""

    def __init__(
        self,
        zone: tzinfo | None = None,
        clock: Callable[[], datetime] = utc_now,
        parent: QWidget | None = None,
    ) -> None:
        """An empty panel; times are shown in ``zone`` (this computer's when None).

        ``clock`` says what "today" and "tomorrow" are.
        """
        super().__init__(parent)
        self.zone = zone
        self.clock = clock
        self.summary: VolunteerSummary | None = None
        self._hint = tr("Select a volunteer to see a summary here.")
        self.setAccessibleName(tr("Volunteer summary"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(240)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.label = QLabel()
        self.label.setAccessibleName(tr("Summary text"))
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setOpenExternalLinks(True)
        body = QWidget()
        body.setAccessibleName(tr("Summary"))
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.label)
        layout.addStretch(1)
        self.setWidget(body)
        self.show_hint()

    def show_hint(self, text: str | None = None) -> None:
        """Show a muted line instead of a summary (nobody selected, loading...)."""
        self.summary = None
        self._hint = text or tr("Select a volunteer to see a summary here.")
        self._render()

    def show_summary(self, summary: VolunteerSummary) -> None:
        """Show ``summary``."""
        self.summary = summary
        self._render()

    def plain_text(self) -> str:
        """What the panel says, without markup (for tests and screen readers)."""
        document = QTextDocument()
        document.setHtml(self.label.text())
        return document.toPlainText()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw in the new colours when the palette changes (dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._render()

    def _render(self) -> None:
        if self.summary is None:
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
            self.label.setText(f'<p style="color:{muted}">{html.escape(self._hint)}</p>')
        else:
            self.label.setText(self._html(self.summary))
        self.label.setAccessibleDescription(self.plain_text())

    def _html(self, summary: VolunteerSummary) -> str:
        palette = self.palette()
        muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
        alert = error_colour(palette).name()
        e = html.escape

        def tinted(text: str, colour: str = muted) -> str:
            return f'<span style="color:{colour}">{e(text)}</span>'

        def section(title: str, lines: list[str], empty: str = "") -> str:
            body = "<br>".join(lines) if lines else tinted(empty)
            heading = f"<h4 style='margin-bottom:2px'>{e(title)}</h4>"
            return f"{heading}<p style='margin-top:0'>{body}</p>"

        facts = [e(summary.pronouns)] if summary.pronouns else []
        if not summary.active:
            facts.append(f"<b>{tinted(tr('Archived'), alert)}</b>")
        if summary.email:
            facts.append(f'<a href="mailto:{e(summary.email)}">{e(summary.email)}</a>')
        joined = tr("Joined {day} · {zone}")
        facts.append(tinted(joined.format(day=day_text(summary.joined_on), zone=summary.timezone)))
        parts = [
            f"<h2 style='margin-bottom:0'>{e(summary.name)}</h2>",
            "<p style='margin-top:4px'>" + "<br>".join(facts) + "</p>",
            section(tr("This month"), self._month(summary, tinted)),
            section(
                tr("Next shifts"), [e(line) for line in self._shifts(summary)], tr("None planned")
            ),
            section(
                tr("Qualifications"),
                self._qualifications(summary, tinted, alert),
                tr("None recorded"),
            ),
            section(
                tr("Usually free"),
                [e(line) for line in self._free(summary)],
                tr("No weekly times given"),
            ),
            section(tr("Away"), [e(line) for line in self._away(summary)], tr("No dates away")),
            section(tr("Consent"), self._consents(summary, tinted), tr("None recorded")),
            f"<p><small>{tinted(private_note())}</small></p>",
        ]
        return "".join(parts)

    def _month(self, summary: VolunteerSummary, tinted: Tint) -> list[str]:
        lines = [
            html.escape(tr("{hours} hours").format(hours=hours_text(summary.hours_this_month)))
        ]
        limits = []
        if summary.max_hours_per_week:
            limits.append(
                tr("at most {hours} a week").format(hours=hours_text(summary.max_hours_per_week))
            )
        if summary.max_hours_per_month:
            limits.append(
                tr("at most {hours} a month").format(hours=hours_text(summary.max_hours_per_month))
            )
        if limits:
            lines.append(tinted(", ".join(limits)))
        return lines

    def _shifts(self, summary: VolunteerSummary) -> list[str]:
        today = local(self.clock(), self.zone).date()
        return [
            tr("{when}–{end} · {title} ({role})").format(
                when=when_text(shift.starts_at, self.zone, today),
                end=time_text(local(shift.ends_at, self.zone).time()),
                title=shift.title,
                role=shift.role,
            )
            for shift in summary.upcoming
        ]

    @staticmethod
    def _qualifications(summary: VolunteerSummary, tinted: Tint, alert: str) -> list[str]:
        lines = []
        for item in summary.qualifications:
            if item.expired and item.expires_on:
                note = tinted(tr("(expired {day})").format(day=day_text(item.expires_on)), alert)
            elif item.expires_on:
                note = tinted(tr("(until {day})").format(day=day_text(item.expires_on)))
            else:
                note = ""
            lines.append(f"{html.escape(item.name)} {note}".strip())
        return lines

    @staticmethod
    def _free(summary: VolunteerSummary) -> list[str]:
        days = weekday_names()
        return [
            f"{days[w.weekday]} {time_text(w.starts)}–{time_text(w.ends)}"
            for w in summary.availability
        ]

    @staticmethod
    def _away(summary: VolunteerSummary) -> list[str]:
        return [
            _span(b.starts_on, b.ends_on) + (f" · {b.reason}" if b.reason else "")
            for b in summary.blackouts
        ]

    @staticmethod
    def _consents(summary: VolunteerSummary, tinted: Tint) -> list[str]:
        lines = []
        for consent in summary.consents:
            if consent.withdrawn_on:
                note = tr("(withdrawn {day})").format(day=day_text(consent.withdrawn_on))
                lines.append(f"<s>{html.escape(consent.covers)}</s> {tinted(note)}")
            else:
                note = tr("(since {day})").format(day=day_text(consent.given_on))
                lines.append(f"{html.escape(consent.covers)} {tinted(note)}")
        return lines


def private_note() -> str:
    """Where the fields the directory never shows can be found."""
    return tr(
        "Phone number, emergency contact and notes are private: open the volunteer to see them."
    )


def _span(first: date, last: date) -> str:
    if first == last:
        return day_text(first)
    return f"{day_text(first, year=first.year != last.year)} – {day_text(last)}"
