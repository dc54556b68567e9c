"""Sample data: a made-up but realistic organisation to explore Organizer with.

Everything comes from one ``random.Random(seed)`` and the anchor date, never the clock, so the
same scale, seed and anchor always give the same rows.  Rows go in through Core bulk inserts
with explicit ids, a few transactions in all, which is what keeps the large scale quick.
"""

from __future__ import annotations

import calendar
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from organizer.errors import DomainError
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    AvailabilityWindow,
    Base,
    BlackoutPeriod,
    Cause,
    ConsentRecord,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    Qualification,
    Shift,
    Volunteer,
    VolunteerQualification,
)
from organizer.recurrence import Occurrence, expand, local_midnight, normalise_rule, series_end
from organizer.services.occurrences import rebuild_all
from organizer.storage import Database

Row = dict[str, Any]
Progress = Callable[[str, float], None]

AUTHOR = "sample data"
LONDON = "Europe/London"
CHUNK_ROWS = 20_000
NOT_EMPTY = "This database already has data; load the sample data into a new file."

# Parents before children, so every chunk can be inserted with foreign keys on.
_TABLE_ORDER: tuple[type[Base], ...] = (
    Cause,
    Location,
    Qualification,
    Volunteer,
    VolunteerQualification,
    AvailabilityWindow,
    BlackoutPeriod,
    ConsentRecord,
    Event,
    EventException,
    OccurrenceOverride,
    Shift,
    Assignment,
)


@dataclass(frozen=True)
class DemoSummary:
    """How many of each thing the sample data holds.

    ``occurrences`` counts each occurrence of a series within the generated period (cancelled
    ones left out), plus one for each one-off event.
    """

    causes: int
    locations: int
    qualifications: int
    volunteers: int
    events: int
    series: int
    occurrences: int
    shifts: int
    assignments: int


@dataclass(frozen=True)
class _Plan:
    weeks_before: int
    weeks_after: int
    volunteers: int  # regular volunteers, besides near-duplicates and bot sign-ups
    per_partner_zone: int
    bots: int
    near_duplicates: int
    # Large: areas are added until both are reached (places: needed x occurrences, of
    # which about 80% get filled).  Small: 0, the fixed set.
    min_occurrences: int
    min_places: int

    @property
    def by_area(self) -> bool:
        """Whether events are generated area by area (with regional causes) until big enough."""
        return self.min_occurrences > 0


_PLANS: dict[str, _Plan] = {
    "small": _Plan(4, 9, 36, 2, 4, 2, 0, 0),
    "large": _Plan(13, 39, 5_200, 40, 13, 5, 30_000, 140_000),
}


@dataclass(frozen=True)
class _Role:
    name: str
    needed: tuple[int, ...] = (1,)
    qualification: str | None = None
    window: tuple[int, int] | None = None  # minutes from the occurrence start
    notes: str = ""


@dataclass(frozen=True)
class _Activity:
    title: str  # "{day}" becomes the weekday name(s)
    family: str  # the first column of _CAUSES
    place: str | None  # the first column of _LOCATIONS
    roles: tuple[_Role, ...]
    description: str
    rule: str | None = None  # without its end; "{day}" becomes a BYDAY code
    days: tuple[str, ...] = ("MO",)
    start: time = time(10)
    minutes: int = 120
    all_day: int = 0  # days, for an all-day event
    week: int = 0  # one-offs in the small set: weeks from the anchor
    capacity: int | None = None
    tz: str = LONDON
    status: EventStatus = EventStatus.SCHEDULED
    count: int | None = None


# --- Reference data ------------------------------------------------------------------------

_CAUSES = (
    (
        "peer",
        "Peer-support circle",
        "#4E79C7",
        "Small, confidential circles where people living with anxiety, low mood or "
        "loneliness share what helps. Led by trained facilitators.",
    ),
    (
        "walk",
        "Walk and talk",
        "#2BA58B",
        "Gentle group walks with time to chat. No fitness needed and nobody is left behind.",
    ),
    (
        "garden",
        "Community garden",
        "#7AAE3A",
        "Growing vegetables and flowers together; every skill level is welcome.",
    ),
    (
        "food",
        "Food bank",
        "#F28E2B",
        "Collecting, sorting and handing out food parcels, and the night shelter.",
    ),
    (
        "befriend",
        "Befriending calls",
        "#A77BCA",
        "Regular friendly phone calls to people who are isolated at home.",
    ),
    (
        "art",
        "Art for wellbeing",
        "#E15F86",
        "Relaxed art sessions (painting, collage, clay) with materials provided.",
    ),
)
# Large scale only: regional variants of the causes above (family, region, colour).
_REGIONAL_CAUSES = (
    ("peer", "North", "#2F5FA7"),
    ("peer", "South", "#8AB0EE"),
    ("walk", "North", "#1D7A66"),
    ("garden", "South", "#4F7F1F"),
    ("food", "East", "#C4661A"),
    ("food", "West", "#F6C177"),
    ("befriend", "West", "#7D559F"),
    ("art", "East", "#F4A3C0"),
)
_REGIONS = ("North", "East", "South", "West")

_QUALIFICATIONS = (
    # name, validity in months, description, share of volunteers holding it
    ("Trained facilitator", 24, "Completed the two-day peer-support facilitation course.", 0.16),
    ("Food hygiene", 36, "Level 2 food hygiene certificate.", 0.24),
    ("First aid", 36, "Emergency first aid (one-day course).", 0.26),
    ("Safeguarding", 36, "Safeguarding adults and children, basic level.", 0.36),
    ("DBS check", 36, "Enhanced DBS check for work with vulnerable adults.", 0.30),
    ("Befriending induction", None, "Induction session for telephone befrienders.", 0.20),
    ("Mental health first aid", 36, "Two-day mental health first aid course.", 0.12),
    ("Minibus driver", 48, "Passed the minibus driver assessment.", 0.10),
)

