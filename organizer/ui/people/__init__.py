"""The desktop side of volunteer records in bulk: import, export, duplicates, privacy, newcomers.

Every window here is a thin layer over :mod:`organizer.people`; the work runs on the
background worker and each change is announced on the hub.
"""
