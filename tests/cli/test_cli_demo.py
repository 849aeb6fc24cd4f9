"""patron-utils demo and the command itself: demo databases, absurd sizes, the global --db
flag before a command, and refusing the wrong file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from patron_utils import main
from store.demo import DEMO_OPERATORS

OPERATORS = len(DEMO_OPERATORS)  # the demo's operators are patrons too


def test_demo_creates_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "d.db"
    assert main(["demo", "--db", str(path), "--patrons", "25", "--seed", "3"]) == 0
    assert sqlite3.connect(path).execute("SELECT count(*) FROM patrons").fetchone() == (
        25 + OPERATORS,
    )
    assert main(["demo", "--db", str(path), "--patrons", "10"]) == 2
    assert "--force" in capsys.readouterr().err
    assert sqlite3.connect(path).execute("SELECT count(*) FROM patrons").fetchone() == (
        25 + OPERATORS,
    )
    assert main(["demo", "--db", str(path), "--patrons", "10", "--force"]) == 0
    assert sqlite3.connect(path).execute("SELECT count(*) FROM patrons").fetchone() == (
        10 + OPERATORS,
    )


@pytest.mark.parametrize("bad", ["0", "-5", "many"])
def test_demo_rejects_a_bad_patron_count(tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--db", str(tmp_path / "d.db"), "--patrons", bad])
    assert exit_.value.code == 2
    assert "--patrons" in capsys.readouterr().err
    assert not (tmp_path / "d.db").exists()


def test_a_missing_database_is_not_created(tmp_path, capsys):
    path = tmp_path / "typo.db"
    assert main(["--db", str(path)]) == 2
    assert "patron-utils demo --db" in capsys.readouterr().err
    assert not path.exists()


def test_a_foreign_sqlite_file_is_left_alone(tmp_path, capsys):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    assert main(["--db", str(path)]) == 2
    assert "not a Patron Utilities database" in capsys.readouterr().err
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("invoices",)]


def test_python_dash_m_patron_utils_is_the_same_command(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "patron_utils",
            "demo",
            "--db",
            str(tmp_path / "m.db"),
            "--patrons",
            "5",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "5 patrons" in out.stdout and "demo / demo-librarian" in out.stdout


def test_absurd_demo_sizes_and_the_global_db_flag_before_a_command(tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit):
        main(["demo", "--db", str(tmp_path / "huge.db"), "--patrons", "9" * 40])
    assert "is not allowed; from 1 to 10,000,000" in capsys.readouterr().err
    assert not (tmp_path / "huge.db").exists()
    path = tmp_path / "d.db"
    main(["demo", "--db", str(path), "--patrons", "20"])
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", "demo")
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", "demo-librarian")
    capsys.readouterr()
    # The usage line's order: --db before the command reaches the command.
    assert main(["--db", str(path), "log"]) == 0
    capsys.readouterr()
    assert main([f"--db={path}", "undo", "1"]) == 3  # refused: the command ran, with its ID
    assert "unrecognized arguments" not in capsys.readouterr().err


def test_the_options_before_a_command_reach_it_and_help_lists_every_command(tmp_path, capsys):
    """The entry module (patron_utils.py) hands --db and --group before a command to the
    command; --help lists each command cli/ runs, with what it does."""
    import cli

    path = tmp_path / "g.db"
    assert main(["--group", "--db", str(path), "demo", "--patrons", "3"]) == 0
    assert path.stat().st_mode & 0o777 == 0o660  # --group reached demo
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    for name, summary in cli.SUMMARIES.items():
        assert name in usage and summary.split(":")[0] in usage
    assert set(cli.SUMMARIES) == set(cli.COMMANDS)
