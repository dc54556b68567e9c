"""Printable documents as PDF: a report, a volunteer's hours letter, an occurrence's sign-in sheet.

Each is laid out as simple HTML in a :class:`QTextDocument` and printed with
:class:`QPdfWriter` on A4.  Everything people typed is escaped.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from organizer.errors import DomainError
from organizer.reports.attendance import OccurrenceSheet, SheetPerson
from organizer.reports.letters import HoursLetter
from organizer.reports.tables import Table, format_cell

WALK_IN_ROWS = 8
"""Blank rows at the end of a sign-in sheet for people who turn up unannounced."""
TICK_BOX = "☐"

_STYLE = """
<style>
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; }
h1 { font-size: 17pt; margin-bottom: 2px; }
h2 { font-size: 12pt; margin-top: 14px; margin-bottom: 4px; }
p.sub { color: #555; margin-top: 0; }
th { background-color: #e8eef5; text-align: left; padding: 4px; }
td { padding: 4px; }
td.num, th.num { text-align: right; }
td.box { text-align: center; font-size: 13pt; }
tr.total td { font-weight: bold; border-top: 1px solid #333; }
</style>
"""


def _local(moment: datetime) -> datetime:
    return moment.astimezone()


def report_html(table: Table) -> str:
    """A report as a titled table with its totals row."""
    head = "".join(
        f'<th class="{"num" if c.kind.numeric else ""}">{escape(c.name)}</th>'
        for c in table.columns
    )
    body = []
    rows = [(row, "") for row in table.rows]
    if table.totals is not None and table.rows:
        rows.append((table.totals, "total"))
    for row, css in rows:
        cells = "".join(
            f'<td class="{"num" if c.kind.numeric else ""}">{escape(format_cell(v, c.kind))}</td>'
            for v, c in zip(row, table.columns, strict=True)
        )
        body.append(f'<tr class="{css}">{cells}</tr>')
    if not table.rows:
        body.append(f'<tr><td colspan="{len(table.columns)}">Nothing recorded.</td></tr>')
    return (
        f"<html><head>{_STYLE}</head><body><h1>{escape(table.title)}</h1>"
        f'<p class="sub">{escape(table.subtitle)}</p>'
        '<table width="100%" cellspacing="0" border="1" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>"
    )


def letter_html(letter: HoursLetter) -> str:
    """A one-page letter confirming a volunteer's hours, per cause."""
    sender = escape(letter.organisation) if letter.organisation else ""
    rows = "".join(
        f'<tr><td>{escape(c.cause)}</td><td class="num">{c.attended}</td>'
        f'<td class="num">{c.hours:.1f}</td></tr>'
        for c in letter.causes
    )
    signature = escape(letter.organiser) or "&nbsp;"
    contact = escape(letter.organiser_email)
    return (
        f"<html><head>{_STYLE}</head><body>"
        f"<h1>{sender or 'Volunteer hours'}</h1>"
        f'<p class="sub">{letter.written_on.day} {letter.written_on:%B %Y}</p>'
        f"<h2>Hours given by {escape(letter.volunteer)}</h2>"
        f"<p>{escape(letter.paragraph)}</p>"
        '<table width="70%" cellspacing="0" border="1" style="border-collapse:collapse">'
        '<thead><tr><th>Cause</th><th class="num">Shifts</th><th class="num">Hours</th></tr>'
        f"</thead><tbody>{rows}"
        f'<tr class="total"><td>Total</td><td class="num">{letter.shifts}</td>'
        f'<td class="num">{letter.total_hours:.1f}</td></tr></tbody></table>'
        "<p>&nbsp;</p><p>Thank you for your time and care.</p><p>&nbsp;</p>"
        f"<p>______________________________<br/>{signature}"
        f"{'<br/>' + contact if contact else ''}{'<br/>' + sender if sender else ''}</p>"
        "</body></html>"
    )


def sign_in_html(sheet: OccurrenceSheet, walk_ins: int = WALK_IN_ROWS) -> str:
    """A sign-in sheet: each shift with its people, tick boxes and a signature column."""
    starts, ends = _local(sheet.starts_at), _local(sheet.ends_at)
    head = (
        '<tr><th width="24%">Name</th><th width="14%">Shift</th><th width="16%">Time</th>'
        '<th width="16%" align="center">Attended</th><th width="30%">Signature</th></tr>'
    )
    rows: list[str] = []
    for shift in sheet.shifts:
        span = f"{_local(shift.starts_at):%H:%M}–{_local(shift.ends_at):%H:%M}"
        people: list[SheetPerson | None] = [*shift.people] or [None]
        for person in people:
            name = escape(person.name) if person else "<i>(nobody yet)</i>"
            rows.append(
                f"<tr><td>{name}</td><td>{escape(shift.role)}</td><td>{span}</td>"
                f'<td class="box">{TICK_BOX}</td><td>&nbsp;</td></tr>'
            )
    rows.append(
        '<tr><td colspan="5" style="background-color:#f3f3f3"><b>Walk-ins</b> '
        "(name, role, time)</td></tr>"
    )
    rows.extend(
        f'<tr><td>&nbsp;</td><td></td><td></td><td class="box">{TICK_BOX}</td><td></td></tr>'
        for _ in range(walk_ins)
    )
    place = f" · {escape(sheet.place)}" if sheet.place else ""
    return (
        f"<html><head>{_STYLE}</head><body><h1>Sign-in: {escape(sheet.title)}</h1>"
        f'<p class="sub">{starts:%A} {starts.day} {starts:%B %Y}, '
        f"{starts:%H:%M}–{ends:%H:%M}{place}</p>"
        '<table width="100%" cellspacing="0" cellpadding="9" border="1" '
        'style="border-collapse:collapse">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></body></html>"
    )


def write_pdf(html: str, path: Path, title: str) -> None:
    """Print ``html`` to an A4 PDF at ``path``.

    Raises:
        DomainError: the file cannot be written (names the file).
    """
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Organizer")
    writer.setResolution(300)
    # QTextDocument.print_ keeps its own 2 cm margins inside the page.
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    document = QTextDocument()
    document.setHtml(html)
    document.print_(writer)
    del writer  # finishes the file
    if not path.exists() or path.stat().st_size == 0:
        raise DomainError(f"{path}: the PDF could not be written.")


def default_name(title: str, day: date) -> str:
    """A file name from a title and a date: ``hours-by-volunteer-2026-11-30``."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug}-{day.isoformat()}"
