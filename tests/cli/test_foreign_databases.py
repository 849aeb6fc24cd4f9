"""Every command refuses a --db that is not a Patron Utilities database — another program's
SQLite file, an empty file, a text file, a directory, a device — before writing anything."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from patron_utils import main

COMMANDS = {
    "the app": [],
    "run": ["run", "change-status", "--status", "Active", "--yes"],
    "log": ["log"],
    "patron": ["patron", "20260001"],
    "undo": ["undo", "1", "--yes"],
    "import": ["import", "people.csv"],
    "export": ["export"],
    "send-mail": ["send-mail", "--host", "127.0.0.1", "--from", "a@b.org"],
    "keys": ["keys", "list", "demo"],
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
    return hashlib.sha256(
        b"".join(f.read_bytes() if f.exists() else b"-" for f in files)
    ).hexdigest()


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_foreign_database_is_refused_and_left_as_it_was(
    tmp_path, monkeypatch, capsys, command, target
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text("barcode,last_name\nN1,New\n")
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "demo")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    path = TARGETS[target](tmp_path / "other.db")
    before = fingerprint(path)
    code = main([*COMMANDS[command], "--db", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert (
        "is not a Patron Utilities database" in err or "is empty" in err or "is not a file" in err
    ), err
    assert "Traceback" not in err
    assert fingerprint(path) == before
    assert not Path(f"{path}-wal").exists() or target == "a device"


def _as_demo(monkeypatch):
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "demo")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")


@pytest.mark.parametrize("name", ["room#5.db", "what?mode=memory.db", "100%.db"])
def test_a_path_with_uri_characters_names_exactly_that_file(tmp_path, monkeypatch, capsys, name):
    # '#', '?' and '%' are letters of a file name, not parts of an SQLite URI.
    _as_demo(monkeypatch)
    path = tmp_path / name
    assert main(["demo", "--db", str(path), "--patrons", "30"]) == 0
    assert main(["run", "change-status", "--status", "Inactive", "--yes", "--db", str(path)]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM operations").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM patrons WHERE status = 'Inactive'").fetchone()[0] > 1
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(name)) == []


def test_a_file_with_only_some_of_our_table_names_is_not_ours(tmp_path, monkeypatch, capsys):
    _as_demo(monkeypatch)
    path = tmp_path / "lookalike.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE patrons (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE operations (id INTEGER PRIMARY KEY)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    assert main(["log", "--db", str(path)]) == 2
    assert "is not a Patron Utilities database" in capsys.readouterr().err
    assert fingerprint(path) == before


def test_a_database_of_a_newer_version_is_refused_with_a_message(tmp_path, monkeypatch, capsys):
    _as_demo(monkeypatch)
    path = tmp_path / "newer.db"
    main(["demo", "--db", str(path), "--patrons", "30"])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    capsys.readouterr()
    before = fingerprint(path)
    assert main(["run", "change-status", "--status", "Inactive", "--yes", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "newer Patron Utilities" in err and "Traceback" not in err
    assert fingerprint(path) == before


def test_a_read_only_database_is_refused_before_a_write(tmp_path, monkeypatch, capsys):
    # Root may write any file, so the account's lack of rights is what os.access reports.
    _as_demo(monkeypatch)
    path = tmp_path / "shared.db"
    main(["demo", "--db", str(path), "--patrons", "30"])
    capsys.readouterr()
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: (
            False if (mode & os.W_OK and os.fspath(p) == str(path)) else real(p, mode, **kw)
        ),
    )
    assert main(["run", "change-status", "--status", "Inactive", "--yes", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cannot be written" in err and "Traceback" not in err
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM operations").fetchone()[0] == 0
    conn.close()


@pytest.mark.parametrize("kind", ["a link to a demo database", "a named pipe"])
def test_demo_force_replaces_only_a_regular_demo_file(tmp_path, capsys, kind):
    target = tmp_path / "real.db"
    main(["demo", "--db", str(target), "--patrons", "30"])
    before = fingerprint(target)
    path = tmp_path / "odd.db"
    if kind == "a named pipe":
        os.mkfifo(path)
    else:
        path.symlink_to(target)
    capsys.readouterr()
    assert main(["demo", "--db", str(path), "--force", "--patrons", "30"]) == 2
    assert "patron-utils demo:" in capsys.readouterr().err
    assert fingerprint(target) == before
    assert path.is_symlink() or path.is_fifo()


def _demo(tmp_path, monkeypatch, capsys, name="ours.db") -> Path:
    _as_demo(monkeypatch)
    path = tmp_path / name
    main(["demo", "--db", str(path), "--patrons", "30"])
    capsys.readouterr()
    return path


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "the app"])
def test_a_database_missing_a_table_is_damaged_not_a_traceback(
    tmp_path, monkeypatch, capsys, command
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text("barcode,last_name\nN1,New\n")
    path = _demo(tmp_path, monkeypatch, capsys)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TABLE patrons")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    assert main([*COMMANDS[command], "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "damaged Patron Utilities database (no table patrons)" in err and "Traceback" not in err
    assert fingerprint(path) == before


def test_a_corrupt_page_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    path = _demo(tmp_path, monkeypatch, capsys)
    data = bytearray(path.read_bytes())
    data[8 * 4096 : 12 * 4096] = b"\xff" * (4 * 4096)  # pages of the patrons, not the schema
    path.write_bytes(bytes(data))
    (tmp_path / "ok.csv").write_text("barcode,last_name\nN1,New\n")
    code = main(["import", str(tmp_path / "ok.csv"), "--dry-run", "--db", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "may be damaged" in err or "damaged" in err, err


def test_a_refused_file_gets_no_wal_or_shm_beside_it(tmp_path, monkeypatch, capsys):
    path = _demo(tmp_path, monkeypatch, capsys)
    cut = tmp_path / "cut.db"
    cut.write_bytes(path.read_bytes()[:100])  # a header and nothing more
    assert main(["log", "--db", str(cut)]) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("cut")) == ["cut.db"]


def test_a_shm_file_of_another_account_is_named_not_blamed_on_the_database(
    tmp_path, monkeypatch, capsys
):
    # Another account opened it read-only and left its -shm: say which file and whose.
    path = _demo(tmp_path, monkeypatch, capsys)
    shm = Path(f"{path}-shm")
    shm.write_bytes(b"")
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: (
            False if (mode & os.W_OK and os.fspath(p) == str(shm)) else real(p, mode, **kw)
        ),
    )
    assert main(["log", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{shm} cannot be written by this account (it belongs to another account" in err
