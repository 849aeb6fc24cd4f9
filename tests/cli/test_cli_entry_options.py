"""The options of ``patron-utils`` itself (--db, --group) before the command or after it, by
every command of cli.COMMANDS: a script's ``patron-utils --db X list`` lists, and
``patron-utils list --db X`` is not refused."""

from __future__ import annotations

import sqlite3

import pytest

import cli

from ..store.roster_sync_helpers import export, user

# A command's words (after its name) that do something with the database --db names; the
# environment names none, so a command that ignored --db would say so.
WORDS = {
    "list": [],
    "run": ["change-status", "--grades", "12", "--status", "Inactive"],
    "log": [],
    "show": ["1"],
    "patron": ["20260001"],
    "undo": ["1"],
    "import": ["people.csv", "--dry-run"],
    "export": ["--grades", "12"],
    "password": [],  # refused without a terminal, as it says; after reading --db
    "demo": ["--patrons", "3", "--force"],
    "send-mail": ["--host", "127.0.0.1", "--port", "1", "--from", "a@b.org"],
    "keys": ["list", "demo"],
    "preferences": [],
    "grades": ["list"],
    "sync": ["oneroster", "roster"],
}
# What a command shows that it read this database: its operation, the library's own word.
SAYS = {
    "list": "Change Patron Level",
    "run": "Patrons in Level: 12",
    "log": "#1\t",
    "show": "Operation #1: Change Patron Status",
    "patron": "Level:",
    "undo": "Would undo operation #1",
    "import": "Would import 1 row: 1 new",
    "export": "barcode,",
    "demo": "Created a demo database",
    "send-mail": "Sent 0",
    "keys": "demo has no SSH keys",
    "preferences": "Level",
    "grades": "Graduated",
    "sync": "updated\t20260001\tMcCarthy, Kayla",
}


@pytest.fixture
def library(cli, db, tmp_path, monkeypatch):
    """The demo with one operation, its Grade called Level; the environment names no
    database, so only --db can."""
    assert cli("run", "change-status", "--grades", "12", "--status", "Inactive", "--yes").code == 0
    conn = sqlite3.connect(db)
    conn.execute("INSERT OR REPLACE INTO preferences (key, value) VALUES ('term.grade', 'Level')")
    conn.commit()
    conn.close()
    monkeypatch.setenv("PATRON_UTILS_DB", str(tmp_path / "nowhere.db"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text("barcode,last_name\nN1,New\n")
    export(tmp_path, [user("u1", identifier="20260001", givenName="Kayla", familyName="McCarthy")])
    return db


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_db_before_or_after_the_command_is_the_same_command(cli, library, tmp_path, command):
    words = WORDS.get(command)
    assert words is not None, f"{command}: give it its row in WORDS and SAYS"
    target = tmp_path / "made.db" if command == "demo" else library
    before = cli("--db", target, command, *words)
    after = cli(command, *words, "--db", target)
    for result in (before, after):
        assert "unrecognized arguments" not in result.err, (command, result.err)
        assert "there is no database" not in result.err, (command, result.err)
    if command == "password":
        assert before.code == after.code == 3
        assert "terminal" in before.err and before.err == after.err
        return
    assert before.code == after.code == 0, (command, before.err, after.err)
    assert SAYS[command] in before.out + before.err, command
    assert SAYS[command] in after.out + after.err, command
    if command not in ("demo", "log"):  # times differ: a new database, an operation's start
        assert before.out == after.out, command


def test_help_lists_every_command(capsys):
    from patron_utils import main

    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    listed = {line.split()[0] for line in usage.splitlines() if line.startswith("    ")}
    assert set(cli.COMMANDS) <= listed and "show" in listed


@pytest.mark.parametrize("where", ["before", "after"])
def test_group_before_or_after_demo_makes_the_database_its_groups(cli, tmp_path, where):
    path = tmp_path / "g.db"
    words = ["demo", "--patrons", "3", "--db", str(path)]
    argv = ["--group", *words] if where == "before" else [*words, "--group"]
    assert cli(*argv).code == 0
    assert path.stat().st_mode & 0o777 == 0o660


@pytest.mark.parametrize("command", ["log", "show", "export", "keys", "list"])
def test_group_after_any_command_is_taken(cli, library, command):
    """--group changes nothing for a database already there, but a script may pass it to
    any command, before or after."""
    words = WORDS[command]
    assert cli(command, *words, "--db", library, "--group").code == 0
    assert cli("--group", "--db", library, command, *words).code == 0


def test_run_with_db_before_the_key_and_a_utilitys_own_group(cli, library):
    """`run --db X KEY` is taken; Change Patron Security Group's own --group (the new
    group) stays the utility's, and a --group before the key is the entry module's."""
    plain = cli("run", "--db", library, "change-status", "--grades", "12", "--status", "Active")
    assert plain.code == 0, plain.err
    own = cli(
        "--group",
        "--db",
        library,
        "run",
        "change-security-group",
        "--grades",
        "12",
        "--group",
        "Librarian",
    )
    assert own.code == 0, own.err
    assert "New Security Group: Librarian" in own.out


def test_db_just_after_a_commands_name(cli, library):
    """``keys --db X list USER``: before the command's own action, as before the command."""
    for argv in (["keys", "--db", library, "list", "demo"], ["log", f"--db={library}"]):
        result = cli(*argv)
        assert result.code == 0, (argv, result.err)
    assert "#1\t" in cli("log", "--group", "--db", library).out
