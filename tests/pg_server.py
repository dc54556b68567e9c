"""A real, throw-away PostgreSQL server for the tests.

``initdb`` refuses to run as root, and CI runs as root, so the cluster is made and run by an
unprivileged system user (``organizer-pg``, created with ``useradd`` when missing) in a
temporary folder it owns.  The server listens on 127.0.0.1 only, on a free port, with its
socket in that folder, and password (SCRAM) authentication over TCP.  :meth:`PgServer.stop`
stops it and removes the folder; it is also registered with :mod:`atexit`.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

PG_USER = "organizer-pg"
SUPERUSER = "postgres"
PASSWORD = "organizer-test-secret"


class PgServerError(RuntimeError):
    """PostgreSQL could not be found, set up or started; the message says what to do."""


def find_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (the newest Debian version, else PATH)."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(versions):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(os.path.realpath(initdb)).parent
    raise PgServerError(
        "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on "
        "PATH). Run scripts/system-deps.sh as root, or: apt-get install postgresql"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ensure_user() -> str | None:
    """The user to run PostgreSQL as (None: the current, unprivileged user)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        done = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 and "already exists" not in done.stderr:
            raise PgServerError(
                f"Could not create the system user {PG_USER} to run PostgreSQL "
                f"(initdb refuses root): {done.stderr.strip()}"
            ) from None
    return PG_USER


class PgServer:
    """One PostgreSQL cluster in a temporary folder; :meth:`start` it, then :meth:`stop`."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.user = _ensure_user()
        # The server user must reach the folder, so it goes under /tmp, not a private TMPDIR.
        shared = "/tmp" if self.user is not None and Path("/tmp").is_dir() else None
        self.root = Path(tempfile.mkdtemp(prefix="organizer-pg-", dir=shared))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.port = 0
        self.running = False

    def _run(self, program: str, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=self.root, timeout=120
        )

    def start(self) -> None:
        """Create the cluster and start the server; raise PgServerError saying why not."""
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        password_file = self.root / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        if self.user is not None:
            os.chown(password_file, pwd.getpwnam(self.user).pw_uid, -1)
        init = self._run(
            "initdb",
            [
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )
        password_file.unlink()
        if init.returncode != 0:
            raise PgServerError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        last_error = ""
        for _attempt in range(3):  # a port found free can be taken before the server binds
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            started = self._run(
                "pg_ctl",
                [
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                ],
            )
            if started.returncode == 0:
                self.running = True
                atexit.register(self.stop)
                return
            last_error = started.stderr.strip() or started.stdout.strip()
            if self.log_file.exists():
                last_error += "\n" + self.log_file.read_text(encoding="utf-8", errors="replace")
        raise PgServerError(f"PostgreSQL did not start: {last_error}")

    def url(self, database: str = "postgres", *, password: str = PASSWORD) -> str:
        """A SQLAlchemy URL for ``database`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server (if it runs) and delete its folder."""
        if self.running:
            self._run("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", str(self.data_dir)])
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)
