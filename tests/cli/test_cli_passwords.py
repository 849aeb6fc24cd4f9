"""patron-utils and a reset password: the command line refuses an operator whose password
was reset until it is changed, and ``patron-utils password`` changes it on a terminal."""

from __future__ import annotations

from ..databases import everything
from ..district import LIBRARIAN_ID, District, patron, reset_to_last_name


def test_the_command_line_refuses_a_reset_operator_and_names_the_way_out(
    district: District, cli, monkeypatch
):
    reset_to_last_name(district, LIBRARIAN_ID)
    last_name = patron(district.store, LIBRARIAN_ID)["last_name"]
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", last_name)
    before = everything(district.path)
    result = cli(
        "run",
        "change-status",
        "--status",
        "Active",
        "--yes",
        "--db",
        district.path,
        "--operator",
        "libby",
    )
    assert result.code == 3
    assert "must be changed before anything else" in result.err
    assert f"patron-utils password --db {district.path} --operator libby" in result.err
    assert everything(district.path) == before


def test_patron_utils_password_asks_on_a_terminal_and_sets_it(district: District, cli, monkeypatch):
    reset_to_last_name(district, LIBRARIAN_ID)
    last_name = patron(district.store, LIBRARIAN_ID)["last_name"]
    monkeypatch.delenv("PATRON_UTILS_PASSWORD", raising=False)
    refused = cli("password", "--db", district.path, "--operator", "libby")
    assert refused.code == 3 and "on a terminal" in refused.err  # pytest's stdin is no terminal
    answers = iter([last_name, "Fresh-Password-7", "Fresh-Password-7"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    changed = cli("password", "--db", district.path, "--operator", "libby")
    assert (changed.code, changed.out) == (0, "The password of libby is changed.\n")
    assert district.store.login("libby", "Fresh-Password-7").patron_id == LIBRARIAN_ID
    # Three tries at a new password that will do, then nothing is changed.
    answers = iter(
        [
            "Fresh-Password-7",
            "Another-One-99",
            "Another-One-98",
            "short",
            "short",
            "Fresh-Password-7",
            "Fresh-Password-7",
        ]
    )
    differ = cli("password", "--db", district.path, "--operator", "libby")
    assert differ.code == 2, differ.err
    assert differ.err.count("try again") == 2 and "the two new passwords differ" in differ.err
    assert "at least 10 characters" in differ.err and "must differ from the current" in differ.err
    # A wrong current password is told before any new one is asked for.
    answers = iter(["not-it"])
    wrong = cli("password", "--db", district.path, "--operator", "libby")
    assert wrong.code == 3 and "wrong password" in wrong.err
    assert district.store.login("libby", "Fresh-Password-7").patron_id == LIBRARIAN_ID