_LOCATIONS = (
    # kind, name, address, accessibility notes
    (
        "hall",
        "Riverside Community Centre",
        "1 Quayside, Millbrook MB4 1RC",
        "Step-free throughout; hearing loop in both rooms; Changing Places toilet.",
    ),
    (
        "library",
        "Central Library – Meeting Room 2",
        "2 Market Square, Millbrook MB1 1LB",
        "Lift to the first floor; hearing loop at reception; quiet room next door.",
    ),
    (
        "park",
        "Millbrook Park (bandstand gate)",
        "Park Road, Millbrook MB2 7PR",
        "Flat tarmac paths for the first mile; benches every 300 m; toilets at the café.",
    ),
    (
        "garden",
        "Greenway Community Garden",
        "Allotment Lane, Millbrook MB3 2GW",
        "Raised beds at wheelchair height; gravel paths can be uneven; compost toilet only.",
    ),
    (
        "warehouse",
        "Harbour Street Food Bank",
        "Unit 3, Harbour Street, Millbrook MB4 6HS",
        "Ramp at the loading bay; minibus parking; no hearing loop.",
    ),
    (
        "chapel",
        "St Anne's Church Hall",
        "14 Church Lane, Millbrook MB1 4AN",
        "Step-free side door on Church Lane; hearing loop in the main hall; accessible toilet.",
    ),
    (
        "online",
        "Online / by phone",
        "",
        "Joining link or phone list is sent the day before; captions are switched on.",
    ),
)
_AREA_PLACES = (
    ("hall", "{area} Community Centre"),
    ("library", "{area} Library"),
    ("park", "{area} Park"),
    ("garden", "{area} Community Garden"),
    ("warehouse", "{area} Food Bank"),
)
_ACCESS_NOTES = (
    "Step-free access from the car park.",
    "Two steps at the front; ramp at the back door.",
    "Hearing loop in the main room.",
    "Accessible toilet on the ground floor.",
    "Lift to all floors.",
    "Quiet room available on request.",
    "Blue badge parking outside.",
    "Bus stop at the door.",
    "Large-print signs.",
)
_STREETS = (
    "High Street",
    "Station Road",
    "Mill Lane",
    "Victoria Road",
    "Chapel Street",
    "Orchard Way",
    "Canal Walk",
    "Brook Close",
)
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXY"
_AREA_STEMS = (
    "Oak", "Ash", "Elm", "Mill", "Brook", "Kings", "Queens", "Church",
    "Bridge", "Marsh", "Hill", "Stone", "Green", "Castle", "Water", "Fern",
)  # fmt: skip
_AREA_ENDINGS = ("field", "wood", "bury", "ton", "gate", "side", "ley", "more")

_FIRST_NAMES = (
    "Amara", "Priya", "Mohammed", "Siobhan", "Wei", "Kwame", "Zofia", "Oluwaseun", "Aoife",
    "Hamza", "Mei", "Rhys", "Fatima", "Tomasz", "Ingrid", "Chidi", "Lucía", "Yusuf", "Hannah",
    "Mateo", "Niamh", "Arjun", "Leila", "Dmitri", "Grace", "Kenji", "Ayesha", "Callum",
    "Eszter", "Bilal", "Sofia", "Ewan", "Nadia", "Kofi", "Freya", "Ravi", "Elif", "Jamal",
    "Inês", "Oscar", "Anjali", "Declan", "Yara", "Marek", "Chloe", "Tariq", "Bronwen", "Thi",
    "Samuel", "Aisha", "Finn", "Noor", "Joseph", "Ruth", "Adebayo", "Isla", "Pavel", "Mariam",
    "George", "Keisha", "Luca", "Deepa", "Owen", "Zainab", "Patrick", "Hiroko", "Ahmed",
    "Margaret", "Leon", "Shreya", "Andrzej", "Bethan", "Kemi", "David", "Rosa", "Imran",
    "Eilidh", "Jun", "Sipho", "Agnieszka",
)  # fmt: skip
_LAST_NAMES = (
    "Okafor", "Patel", "Nowak", "Kowalski", "Smith", "Jones", "O'Brien", "Nguyen", "Chen",
    "Ahmed", "Hussain", "Williams", "Davies", "Mensah", "Rossi", "García", "Silva", "Müller",
    "Kaur", "Singh", "Begum", "Campbell", "MacLeod", "Ferreira", "Yılmaz", "Haddad", "Novák",
    "Ivanova", "Andersson", "Osei", "Khan", "Ali", "Murphy", "Evans", "Taylor", "Brown",
    "Wilson", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Edwards", "Green", "Hall",
    "Wood", "Clarke", "Adeyemi", "Sato", "Kim", "López", "Mahmoud", "Papadopoulos", "Dubois",
    "Jensen", "Byrne", "Kelly", "Reid", "Fraser", "Lewis", "Morgan", "Price", "Shah",
    "Chowdhury", "Mistry", "Abdi", "Mohamud", "Asante", "Boateng", "Wiśniewska", "Horvat",
    "Popescu", "Costa", "Santos", "Tanaka", "Wang", "Liu", "Zhang", "Mwangi", "Eze",
)  # fmt: skip
# The same person signing up twice, or two people who are easy to mix up.
_NEAR_DUPLICATES = (
    ("Jon Smith", "John Smith"),
    ("Sara O'Neil", "Sarah O'Neill"),
    ("Mohammad Khan", "Mohammed Khan"),
    ("Katy Browne", "Katie Brown"),
    ("Zosia Nowak", "Zofia Nowak"),
)
# Sign-ups from bots that got past the web form: no contact details at all.
_BOTS = (
    "KeithMof", "Montanawvf", "UbvpwcMergo", "john Moyzakis", "WilliamVer", "Blakeeagex",
    "RichardSok", "Kyliesuest", "Jamesgob", "NancySairL", "Karloswja", "JessiePew",
    "azsstDiucK",
)  # fmt: skip
_PARTNER_ZONES = ("America/New_York", "Australia/Sydney", "Asia/Kolkata")
_PRONOUNS = ("she/her", "he/him", "they/them", "she/they", "he/they")
_VOLUNTEER_NOTES = (
    "Prefers morning sessions.",
    "Speaks Polish and English.",
    "Speaks Urdu, Punjabi and English.",
    "Uses a wheelchair; needs step-free venues.",
    "Happy to drive the minibus.",
    "Student: more free time in the holidays.",
    "Retired nurse.",
    "Not ready to facilitate yet; happy to co-facilitate.",
    "Bakes for the Friday café.",
    "Lived experience of depression; keen to mentor new volunteers.",
    "Works shifts, so availability changes month to month.",
    "Prefers not to be photographed.",
)
_BLACKOUT_REASONS = ("Holiday", "Exams", "Visiting family", "Recovering from an operation", "")
_CONSENTS = (
    # what it covers, share of volunteers who agreed
    ("Contact by email", 0.9),
    ("Contact by text message", 0.6),
    ("Photos at events", 0.5),
    ("Share my details with partner groups", 0.15),
)
_CONSENT_NOTES = ("Online sign-up form", "Paper form at induction", "Told the coordinator")
_ASSIGNMENT_NOTES = (
    "Can only stay for the first hour.",
    "Bringing a friend who wants to try volunteering.",
    "Will be ten minutes late.",
    "Has keys to the building.",
    "Needs a lift home afterwards.",
)
_SPECIAL_SESSIONS = (
    "open evening for newcomers",
    "guest talk on sleep and wellbeing",
    "seasonal social",
    "mindfulness taster",
)
_CANCEL_REASONS = ("the venue is closed for repairs", "bad weather is forecast", "too few sign-ups")

# --- Activities ------------------------------------------------------------------------------

