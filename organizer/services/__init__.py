"""Qt-free services: every create, read, update and delete the app and command line use.

Each call is one short transaction.  Validation failures raise
:class:`~organizer.errors.ValidationError` naming the field; a save based on an old copy raises
:class:`~organizer.errors.ConflictError` saying who changed the record and when.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from organizer.services.coverage import CoverageService, FillStatus, ShiftFill
from organizer.services.directory import DirectoryService
from organizer.services.events import (
    AssignmentDraft,
    AssignmentService,
    EventDraft,
    EventService,
    OccurrenceInfo,
    ShiftDraft,
    ShiftService,
)
from organizer.services.journal import ChangeLogService
from organizer.services.organisation import (
    CauseDraft,
    CauseService,
    LocationDraft,
    LocationService,
    QualificationDraft,
    QualificationService,
)
from organizer.services.roster import RosterService
from organizer.services.series import SeriesService
from organizer.services.settings import SettingsService
from organizer.services.volunteers import (
    Blackout,
    Consent,
    HeldQualification,
    VolunteerDraft,
    VolunteerService,
    WeeklyWindow,
)
from organizer.storage import Database

if TYPE_CHECKING:  # organizer.people builds on these services, so it is imported when used
    from organizer.people.duplicates import DuplicateService
    from organizer.people.exporting import VolunteerExporter
    from organizer.people.importing import VolunteerImporter
    from organizer.people.merging import MergeService
    from organizer.people.newcomers import OnboardingService
    from organizer.people.privacy import PrivacyService
    from organizer.scheduling.autofill import AutoFillService
    from organizer.scheduling.conflicts import ConflictService
    from organizer.scheduling.cover import CoverService


def default_actor() -> str:
    """Who is making changes, when the coordinator has not given a name: user@host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "someone"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class Services:
    """The services for one open database and one acting coordinator.

    A plain bundle built once where the app starts; each view is handed the services it needs.
    The people and scheduling services are made the first time they are asked for, so a
    window that never imports or auto-fills does not load their code.
    """

    causes: CauseService
    locations: LocationService
    qualifications: QualificationService
    volunteers: VolunteerService
    events: EventService
    shifts: ShiftService
    assignments: AssignmentService
    changes: ChangeLogService
    coverage: CoverageService
    directory: DirectoryService
    roster: RosterService
    series: SeriesService
    settings: SettingsService

    @classmethod
    def for_database(cls, db: Database, actor: str | None = None) -> Services:
        """Build every service over ``db`` acting as ``actor``."""
        who = actor or default_actor()
        return cls(
            causes=CauseService(db, who),
            locations=LocationService(db, who),
            qualifications=QualificationService(db, who),
            volunteers=VolunteerService(db, who),
            events=EventService(db, who),
            shifts=ShiftService(db, who),
            assignments=AssignmentService(db, who),
            changes=ChangeLogService(db, who),
            coverage=CoverageService(db, who),
            directory=DirectoryService(db, who),
            roster=RosterService(db, who),
            series=SeriesService(db, who),
            settings=SettingsService(db, who),
        )

    @property
    def db(self) -> Database:
        """The database these services work on."""
        return self.causes.db

    @property
    def actor(self) -> str:
        """Who the services act as."""
        return self.causes.actor

    @cached_property
    def importer(self) -> VolunteerImporter:
        """Importing volunteers from CSV and XLSX files."""
        from organizer.people.importing import VolunteerImporter

        return VolunteerImporter(self.db, self.actor)

    @cached_property
    def exporter(self) -> VolunteerExporter:
        """Exporting volunteers to CSV and XLSX files."""
        from organizer.people.exporting import VolunteerExporter

        return VolunteerExporter(self.db, self.actor)

    @cached_property
    def duplicates(self) -> DuplicateService:
        """Finding volunteers recorded twice."""
        from organizer.people.duplicates import DuplicateService

        return DuplicateService(self.db, self.actor)

    @cached_property
    def merges(self) -> MergeService:
        """Merging two records of one volunteer."""
        from organizer.people.merging import MergeService

        return MergeService(self.db, self.actor)

    @cached_property
    def privacy(self) -> PrivacyService:
        """Data requests, erasure and anonymising."""
        from organizer.people.privacy import PrivacyService

        return PrivacyService(self.db, self.actor)

    @cached_property
    def onboarding(self) -> OnboardingService:
        """Newcomers' checklists and buddies."""
        from organizer.people.newcomers import OnboardingService

        return OnboardingService(self.db, self.actor)

    @cached_property
    def conflicts(self) -> ConflictService:
        """Checking assignments against every rule."""
        from organizer.scheduling.conflicts import ConflictService

        return ConflictService(self.db, self.actor)

    @cached_property
    def autofill(self) -> AutoFillService:
        """Proposing people for open places."""
        from organizer.scheduling.autofill import AutoFillService

        return AutoFillService(self.db, self.actor)

    @cached_property
    def cover(self) -> CoverService:
        """Finding cover when someone drops out."""
        from organizer.scheduling.cover import CoverService

        return CoverService(self.db, self.actor)


__all__ = [
    "AssignmentDraft",
    "AssignmentService",
    "Blackout",
    "CauseDraft",
    "CauseService",
    "ChangeLogService",
    "Consent",
    "CoverageService",
    "DirectoryService",
    "EventDraft",
    "EventService",
    "FillStatus",
    "HeldQualification",
    "LocationDraft",
    "LocationService",
    "OccurrenceInfo",
    "QualificationDraft",
    "QualificationService",
    "RosterService",
    "SeriesService",
    "Services",
    "SettingsService",
    "ShiftDraft",
    "ShiftFill",
    "ShiftService",
    "VolunteerDraft",
    "VolunteerService",
    "WeeklyWindow",
    "default_actor",
]
