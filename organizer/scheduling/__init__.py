"""The scheduling engine (no Qt): conflict checks, auto-fill with a solver, cover and waitlists.

:mod:`~organizer.scheduling.conflicts` says what speaks against a volunteer on a shift;
:mod:`~organizer.scheduling.autofill` proposes volunteers for open places with an integer
program; :mod:`~organizer.scheduling.cover` finds cover for a shift and runs its waitlist;
:mod:`~organizer.scheduling.limits` holds the organisation's scheduling limits.
"""