_FACILITATOR = _Role("Facilitator", qualification="Trained facilitator", notes="Leads the circle.")
_CO_FACILITATOR = _Role("Co-facilitator", qualification="Safeguarding")
_GREETER = _Role(
    "Greeter", (1, 2), window=(0, 30), notes="Welcomes people at the door and makes the tea."
)
_HOST = _Role("Host", notes="Opens the session and keeps time.")
_WALK_LEADER = _Role("Walk leader", qualification="First aid", notes="Carries the first-aid kit.")
_BACK_MARKER = _Role("Back marker", (1, 2, 2), notes="Walks at the back so nobody is left behind.")
_GARDEN_LEAD = _Role("Garden lead", notes="Plans the jobs and shows newcomers the tools.")
_TEA = _Role("Tea and welcome", (1, 2), window=(60, 150))
_PACKER = _Role("Packer", (2, 3), "Food hygiene")
_WELCOME_TABLE = _Role("Welcome table", (1, 2), notes="Extra help for this session only.")

_SERIES = (
    _Activity(
        "{day} evening peer-support circle",
        "peer",
        "hall",
        (_FACILITATOR, _CO_FACILITATOR, _GREETER),
        "A facilitated circle for adults; come as you are, share only what you want to.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("TU", "MO", "WE"),
        start=time(18, 30),
        minutes=90,
        capacity=12,
    ),
    _Activity(
        "{day} daytime peer-support circle",
        "peer",
        "library",
        (_FACILITATOR, _CO_FACILITATOR, _GREETER),
        "A quieter daytime circle, popular with carers and people not in work.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("TH", "FR", "TU"),
        start=time(11),
        minutes=90,
        capacity=10,
    ),
    _Activity(
        "{day} walk and talk",
        "walk",
        "park",
        (_WALK_LEADER, _BACK_MARKER),
        "A two-hour walk at an easy pace with a café stop halfway.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("SA", "SU", "WE"),
        minutes=120,
        capacity=20,
    ),
    _Activity(
        "Fortnightly canal walk ({day})",
        "walk",
        "park",
        (_WALK_LEADER, _BACK_MARKER),
        "Along the towpath and back; flat, with benches on the way.",
        rule="FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
        days=("WE", "TH"),
        start=time(14),
    ),
    _Activity(
        "{day} garden morning",
        "garden",
        "garden",
        (_GARDEN_LEAD, _Role("Gardener", (2, 3)), _TEA),
        "Weeding, sowing and harvesting; gloves and tools provided.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("WE", "TU", "SA"),
        minutes=180,
    ),
    _Activity(
        "Garden work party (first {day})",
        "garden",
        "garden",
        (_GARDEN_LEAD, _Role("Gardener", (3,)), _TEA),
        "The big monthly jobs: paths, compost and the polytunnel. Lunch is shared.",
        rule="FREQ=MONTHLY;BYDAY=1{day}",
        days=("SA", "SU"),
        minutes=300,
    ),
    _Activity(
        "{day} food bank distribution",
        "food",
        "warehouse",
        (
            _PACKER,
            _Role("Welcome desk", (2,), notes="Signs people in discreetly and offers a drink."),
            _Role("Driver", qualification="Minibus driver", window=(0, 90)),
        ),
        "Handing out food parcels to households referred by local agencies.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("FR", "TU"),
        start=time(12),
        minutes=180,
    ),
    _Activity(
        "{day} evening stock sorting",
        "food",
        "warehouse",
        (_PACKER, _Role("Stock checker", notes="Checks dates and updates the stock sheet.")),
        "Sorting donations and making up parcels for the week.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("MO", "WE"),
        start=time(17, 30),
    ),
    _Activity(
        "{day} befriending calls",
        "befriend",
        "online",
        (
            _Role("Caller", (2, 3), "Befriending induction"),
            _Role("Call supervisor", qualification="Safeguarding", notes="Escalates worries."),
        ),
        "Friendly phone calls to the people on our befriending list.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("MO,TH", "TU,FR"),
    ),
    _Activity(
        "{day} art for wellbeing studio",
        "art",
        "library",
        (
            _Role("Art facilitator", qualification="Trained facilitator"),
            _Role("Helper", (2, 3)),
            _Role("Tidy-up", window=(90, 120)),
        ),
        "Drop-in art session; no experience needed.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("TH", "MO", "SA"),
        start=time(14),
        capacity=10,
    ),
)
# Run once for the whole organisation, whatever the scale.
_NETWORK_SERIES = (
    _Activity(
        "Night shelter",
        "food",
        "chapel",
        (
            _Role("Evening host", (1, 2), window=(0, 180)),
            _Role("Night volunteer", (2,), "DBS check", notes="Sleeps over in the staff room."),
            _Role("Breakfast helper", window=(540, 600)),
        ),
        "Emergency beds for people sleeping rough: doors open at 9 pm, breakfast at 6.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("FR",),
        start=time(21),
        minutes=600,
        capacity=15,
        count=12,
    ),
    _Activity(
        "Online peer support with our New York partners",
        "peer",
        "online",
        (_HOST, _Role("Co-host")),
        "A joint online circle run with a partner group in New York.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("WE",),
        start=time(19),
        minutes=90,
        tz="America/New_York",
    ),
    _Activity(
        "Sydney walk and talk (partner group)",
        "walk",
        None,
        (_Role("Walk leader"), _BACK_MARKER),
        "Our partner group's Sunday walk around Centennial Park, Sydney.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("SU",),
        start=time(8, 30),
        minutes=90,
        tz="Australia/Sydney",
    ),
    _Activity(
        "Kolkata befriending calls (partner group)",
        "befriend",
        "online",
        (_Role("Caller", (2,)),),
        "Calls to older people in Kolkata, run with our partner group there.",
        rule="FREQ=WEEKLY;BYDAY={day}",
        days=("SA",),
        start=time(16),
        minutes=60,
        tz="Asia/Kolkata",
    ),
)
_ONE_OFFS = (
    _Activity(
        "New volunteers' welcome evening",
        "peer",
        "hall",
        (_HOST, _GREETER),
        "Meet the coordinators, hear about each project and pick up a welcome pack.",
        days=("WE",),
        start=time(18, 30),
        week=1,
        capacity=30,
    ),
    _Activity(
        "Community garden open day",
        "garden",
        "garden",
        (
            _Role("Garden lead", window=(540, 1020)),
            _Role("Tea and welcome", (2,), window=(600, 960)),
            _Role("Gardener", (2, 3), window=(540, 1020)),
        ),
        "Tours, seedling swap and cake. Open all day.",
        days=("SA",),
        all_day=1,
        week=5,
    ),
    _Activity(
        "Volunteers' away day",
        "peer",
        "chapel",
        (_Role("Organiser", (1, 2), window=(540, 1020)),),
        "Two days of training, planning and fun for every volunteer.",
        days=("SA",),
        all_day=2,
        week=7,
        capacity=40,
    ),
    _Activity(
        "Facilitator training day",
        "peer",
        "library",
        (_Role("Trainer's assistant", qualification="Trained facilitator"),),
        "Day one of the facilitation course for new circle leaders.",
        days=("SA",),
        start=time(9, 30),
        minutes=420,
        week=3,
        capacity=12,
    ),
    _Activity(
        "Mental health awareness stall",
        "peer",
        "library",
        (_Role("Stall volunteer", (2, 3)),),
        "Leaflets, badges and a friendly chat about where to find support.",
        days=("SA",),
        minutes=240,
        week=-3,
    ),
    _Activity(
        "Supermarket food collection",
        "food",
        "warehouse",
        (
            _Role("Collector", (3,)),
            _Role("Driver", qualification="Minibus driver", window=(420, 480)),
        ),
        "Collecting donations from shoppers; the driver takes them to the warehouse.",
        days=("SA",),
        start=time(9),
        minutes=480,
        week=-2,
    ),
    _Activity(
        "Art for wellbeing exhibition opening",
        "art",
        "library",
        (_Role("Steward", (2,)), _GREETER),
        "Work from this year's studio sessions, with drinks and music.",
        days=("FR",),
        start=time(18),
        minutes=180,
        week=6,
        capacity=60,
    ),
    _Activity(
        "Befriending volunteers' catch-up",
        "befriend",
        "online",
        (_HOST,),
        "Sharing tips and looking after ourselves as callers.",
        days=("WE",),
        start=time(13),
        minutes=60,
        week=-1,
    ),
    _Activity(
        "Fundraising quiz night",
        "food",
        "hall",
        (_Role("Quiz master"), _Role("Raffle seller", (1, 2))),
        "Teams of up to six; all proceeds to the food bank.",
        days=("FR",),
        start=time(19),
        minutes=180,
        week=8,
        capacity=80,
        status=EventStatus.DRAFT,
    ),
    _Activity(
        "Summer picnic in the park",
        "walk",
        "park",
        (_Role("Picnic helper", (2,)),),
        "Bring something to share.",
        days=("SU",),
        start=time(12),
        minutes=240,
        week=2,
        status=EventStatus.CANCELLED,
    ),
)

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- Public entry point ----------------------------------------------------------------------


