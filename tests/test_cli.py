"""The command line: each subcommand, and one-line messages with non-zero exits on bad input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from organizer.cli import SCREENSHOT_VIEWS, main
from organizer.paths import default_database_path
from organizer.storage import SCHEMA_HEAD, open_database, table_counts


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def demo_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = tmp_path / "demo.organizer"
    code, out, _ = run(
        ["demo", "--db", str(target), "--seed", "3", "--start", "2026-11-23"], capsys
    )
    assert code == 0
    assert "Wrote the small sample data set" in out
    return target


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("new", "demo", "info", "check", "backup", "export-json", "import-json"):
        assert command in out


def test_the_installed_console_command_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "organizer", "info", "--db", str(tmp_path / "nothing.organizer")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 1
    assert one_line(result.stderr).startswith("organizer: There is no Organizer file at")
    assert "Traceback" not in result.stderr


def test_new_info_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "office.organizer"
    assert run(["new", str(target)], capsys)[0] == 0
    code, out, _ = run(["info", "--db", str(target)], capsys)
    assert code == 0
    assert f"Schema version:  {int(SCHEMA_HEAD)}" in out
    assert "Volunteers:      0" in out
    code, out, _ = run(["check", "--db", str(target)], capsys)
    assert (code, one_line(out)) == (0, f"{target}: integrity and schema are OK.")
    code, _, err = run(["new", str(target)], capsys)
    assert code == 1
    assert one_line(err) == f"organizer: {target} already exists. Choose another name."


def test_db_can_come_from_the_environment(
    demo_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGANIZER_DB", str(demo_file))
    code, out, _ = run(["info"], capsys)
    assert code == 0
    assert f"Database:        {demo_file}" in out


def test_demo_refuses_to_mix_into_existing_data(
    demo_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["demo", "--db", str(demo_file)], capsys)
    assert code == 1
    assert "already has data" in one_line(err)
    code, out, _ = run(["demo", "--db", str(demo_file), "--replace", "--seed", "4"], capsys)
    assert code == 0
    assert "Wrote the small sample data set" in out


def test_demo_on_the_default_database(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["demo"], capsys)
    assert code == 0
    assert default_database_path().exists()
    code, out, _ = run(["info"], capsys)
    assert code == 0 and "Causes:" in out


def test_check_reports_damage(demo_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = sqlite3.connect(demo_file)
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("DELETE FROM volunteers WHERE id IN (SELECT volunteer_id FROM assignments LIMIT 1)")
    raw.commit()
    raw.close()
    code, out, _ = run(["check", "--db", str(demo_file)], capsys)
    assert code == 1
    assert "points at a missing volunteers record" in out


def test_backup_writes_an_openable_copy(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.organizer"
    code, out, _ = run(["backup", "--db", str(demo_file), "-o", str(copy)], capsys)
    assert (code, one_line(out)) == (0, f"Backed up to {copy}")
    original, backed_up = open_database(demo_file), open_database(copy)
    try:
        assert table_counts(original) == table_counts(backed_up)
    finally:
        original.close()
        backed_up.close()


def test_json_round_trip(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "all.json"
    code, out, _ = run(["export-json", "--db", str(demo_file), "-o", str(exported)], capsys)
    assert code == 0 and "Exported" in out
    assert json.loads(exported.read_text(encoding="utf-8"))["format"] == "organizer-json"
    copy = tmp_path / "restored.organizer"
    code, out, _ = run(["import-json", str(exported), "--db", str(copy)], capsys)
    assert code == 0 and "Imported" in out
    original, restored = open_database(demo_file), open_database(copy)
    try:
        assert table_counts(original) == table_counts(restored)
    finally:
        original.close()
        restored.close()


def test_a_broken_json_import_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"format": "organizer-json", "format_version": 1, "tables": {', encoding="utf-8"
    )
    target = tmp_path / "new.organizer"
    code, _, err = run(["import-json", str(broken), "--db", str(target)], capsys)
    assert code == 1
    assert one_line(err).startswith("organizer: ")
    assert "broken.json" in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--start", "2026-02-30"], "not a real date"),
        (["demo", "--scale", "huge"], "invalid choice"),
        (["demo", "--seed", "-4"], "must not be negative"),
        (["backup"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_get_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = one_line(capsys.readouterr().err)
    assert message in err
    assert err.startswith("organizer")


@pytest.mark.parametrize(
    "command", ["info", "check", "backup -o x.organizer", "export-json -o x.json"]
)
def test_a_missing_explicit_database_is_an_error_for_every_command(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "unplugged-share" / "office.organizer"
    code, _, err = run([*command.split(), "--db", str(target)], capsys)
    assert code == 1
    assert one_line(err).startswith(f"organizer: There is no Organizer file at {target}")
    assert not target.exists()


def test_a_file_that_is_not_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list", encoding="utf-8")
    code, _, err = run(["info", "--db", str(notes)], capsys)
    assert (code, one_line(err)) == (1, f"organizer: {notes} is not an Organizer data file.")


def test_check_reports_a_stale_occurrence_index(
    demo_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = sqlite3.connect(demo_file)
    raw.execute("DELETE FROM occurrences WHERE event_id = (SELECT min(id) FROM events)")
    raw.commit()
    raw.close()
    code, out, _ = run(["check", "--db", str(demo_file)], capsys)
    assert code == 1
    assert "are out of date" in out


@pytest.mark.parametrize("view", SCREENSHOT_VIEWS)
def test_screenshot_renders_a_view(
    view: str,
    demo_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    qapp: object,
) -> None:
    from PySide6.QtGui import QImage

    out = tmp_path / f"{view}.png"
    code, printed, _ = run(
        [
            "screenshot",
            "--db",
            str(demo_file),
            "--view",
            view,
            "--out",
            str(out),
            "--size",
            "1100x680",
        ],
        capsys,
    )
    assert (code, one_line(printed)) == (0, f"Saved the {view} view to {out}")
    image = QImage(str(out))
    # Every view fits a small laptop screen (1366x768 at 125 % leaves about 1100x680).
    assert (image.width(), image.height()) == (1100, 680)
    colours = {image.pixel(x, y) for x in range(0, 1100, 37) for y in range(0, 680, 29)}
    assert len(colours) > 3


def test_screenshot_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "gone.organizer"
    code, _, err = run(
        ["screenshot", "--db", str(missing), "--out", str(tmp_path / "x.png")], capsys
    )
    assert (code, one_line(err)) == (1, f"organizer: There is no Organizer file at {missing}.")
