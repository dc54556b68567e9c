"""Sharing one database among several running copies of Organizer (Qt-free).

- :mod:`~organizer.sharing.watch`: notice other coordinators' changes (``ChangeWatcher``).
- :mod:`~organizer.sharing.presence`: who else has the file open (``PresenceService``).
- :mod:`~organizer.sharing.backups`: daily rotating backups, listing and restoring them.
- :mod:`~organizer.sharing.checks`: sync-folder detection, a lock probe, who is saving.
- :mod:`~organizer.sharing.retry`: retry a write unit while the file is busy.
"""