def generate_demo(
    db: Database,
    *,
    scale: Literal["small", "large"] = "small",
    seed: int = 1,
    start: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with a sample organisation and say what was made.

    Args:
        db: An open database with no causes, events or volunteers yet.
        scale: ``"small"`` for a quick tour, ``"large"`` to try Organizer under load.
        seed: The same seed, scale and start always give the same data.
        start: The date the data is centred on; by default the Monday of this week.
        progress: Called now and then with a stage description and a fraction done.

    Raises:
        DomainError: the database already holds data.
    """
    report = progress or _ignore_progress
    _require_empty(db)
    anchor = start or _this_monday()
    writer = _Writer(db)
    builder = _Builder(_PLANS[scale], Random(seed), anchor, writer, report)
    builder.build()
    report("Saving", 0.99)
    writer.flush()
    report("Working out every occurrence", 0.995)
    with db.write() as session:
        rebuild_all(session)
    report("Sample data ready", 1.0)
    counts = writer.counts
    return DemoSummary(
        causes=counts[Cause],
        locations=counts[Location],
        qualifications=counts[Qualification],
        volunteers=counts[Volunteer],
        events=counts[Event],
        series=builder.series,
        occurrences=builder.occurrences,
        shifts=counts[Shift],
        assignments=counts[Assignment],
    )


def _ignore_progress(stage: str, fraction: float) -> None:
    pass


def _this_monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday())


def _require_empty(db: Database) -> None:
    with db.read() as session:
        for model in (Cause, Event, Volunteer):
            if session.scalar(select(model.id).limit(1)) is not None:
                raise DomainError(NOT_EMPTY)


class _Writer:
    """Collects rows and inserts them with Core, one transaction per chunk.

    Chunks end only at :meth:`checkpoint`, which callers reach once a parent row and its
    children have all been added.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.counts: Counter[type[Base]] = Counter()
        self._pending: dict[type[Base], list[Row]] = {}
        self._size = 0

    def add(self, model: type[Base], row: Row) -> None:
        self._pending.setdefault(model, []).append(row)
        self.counts[model] += 1
        self._size += 1

    def checkpoint(self) -> None:
        if self._size >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        with self.db.write() as session:
            for model in _TABLE_ORDER:
                rows = self._pending.get(model)
                if rows:
                    session.execute(insert(Base.metadata.tables[model.__tablename__]), rows)
        self._pending = {}
        self._size = 0


# --- Building --------------------------------------------------------------------------------


@dataclass
class _PlannedShift:
    id: int
    needed: int
    qualification_id: int | None
    minutes: int | None  # own length, when the shift has its own times
    start_offset: int
    occurrence_start: datetime | None


@dataclass
class _PlannedEvent:
    id: int
    status: EventStatus
    tz: str
    created: datetime
    is_series: bool
    occurrences: list[tuple[Occurrence, int]]  # with the local day's ordinal
    shifts: list[_PlannedShift] = field(default_factory=list)


@dataclass
class _People:
    """What rostering needs to know about volunteers."""

    joined: dict[int, int] = field(default_factory=dict)  # id -> ordinal of joined_on
    away: set[tuple[int, int]] = field(default_factory=set)  # (id, day ordinal) in a blackout
    by_zone: dict[str, list[int]] = field(default_factory=dict)
    qualified: dict[tuple[str, int], list[int]] = field(default_factory=dict)


class _Builder:
    """Generates every row, in foreign-key order, into a writer."""

    def __init__(
        self, plan: _Plan, rng: Random, anchor: date, writer: _Writer, report: Progress
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.anchor = anchor
        self.monday = anchor - timedelta(days=anchor.weekday())
        self.now = datetime.combine(anchor, time(12), tzinfo=UTC)
        self.first_day = anchor - timedelta(weeks=plan.weeks_before)
        self.last_day = anchor + timedelta(weeks=plan.weeks_after)
        self.window = (
            local_midnight(self.first_day, LONDON),
            local_midnight(self.last_day, LONDON),
        )
        self.writer = writer
        self.report = report
        # Assignment UIDs come from their own stream so adding them left the data unchanged.
        self.uid_rng = Random(hash(rng.getstate()[1]))
        self.causes: dict[tuple[str, str | None], int] = {}
        self.location_ids: dict[tuple[str, str | None], int] = {}
        self.qualifications: dict[str, int] = {}
        self.people = _People()
        self.events: list[_PlannedEvent] = []
        self.busy: dict[tuple[int, int], int] = {}  # (volunteer, day ordinal) -> event id
        self.series = 0
        self.occurrences = 0
        self.places_to_fill = 0
        self.made_exception = False
        self.made_override = False
        self._ids: Counter[str] = Counter()

    def build(self) -> None:
        self.report("Adding causes, places and qualifications", 0.0)
        self._reference_data()
        self.report("Adding volunteers", 0.02)
        self._volunteers()
        self.report("Planning events", 0.15)
        self._plan_events()
        self._rosters(start_fraction=0.3)

    # Helpers ---------------------------------------------------------------------------------

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _stamps(self, created: datetime, updated: datetime | None = None) -> Row:
        return {
            "created_at": created,
            "created_by": AUTHOR,
            "updated_at": updated or created,
            "updated_by": AUTHOR,
            "version": 1,
        }

    def _day_stamp(self, day: date) -> datetime:
        """A working-hours instant on ``day``, never after the anchor's "now"."""
        minutes = self.rng.randrange(9 * 60, 17 * 60)
        return min(datetime.combine(day, time(), UTC) + timedelta(minutes=minutes), self.now)

    def _uid(self) -> str:
        return f"{uuid.UUID(int=self.rng.getrandbits(128), version=4)}@organizer"

    def _add_named(self, model: type[Base], key: str, name: str, values: Row) -> int:
        new_id = self._next_id(key)
        created = self._day_stamp(self.first_day - timedelta(days=self.rng.randint(30, 400)))
        self.writer.add(model, {"id": new_id, "name": name, **values, **self._stamps(created)})
        return new_id

    # Causes, places, qualifications ----------------------------------------------------------

    def _reference_data(self) -> None:
        for family, name, colour, description in _CAUSES:
            values = {"colour": colour, "description": description, "active": True}
            self.causes[family, None] = self._add_named(Cause, "cause", name, values)
        if self.plan.by_area:
            base_names = {family: name for family, name, _, _ in _CAUSES}
            for family, region, colour in _REGIONAL_CAUSES:
                values = {
                    "colour": colour,
                    "description": f"Run by our volunteers in the {region.lower()} of the "
                    "district.",
                    "active": True,
                }
                name = f"{base_names[family]} ({region})"
                self.causes[family, region] = self._add_named(Cause, "cause", name, values)
        for kind, name, address, notes in _LOCATIONS:
            values = {"address": address, "notes": notes}
            self.location_ids[kind, None] = self._add_named(Location, "location", name, values)
        for name, months, description, _ in _QUALIFICATIONS:
            values = {"description": description, "validity_months": months}
            self.qualifications[name] = self._add_named(Qualification, "qual", name, values)

    def _area_places(self, area: str, number: int) -> None:
        rng = self.rng
        postcode = f"MB{number % 9 + 1} {rng.randint(1, 9)}{rng.choice(_POSTCODE_LETTERS)}"
        for kind, pattern in _AREA_PLACES:
            street = f"{rng.randint(1, 120)} {rng.choice(_STREETS)}"
            letter = rng.choice(_POSTCODE_LETTERS)
            values = {
                "address": f"{street}, {area}, Millbrook {postcode}{letter}",
                "notes": " ".join(rng.sample(_ACCESS_NOTES, rng.randint(1, 3))),
            }
            name = pattern.format(area=area)
            self.location_ids[kind, area] = self._add_named(Location, "location", name, values)

    # Volunteers ------------------------------------------------------------------------------

    def _volunteers(self) -> None:
        rng, plan = self.rng, self.plan
        names = _unique_names(rng, plan.volunteers)
        zones = [zone for zone in _PARTNER_ZONES for _ in range(plan.per_partner_zone)]
        zones += [LONDON] * (len(names) - len(zones))
        newcomers = max(2, len(names) // 50)
        phones = _phone_numbers(rng, len(names) + plan.near_duplicates)
        people: list[Row] = []
        for index, (name, zone) in enumerate(zip(names, zones, strict=True)):
            recent = index >= len(names) - newcomers
            people.append(self._person(name, zone, phones[index], recent=recent))
        for index, pair in enumerate(_NEAR_DUPLICATES[: plan.near_duplicates]):
            shared_phone = phones[len(names) + index]
            people.extend(self._person(name, LONDON, shared_phone, recent=False) for name in pair)
        people.extend(self._volunteer(name, self._days_ago(6)) for name in _BOTS[: plan.bots])
        # Ids follow the order people joined in, as they would in a real file.
        people.sort(key=lambda person: (person["joined_on"], person["name"]))
        bots = set(_BOTS)
        for vid, person in enumerate(people, start=1):
            person["id"] = vid
            self.people.joined[vid] = person["joined_on"].toordinal()
            self.writer.add(Volunteer, person)
            if person["name"] in bots:
                continue
            held = self._qualifications_of(vid, person["joined_on"])
            self._availability_of(vid)
            self._blackouts_of(vid)
            self._consents_of(vid, person)
            if person["active"]:
                self.people.by_zone.setdefault(person["timezone"], []).append(vid)
                for qid in held:
                    self.people.qualified.setdefault((person["timezone"], qid), []).append(vid)
            self.writer.checkpoint()

    def _person(self, name: str, zone: str, phone: str, *, recent: bool) -> Row:
        rng = self.rng
        if recent:
            joined = self._days_ago(6)
        else:
            joined = self.anchor - timedelta(days=int(rng.triangular(15, 6 * 365, 200)))
        first, _, last = name.partition(" ")
        row = self._volunteer(name, joined, zone)
        if rng.random() < 0.92:
            row["email"] = _email(rng, first, last)
        if rng.random() < 0.88:
            row["phone"] = phone
        if rng.random() < 0.35:
            row["pronouns"] = rng.choice(_PRONOUNS)
        if rng.random() < 0.25:
            row["notes"] = rng.choice(_VOLUNTEER_NOTES)
        if rng.random() < 0.45:
            row["emergency_contact_name"] = _random_name(rng)
            row["emergency_contact_phone"] = _phone_text(rng.randrange(_PHONE_NUMBERS))
        if (self.anchor - joined).days > 365:
            row["active"] = rng.random() < 0.9
        if rng.random() < 0.15:
            row["max_hours_per_week"] = float(rng.choice((2, 3, 4, 6, 8)))
        if rng.random() < 0.1:
            row["max_hours_per_month"] = float(rng.choice((8, 10, 12, 16, 20)))
        return row

    def _volunteer(self, name: str, joined: date, zone: str = LONDON) -> Row:
        """A volunteer row with nothing but a name: how a bot's sign-up arrives."""
        return {
            "name": name,
            "email": None,
            "phone": None,
            "pronouns": "",
            "joined_on": joined,
            "timezone": zone,
            "notes": "",
            "emergency_contact_name": "",
            "emergency_contact_phone": "",
            "active": True,
            "max_hours_per_week": None,
            "max_hours_per_month": None,
            **self._stamps(self._day_stamp(joined)),
        }

    def _days_ago(self, most: int) -> date:
        return self.anchor - timedelta(days=self.rng.randint(0, most))

    def _qualifications_of(self, vid: int, joined: date) -> list[int]:
        rng = self.rng
        held: list[int] = []
        earliest = max(joined, self.anchor - timedelta(days=5 * 365)).toordinal()
        for name, months, _, share in _QUALIFICATIONS:
            if rng.random() >= share:
                continue
            obtained = date.fromordinal(rng.randint(earliest, self.anchor.toordinal()))
            qid = self.qualifications[name]
            held.append(qid)
            self.writer.add(
                VolunteerQualification,
                {
                    "volunteer_id": vid,
                    "qualification_id": qid,
                    "obtained_on": obtained,
                    "expires_on": _add_months(obtained, months) if months else None,
                },
            )
        return held

    def _availability_of(self, vid: int) -> None:
        rng = self.rng
        if rng.random() >= 0.75:
            return
        for weekday in sorted(rng.sample(range(7), rng.randint(1, 3))):
            begins = rng.choice((9, 10, 13, 14, 17, 18))
            self.writer.add(
                AvailabilityWindow,
                {
                    "id": self._next_id("window"),
                    "volunteer_id": vid,
                    "weekday": weekday,
                    "starts": time(begins),
                    "ends": time(begins + rng.randint(2, 4)),
                },
            )

    def _blackouts_of(self, vid: int) -> None:
        rng = self.rng
        if rng.random() >= 0.12:
            return
        first = self.first_day + timedelta(
            days=rng.randrange((self.last_day - self.first_day).days)
        )
        last = first + timedelta(days=rng.randint(2, 15))
        self.writer.add(
            BlackoutPeriod,
            {
                "id": self._next_id("blackout"),
                "volunteer_id": vid,
                "starts_on": first,
                "ends_on": last,
                "reason": rng.choice(_BLACKOUT_REASONS),
            },
        )
        self.people.away.update(
            (vid, day) for day in range(first.toordinal(), last.toordinal() + 1)
        )

    def _consents_of(self, vid: int, person: Row) -> None:
        rng = self.rng
        joined: date = person["joined_on"]
        for covers, share in _CONSENTS:
            if rng.random() >= share:
                continue
            given = min(joined + timedelta(days=rng.randint(0, 5)), self.anchor)
            withdrawn = given + timedelta(days=rng.randint(30, 400))
            self.writer.add(
                ConsentRecord,
                {
                    "id": self._next_id("consent"),
                    "volunteer_id": vid,
                    "covers": covers,
                    "given_on": given,
                    "withdrawn_on": withdrawn
                    if rng.random() < 0.05 and withdrawn <= self.anchor
                    else None,
                    "recorded_by": AUTHOR,
                    "note": rng.choice(_CONSENT_NOTES),
                },
            )

    # Events ----------------------------------------------------------------------------------

    def _plan_events(self) -> None:
        if not self.plan.by_area:
            for activity in _SERIES:
                self._series(activity, activity.days[0], None, None)
        for activity in _NETWORK_SERIES:
            self._series(activity, activity.days[0], None, None)
        if not self.plan.by_area:
            for activity in _ONE_OFFS:
                self._one_off(activity, activity.week, activity.status, None, None)
            return
        areas = [stem + ending for stem in _AREA_STEMS for ending in _AREA_ENDINGS]
        self.rng.shuffle(areas)
        for number, area in enumerate(areas):
            done = min(
                self.occurrences / self.plan.min_occurrences,
                self.places_to_fill / self.plan.min_places,
            )
            if done >= 1:
                break
            self.report("Planning events", 0.15 + 0.15 * done)
            self._area(area, _REGIONS[number % len(_REGIONS)], number)

    def _area(self, area: str, region: str, number: int) -> None:
        rng = self.rng
        self._area_places(area, number)
        for activity in _SERIES:
            copies = rng.choice((0, 1, 1, 1, 2))
            for day in rng.sample(activity.days, min(copies, len(activity.days))):
                self._series(activity, day, area, region)
        for activity in rng.sample(_ONE_OFFS, 4):
            week = rng.randint(1 - self.plan.weeks_before, self.plan.weeks_after - 1)
            roll = rng.random()
            if week > 2 and roll < 0.08:
                status = EventStatus.DRAFT
            elif roll > 0.96:
                status = EventStatus.CANCELLED
            else:
                status = EventStatus.SCHEDULED
            self._one_off(activity, week, status, area, region)

    def _series(self, activity: _Activity, day: str, area: str | None, region: str | None) -> None:
        rng = self.rng
        assert activity.rule is not None
        rule = activity.rule.format(day=day)
        if rng.random() < 0.8:
            offset = rng.randint(0, 6)
        else:  # a newer group that started part-way through
            offset = rng.randint(7, (self.last_day - self.first_day).days // 2)
        starts, ends = _wall_span(
            self.first_day + timedelta(days=offset), activity.start, activity.minutes, activity.tz
        )
        first = next(expand(rule, starts, ends, activity.tz, starts, starts + timedelta(days=70)))
        if activity.count:
            rule += f";COUNT={activity.count}"
        else:
            roll = rng.random()
            if roll < 0.4:
                until_ordinal = max(
                    self.last_day.toordinal() - rng.randint(0, 42),
                    first.starts_at.toordinal() + 28,
                )
                rule += f";UNTIL={date.fromordinal(until_ordinal):%Y%m%d}"
            elif roll < 0.8:
                rule += f";COUNT={rng.randint(8, 60)}"
        rule = normalise_rule(rule, first.starts_at, activity.tz)
        title = _titled(activity.title, day, area)
        self.series += 1
        self._event(activity, title, first.starts_at, first.ends_at, rule, area, region)

    def _one_off(
        self,
        activity: _Activity,
        week: int,
        status: EventStatus,
        area: str | None,
        region: str | None,
    ) -> None:
        day = self.monday + timedelta(weeks=week, days=_DAY_CODES.index(activity.days[0]))
        if activity.all_day:
            starts = local_midnight(day, activity.tz)
            ends = local_midnight(day + timedelta(days=activity.all_day), activity.tz)
        else:
            starts, ends = _wall_span(day, activity.start, activity.minutes, activity.tz)
        title = _titled(activity.title, activity.days[0], area)
        self._event(activity, title, starts, ends, None, area, region, status)

    def _event(
        self,
        activity: _Activity,
        title: str,
        starts: datetime,
        ends: datetime,
        rule: str | None,
        area: str | None,
        region: str | None,
        status: EventStatus = EventStatus.SCHEDULED,
    ) -> None:
        rng = self.rng
        tz = activity.tz
        event_id = self._next_id("event")
        location_id = self._place(activity.place, area)
        created = min(starts - timedelta(days=rng.randint(14, 60)), self.now)
        occurrences = list(expand(rule, starts, ends, tz, *self.window))
        excluded = self._exceptions(event_id, activity, occurrences) if rule else set()
        kept = [o for o in occurrences if o.recurrence_id not in excluded]
        zone = ZoneInfo(tz)
        planned = _PlannedEvent(
            event_id,
            status,
            tz,
            created,
            is_series=rule is not None,
            occurrences=[(o, o.starts_at.astimezone(zone).toordinal()) for o in kept],
        )
        override = self._override(event_id, title, kept, location_id, created) if rule else None
        special = override["recurrence_id"] if override and override["title"] else None
        changes = len(excluded) + (override is not None) + (status is not EventStatus.SCHEDULED)
        description = activity.description
        if status is EventStatus.CANCELLED:
            description += f" Cancelled because {rng.choice(_CANCEL_REASONS)}."
        self.writer.add(
            Event,
            {
                "id": event_id,
                "uid": self._uid(),
                "sequence": changes,
                "title": title,
                "description": description,
                "cause_id": self.causes.get((activity.family, region))
                or self.causes[activity.family, None],
                "location_id": location_id,
                "starts_at": starts,
                "ends_at": ends,
                "timezone": tz,
                "all_day": activity.all_day > 0,
                "capacity": activity.capacity,
                "status": status,
                "rrule": rule,
                "recurrence_end": series_end(rule, starts, ends, tz),
                **self._stamps(created),
            },
        )
        for role in activity.roles:
            self._shift(planned, role, None)
        if special is not None:
            self._shift(planned, _WELCOME_TABLE, special)
        self.occurrences += len(kept)
        self.events.append(planned)
        self.writer.checkpoint()

    def _place(self, kind: str | None, area: str | None) -> int | None:
        if kind is None:
            return None
        return self.location_ids.get((kind, area)) or self.location_ids[kind, None]

    def _exceptions(
        self,
        event_id: int,
        activity: _Activity,
        occurrences: Sequence[Occurrence],
    ) -> set[datetime]:
        """Occurrences taken out: closed over Christmas, and the odd one-off cancellation."""
        rng = self.rng
        zone = ZoneInfo(activity.tz)
        excluded: set[datetime] = set()
        if activity.family != "food":  # the food bank and night shelter stay open
            for occurrence in occurrences:
                local = occurrence.starts_at.astimezone(zone)
                if (local.month, local.day) >= (12, 24) or (local.month, local.day) == (1, 1):
                    excluded.add(occurrence.recurrence_id)
        if len(occurrences) > 2 and (rng.random() < 0.3 or not self.made_exception):
            excluded.add(rng.choice(occurrences).recurrence_id)
        for recurrence_id in sorted(excluded):
            self.writer.add(
                EventException, {"event_id": event_id, "occurrence_start": recurrence_id}
            )
        self.made_exception = self.made_exception or bool(excluded)
        return excluded

    def _override(
        self,
        event_id: int,
        title: str,
        occurrences: Sequence[Occurrence],
        location_id: int | None,
        created: datetime,
    ) -> Row | None:
        """Maybe change one coming occurrence (moved, retitled or relocated); return the row."""
        rng = self.rng
        coming = [o for o in occurrences if o.starts_at > self.now]
        if not coming or (self.made_override and rng.random() >= 0.2):
            return None
        self.made_override = True
        occurrence = rng.choice(coming)
        changes: Row = {
            "starts_at": None,
            "ends_at": None,
            "title": None,
            "description": None,
            "location_id": None,
        }
        kind = rng.choice(("moved", "retitled", "relocated"))
        if kind == "relocated" and location_id not in (None, self.location_ids["chapel", None]):
            changes["location_id"] = self.location_ids["chapel", None]
            changes["description"] = "This week only: our usual room is being decorated."
        elif kind == "retitled":
            changes["title"] = f"{title}: {rng.choice(_SPECIAL_SESSIONS)}"
        else:
            delta = rng.choice((timedelta(hours=1), timedelta(days=1)))
            changes["starts_at"] = occurrence.starts_at + delta
            changes["ends_at"] = occurrence.ends_at + delta
            changes["description"] = "Moved this week because the venue is double-booked."
        row = {
            "id": self._next_id("override"),
            "event_id": event_id,
            "recurrence_id": occurrence.recurrence_id,
            **changes,
            "status": None,
            "sequence": 0,
            **self._stamps(max(created, self.now - timedelta(days=rng.randint(1, 10)))),
        }
        self.writer.add(OccurrenceOverride, row)
        return row

    def _shift(
        self,
        event: _PlannedEvent,
        role: _Role,
        occurrence_start: datetime | None,
    ) -> None:
        shift_id = self._next_id("shift")
        needed = self.rng.choice(role.needed)
        self.places_to_fill += needed * (1 if occurrence_start else len(event.occurrences))
        begin, end = role.window or (None, None)
        qualification_id = self.qualifications[role.qualification] if role.qualification else None
        self.writer.add(
            Shift,
            {
                "id": shift_id,
                "event_id": event.id,
                "occurrence_start": occurrence_start,
                "role": role.name,
                "needed": needed,
                "qualification_id": qualification_id,
                "start_offset_min": begin,
                "end_offset_min": end,
                "notes": role.notes,
                **self._stamps(event.created),
            },
        )
        own_minutes = end - begin if begin is not None and end is not None else None
        event.shifts.append(
            _PlannedShift(
                shift_id, needed, qualification_id, own_minutes, begin or 0, occurrence_start
            )
        )

    # Rosters ---------------------------------------------------------------------------------

    def _rosters(self, start_fraction: float) -> None:
        total = len(self.events)
        step = max(1, total // 50)
        for index, event in enumerate(self.events):
            if index % step == 0:
                self.report(
                    "Filling rosters", start_fraction + (1 - start_fraction) * index / total
                )
            for shift in event.shifts:
                self._roster(event, shift)

    def _roster(self, event: _PlannedEvent, shift: _PlannedShift) -> None:
        qualified, others = self._team(event, shift)
        for occurrence, day in event.occurrences:
            if shift.occurrence_start not in (None, occurrence.recurrence_id):
                continue
            past = occurrence.ends_at <= self.now
            wanted = self._wanted(shift.needed, past, occurrence.starts_at)
            spare = 1 if self.rng.random() < 0.07 else 0
            chosen = self._choose(qualified, others, wanted + spare, day, event.id)
            for position, (vid, reason) in enumerate(chosen):
                holds = position < wanted
                if holds:
                    self.busy[vid, day] = event.id
                self.writer.add(
                    Assignment,
                    self._assignment(event, shift, occurrence, vid, reason, holds=holds, past=past),
                )
        self.writer.checkpoint()

    def _team(self, event: _PlannedEvent, shift: _PlannedShift) -> tuple[list[int], list[int]]:
        """The regulars for a shift: qualified people first when the role needs it."""
        rng = self.rng
        zone = event.tz if event.tz in self.people.by_zone else LONDON
        everyone = self.people.by_zone.get(zone, [])
        size = shift.needed * (2 if event.is_series else 1) + rng.randint(2, 4)
        if shift.qualification_id is None:
            return [], rng.sample(everyone, min(size, len(everyone)))
        holders = self.people.qualified.get((zone, shift.qualification_id), [])
        qualified = rng.sample(holders, min(size, len(holders)))
        # A few unqualified people too, to shadow when no qualified one is free.
        shortfall = max(size - len(qualified), 1)
        picked = set(qualified)
        others = rng.sample(everyone, min(shortfall + 4, len(everyone)))
        return qualified, [vid for vid in others if vid not in picked][:shortfall]

    def _wanted(self, needed: int, past: bool, starts: datetime) -> int:
        """How many places get filled: rosters fill up as the date gets closer."""
        if past:
            empty, short = 0.01, 0.07
        elif starts - self.now < timedelta(weeks=4):
            empty, short = 0.02, 0.14
        else:
            empty, short = 0.05, 0.25
        roll = self.rng.random()
        if roll < empty:
            return 0
        if roll < empty + short:
            return self.rng.randrange(needed)
        return needed

    def _choose(
        self, qualified: list[int], others: list[int], count: int, day: int, event_id: int
    ) -> list[tuple[int, str]]:
        """Up to ``count`` free people, qualified ones first, with a reason for any exception."""
        rng = self.rng
        chosen: list[tuple[int, str]] = []
        if count == 0:
            return chosen
        candidates = rng.sample(qualified, len(qualified))
        fallback = len(candidates)
        candidates += rng.sample(others, len(others))
        for position, vid in enumerate(candidates):
            if self.people.joined[vid] > day or (vid, day) in self.people.away:
                continue
            reason = ""
            busy_with = self.busy.get((vid, day))
            if busy_with is not None:
                if busy_with == event_id or rng.random() >= 0.03:
                    continue
                reason = "Agreed to cover two sessions that day."
            if qualified and position >= fallback:
                if rng.random() >= 0.4:
                    continue
                reason = "Shadowing while the qualification is in progress."
            chosen.append((vid, reason))
            if len(chosen) == count:
                break
        return chosen

    def _assignment(
        self,
        event: _PlannedEvent,
        shift: _PlannedShift,
        occurrence: Occurrence,
        vid: int,
        reason: str,
        *,
        holds: bool,
        past: bool,
    ) -> Row:
        rng = self.rng
        attendance: Attendance | None = None
        hours: float | None = None
        actual_start: datetime | None = None
        actual_end: datetime | None = None
        if event.status is EventStatus.CANCELLED:
            status = AssignmentStatus.CANCELLED
        elif not holds:
            status = AssignmentStatus.DECLINED if past else _spare_status(rng)
        elif event.status is EventStatus.DRAFT:
            status = AssignmentStatus.PROPOSED
        elif past:
            status = AssignmentStatus.ACCEPTED
            attendance = _attendance(rng)
        else:
            status = _future_status(rng)
        if attendance is Attendance.ATTENDED:
            begin = occurrence.starts_at + timedelta(minutes=shift.start_offset)
            finish = (
                begin + timedelta(minutes=shift.minutes)
                if shift.minutes is not None
                else occurrence.ends_at
            )
            if rng.random() < 0.2:
                actual_start = begin + timedelta(minutes=rng.choice((-10, 5, 10)))
                actual_end = finish + timedelta(minutes=rng.choice((-5, 10, 20)))
                begin, finish = actual_start, actual_end
            hours = round((finish - begin).total_seconds() / 3600, 2)
        asked = max(occurrence.recurrence_id - timedelta(days=3 + vid % 20), event.created)
        created = min(asked, self.now)
        updated = min(occurrence.ends_at + timedelta(days=1), self.now) if attendance else created
        return {
            "id": self._next_id("assignment"),
            "uid": f"{uuid.UUID(int=self.uid_rng.getrandbits(128), version=4)}@organizer",
            "shift_id": shift.id,
            "volunteer_id": vid,
            "occurrence_start": occurrence.recurrence_id,
            "status": status,
            "attendance": attendance,
            "hours": hours,
            "actual_start": actual_start,
            "actual_end": actual_end,
            "override_reason": reason,
            "note": rng.choice(_ASSIGNMENT_NOTES) if rng.random() < 0.03 else "",
            **self._stamps(created, updated),
        }


# --- Small pure helpers ----------------------------------------------------------------------


def _future_status(rng: Random) -> AssignmentStatus:
    roll = rng.random()
    if roll < 0.76:
        return AssignmentStatus.ACCEPTED
    if roll < 0.88:
        return AssignmentStatus.INVITED
    if roll < 0.94:
        return AssignmentStatus.TENTATIVE
    return AssignmentStatus.PROPOSED


def _spare_status(rng: Random) -> AssignmentStatus:
    return AssignmentStatus.WAITLISTED if rng.random() < 0.5 else AssignmentStatus.DECLINED


def _attendance(rng: Random) -> Attendance:
    roll = rng.random()
    if roll < 0.88:
        return Attendance.ATTENDED
    if roll < 0.94:
        return Attendance.NO_SHOW
    return Attendance.EXCUSED


def _titled(pattern: str, day: str, area: str | None) -> str:
    day_names = " and ".join(_DAY_NAMES[_DAY_CODES.index(code)] for code in day.split(","))
    title = pattern.format(day=day_names)
    return f"{title} ({area})" if area else title


def _wall_span(day: date, start: time, minutes: int, tz: str) -> tuple[datetime, datetime]:
    """Start and end instants of a local-time slot; the length is wall-clock minutes."""
    zone = ZoneInfo(tz)
    naive = datetime.combine(day, start)
    ends = naive + timedelta(minutes=minutes)
    return naive.replace(tzinfo=zone).astimezone(UTC), ends.replace(tzinfo=zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _unique_names(rng: Random, count: int) -> list[str]:
    reserved = {name for pair in _NEAR_DUPLICATES for name in pair}
    combinations = len(_FIRST_NAMES) * len(_LAST_NAMES)
    names: list[str] = []
    for index in rng.sample(range(combinations), min(count + len(reserved), combinations)):
        first, last = divmod(index, len(_LAST_NAMES))
        name = f"{_FIRST_NAMES[first]} {_LAST_NAMES[last]}"
        if name not in reserved:
            names.append(name)
    return names[:count]


def _random_name(rng: Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


def _email(rng: Random, first: str, last: str) -> str:
    first, last = _ascii(first), _ascii(last)
    roll = rng.random()
    if roll < 0.6:
        local = f"{first}.{last}"
    elif roll < 0.8:
        local = f"{first[:1]}{last}"
    else:
        local = f"{first}{last}{rng.randint(1, 99)}"
    domain = "example.org" if rng.random() < 0.7 else "example.net"
    return f"{local}@{domain}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    return "".join(c for c in folded if c.isascii() and c.isalpha()).lower()


# Ofcom keeps these ranges for drama: they never reach a real person.
_LANDLINE_PREFIXES = ("020 7946", "0161 496", "0121 496", "0113 496", "0117 496", "0141 496")
_PHONE_NUMBERS = 1000 * (1 + len(_LANDLINE_PREFIXES))


def _phone_text(number: int) -> str:
    if number < 1000:
        return f"07700 900{number:03d}"
    prefix = _LANDLINE_PREFIXES[(number - 1000) // 1000 % len(_LANDLINE_PREFIXES)]
    return f"{prefix} {number % 1000:04d}"


def _phone_numbers(rng: Random, count: int) -> list[str]:
    """Distinct fictional numbers, mobiles first while they last."""
    mobiles = min(count, 1000)
    picks = rng.sample(range(1000), mobiles)
    picks += rng.sample(range(1000, _PHONE_NUMBERS), count - mobiles)
    rng.shuffle(picks)
    return [_phone_text(number) for number in picks]
