"""Whatever a script passes `patron-utils`, the answer is an exit status and a message:
0, 2 (bad input), 3 (refused) or 4 (busy), never a traceback, and the database as it was
unless it said 0 to a --yes."""

from __future__ import annotations

import shutil
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.run import run_parser
from patron_utils import main
from store.catalog import RUNNABLE

from .commands import OPERATOR, PASSWORD

KEYS = [e.key for e in RUNNABLE]
# What a value may be: ordinary, empty, huge, negative, NUL, control characters, bytes that
# are not UTF-8 (as Python hands them over: lone surrogates), paths that are no file.
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "12",
            "99999999999999999999999",
            "1e9",
            "Inactive",
            "today",
            "today-1y",
            "01/02/2026",
            "2026-02-30",
            "Room 101",
            "Graduated",
            "ELM",
            "\x00",
            "a\x00b",
            "\x1b[31m",
            "de\udcffmo",
            "/dev/null",
            "/dev/zero",
            "/",
            "/no/such/file",
            "x" * 5000,
            "=cmd|' /C calc'!A0",
            "Ø",
            "'; DROP TABLE x",
        ]
    ),
    st.text(max_size=20),
)
COMMON = ["--operator", "--format"]
OTHERS = {
    "log": ["--limit", "--format"],
    "undo": ["--format"],
    "import": ["--map", "--site", "--dry-run"],
    "export": ["--format", "--barcodes-file", "--grades", "--statuses", "--sites"],
    "list": [],
    "send-mail": ["--host", "--port", "--from", "--reset-url"],
    "password": [],
}
NOT_WRITES = {"login_failures"}  # a wrong --operator is counted, by design


def flags_of(command: list[str]) -> list[str]:
    if command[0] == "run":
        return [
            opt
            for action in run_parser(command[1])._actions
            for opt in action.option_strings
            if opt.startswith("--") and opt not in ("--help", "--db")
        ]
    return OTHERS[command[0]] + COMMON


@st.composite
def argument_lists(draw) -> list[str]:
    name = draw(st.sampled_from(["run"] * 6 + list(OTHERS)))
    command = (
        ["run", draw(st.sampled_from(KEYS + ["no-such-utility"]))] if name == "run" else [name]
    )
    if name == "undo":
        command.append(draw(VALUES))
    if name == "import":
        command.append(draw(st.sampled_from(["people.csv", "/dev/zero", "/", "missing.csv"])))
    flags = flags_of(command) if command[-1] != "no-such-utility" else ["--yes"]
    argv = list(command)
    for flag in draw(st.lists(st.sampled_from(flags), max_size=4)) if flags else []:
        argv.append(flag)
        if not flag.startswith(("--yes", "--dry-run", "--no-")) and draw(
            st.booleans() | st.just(True)
        ):
            argv.append(draw(VALUES))
    return argv


def tables(path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"')))
            for n in names
            if n not in NOT_WRITES
        }
    finally:
        conn.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=argument_lists())
def test_any_argument_list_gets_an_exit_status_and_a_message(
    template, tmp_path, monkeypatch, capsys, argv
):
    path = tmp_path / "fuzz.db"
    shutil.copyfile(template, path)
    (tmp_path / "people.csv").write_text("barcode,last_name\nF1,Fuzz\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATRON_UTILS_OPERATOR", OPERATOR)
    monkeypatch.setenv("PATRON_UTILS_PASSWORD", PASSWORD)
    before = tables(path)
    capsys.readouterr()
    try:
        code = main([*argv, "--db", str(path)])
    except SystemExit as exc:  # argparse's own refusal of a flag or value
        code = exc.code
    captured = capsys.readouterr()
    assert code in (0, 2, 3, 4), (argv, code, captured.err[-2000:])
    assert "Traceback" not in captured.err, (argv, captured.err[-2000:])
    if not (code == 0 and ("--yes" in argv or argv[0] == "import" and "--dry-run" not in argv)):
        assert tables(path) == before, argv
