"""Where Organizer writes its log, and how much it keeps.

The log is what a coordinator sends when something goes wrong, so every run appends to one
rotating file in the per-user log folder; warnings also go to stderr.  No Qt here.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from logging.handlers import RotatingFileHandler
from pathlib import Path

from organizer import paths

LOG_FILE_NAME = "organizer.log"
MAX_LOG_BYTES = 2_000_000
KEPT_OLD_LOGS = 3
FILE_HANDLER_NAME = "organizer.file"
STDERR_HANDLER_NAME = "organizer.stderr"
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(threadName)s] %(message)s"


def configure_logging(log_dir: Path | None = None, level: int = logging.INFO) -> Path:
    """Send log records to a rotating file and warnings to stderr; return the file's path.

    Calling it again replaces the handlers it installed before, so it is safe to repeat.
    If the log folder cannot be created, a folder in the temporary directory is used.

    Args:
        log_dir: The folder for the log file; the per-user log folder when ``None``.
        level: The least severe level written to the file.
    """
    folder = _usable_folder(log_dir if log_dir is not None else paths.log_dir())
    log_file = folder / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (FILE_HANDLER_NAME, STDERR_HANDLER_NAME):
            root.removeHandler(handler)
            handler.close()

    file_handler = RotatingFileHandler(
        log_file, maxBytes=MAX_LOG_BYTES, backupCount=KEPT_OLD_LOGS, encoding="utf-8"
    )
    file_handler.set_name(FILE_HANDLER_NAME)
    file_handler.setLevel(level)
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))

    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.set_name(STDERR_HANDLER_NAME)
    stderr_handler.setLevel(logging.WARNING)
    stderr_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    root.addHandler(file_handler)
    root.addHandler(stderr_handler)
    root.setLevel(min(level, logging.WARNING))
    logging.captureWarnings(True)
    return log_file


def _usable_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / "organizer-logs"
        folder.mkdir(parents=True, exist_ok=True)
    return folder
