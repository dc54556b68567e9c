"""Retrying a whole write unit while another copy keeps the file busy.

``Database.write`` already waits up to the busy timeout for the lock; when that runs out the
unit was rolled back, so running it again from the start is safe.  After the last attempt the
error names who is probably saving, from the presence table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from organizer.errors import DatabaseLockedError
from organizer.sharing.checks import busy_holder
from organizer.storage import Database

T = TypeVar("T")

ATTEMPTS = 4
FIRST_DELAY = 0.25
"""Seconds before the second attempt; each later wait doubles."""


def write_with_retry(
    db: Database,
    work: Callable[[Session], T],
    attempts: int = ATTEMPTS,
    on_wait: Callable[[int, float], None] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` in a write transaction, trying again with backoff while the file is busy.

    ``work`` must not have effects outside the session (it may run more than once).
    ``on_wait(attempt, delay)`` is told before each wait, e.g. to show "waiting for ...".

    Raises:
        DatabaseLockedError: still busy after ``attempts``; names who is saving when known.
    """
    delay = FIRST_DELAY
    for attempt in range(1, max(1, attempts) + 1):
        try:
            with db.write() as session:
                return work(session)
        except DatabaseLockedError:
            if attempt >= attempts:
                break
            if on_wait is not None:
                on_wait(attempt, delay)
            sleep(delay)
            delay *= 2
    raise DatabaseLockedError(busy_message(db))


def busy_message(db: Database) -> str:
    """'<file> is busy: <who> is saving ...' naming the other session when it is known."""
    holder = busy_holder(db)
    who = "another coordinator or program" if holder is None else f"{holder.user} on {holder.host}"
    return (
        f"{db.display_name} is busy: {who} has been saving to it for too long. "
        "Nothing was changed; try again in a moment."
    )
