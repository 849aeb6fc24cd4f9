"""Every command refuses a --db that is not a Patron Utilities database — another program's
SQLite file, an empty file, a text file, a directory, a device — before writing anything."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tui.__main__ import main

COMMANDS = {
    "the app": [],
    "run": ["run", "change-status", "--status", "Active", "--yes"],
    "log": ["log"],
    "undo": ["undo", "1", "--yes"],
    "import": ["import", "people.csv"],
    "export": ["export"],
    "send-mail": ["send-mail", "--host", "127.0.0.1", "--from", "a@b.org"],
}


def another_programs(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO messages (body) VALUES ('hello')")
    conn.commit()
    conn.close()
    return path


TARGETS = {
    "another program's database": another_programs,
    "an empty file": lambda p: (p.write_bytes(b""), p)[1],
    "a text file": lambda p: (p.write_text("not a database\n"), p)[1],
    "a directory": lambda p: (p.mkdir(), p)[1],
    "a device": lambda p: Path("/dev/null"),
}


def fingerprint(path: Path) -> str | None:
    if not path.is_file():
        return None
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]
    return hashlib.sha256(b"".join(f.read_bytes() if f.exists() else b"-" for f in files)).hexdigest()


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_foreign_database_is_refused_and_left_as_it_was(tmp_path, monkeypatch, capsys,
                                                          command, target):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text("barcode,last_name\nN1,New\n")
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "demo")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    path = TARGETS[target](tmp_path / "other.db")
    before = fingerprint(path)
    code = main([*COMMANDS[command], "--db", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert ("is not a Patron Utilities database" in err or "is empty" in err
            or "is not a file" in err), err
    assert "Traceback" not in err
    assert fingerprint(path) == before
    assert not Path(f"{path}-wal").exists() or target == "a device"
