"""Qt-free services: every create, read, update and delete the app and command line use.

Each call is one short transaction.  Validation failures raise
:class:`~organizer.errors.ValidationError` naming the field; a save based on an old copy raises
:class:`~organizer.errors.ConflictError` saying who changed the record and when.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
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
    importer: VolunteerImporter
    exporter: VolunteerExporter
    duplicates: DuplicateService
    merges: MergeService
    privacy: PrivacyService
    onboarding: OnboardingService
    conflicts: ConflictService
    autofill: AutoFillService
    cover: CoverService

    @classmethod
    def for_database(cls, db: Database, actor: str | None = None) -> Services:
        """Build every service over ``db`` acting as ``actor``."""
        from organizer.people import duplicates, exporting, importing, merging, newcomers, privacy
        from organizer.scheduling import autofill, conflicts, cover

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
            importer=importing.VolunteerImporter(db, who),
            exporter=exporting.VolunteerExporter(db, who),
            duplicates=duplicates.DuplicateService(db, who),
            merges=merging.MergeService(db, who),
            privacy=privacy.PrivacyService(db, who),
            onboarding=newcomers.OnboardingService(db, who),
            conflicts=conflicts.ConflictService(db, who),
            autofill=autofill.AutoFillService(db, who),
            cover=cover.CoverService(db, who),
        )


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
