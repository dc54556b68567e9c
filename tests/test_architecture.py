"""The core never imports Qt: it must run in a command line, a server or a test without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import organizer

CORE_MODULES = [
    "organizer",
    "organizer.models",
    "organizer.storage",
    "organizer.services",
    "organizer.recurrence",
    "organizer.validation",
    "organizer.errors",
    "organizer.paths",
    "organizer.cli",
    "organizer.demo",
    "organizer.jsonio",
    "organizer.logs",
]


def test_core_imports_without_pyside6() -> None:
    script = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""


def test_no_core_source_mentions_qt() -> None:
    root = Path(organizer.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "ui" not in path.relative_to(root).parts[:1]
        and path.name != "app.py"
        and ("PySide6" in path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
