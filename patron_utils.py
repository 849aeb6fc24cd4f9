"""The ``patron-utils`` command: open the app, or hand a command to the command line.

The one module that knows both front ends: tui/ and cli/ never import each other, so a
cron job's ``patron-utils run …`` never loads Textual, and the app never depends on how
the command line parses its flags.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys

from cli import COMMANDS, SUMMARIES
from cli.demo import DEMO_PATRONS
from cli.run import leading_entry_options
from store.database import Busy, NotADatabase, default_path, resolve_path


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="patron-utils",
        description="Batch utilities for a library's patron database. With no command, "
        "opens the app (on a demo database it creates, unless --db or "
        "PATRON_UTILS_DB names one).",
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        help=f"the patron database file (default: $PATRON_UTILS_DB, else {default_path()})",
    )
    p.add_argument(
        "--group",
        action="store_true",
        help="a database created now is readable by its group too (0660, not 0600)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # Listed for --help; each command parses its own arguments (cli/).
    for name, summary in SUMMARIES.items():
        sub.add_parser(name, help=summary, add_help=False)
    sub.add_parser("serve", help="serve the app and the commands over SSH", add_help=False)
    return p


# Neither the app nor a command of cli/: the SSH service (serve/), which starts this module
# again, as `--session-fd N`, for each session.
ENTRY_COMMANDS = {*COMMANDS, "serve"}


def _not_utf8(argv: list[str]) -> str | None:
    """Bytes that are not UTF-8 arrive as lone surrogates: no name, path or value has them."""
    for number, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode()
            return f"argument {number} is not UTF-8 text ({shown}); nothing was done"
    return None


def _command_first(argv: list[str]) -> list[str]:
    """``patron-utils --db PATH log`` as the usage shows it: the options before a command
    (--db, --group), or just after its name (``keys --db PATH list …``), go to the command,
    which takes them too (cli.run.entry_options), after its own words — or before a ``--``,
    after which every word is an argument."""
    lead = leading_entry_options(argv)
    if lead >= len(argv) or argv[lead] not in ENTRY_COMMANDS:
        return argv
    command, rest = argv[lead], argv[lead + 1 :]
    more = leading_entry_options(rest)
    given, rest = [*argv[:lead], *rest[:more]], rest[more:]
    if not given:
        return argv
    if command == "run":  # run places them itself, after the utility's key
        return [command, *given, *rest]
    end = rest.index("--") if "--" in rest else len(rest)
    return [command, *rest[:end], *given, *rest[end:]]


def open_app(db: str | None, group: bool) -> int:
    from store.demo import create_demo
    from tui.app import make_app

    path = resolve_path(db)
    notice = None
    if not path.exists():
        if path != default_path():
            print(
                f"patron-utils: there is no database at {path}.\n"
                f"To create a demo database there: patron-utils demo --db {path}",
                file=sys.stderr,
            )
            return 2
        create_demo(path, patrons=DEMO_PATRONS, group=group)
        notice = (
            f"Created a demo database with {DEMO_PATRONS:,} patrons at {path}. "
            "Use --db PATH to open your library's database."
        )
    try:
        app = make_app(path, notice=notice)
    except (Busy, NotADatabase, RuntimeError, sqlite3.DatabaseError) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return 2
    app.run()
    return 0


def ssh_session(fd: int) -> int:
    """One SSH session, started by the service (serve/session.py) on a pseudo-terminal or
    pipes: who logged in, and what they asked for, come from the pipe ``fd`` the service
    wrote and closed (never from argv or the environment, which anyone could set).

    With no command it is the app, already logged in; with one, that command of cli/, run
    as that operator."""
    import fcntl
    import signal
    import termios

    import cli.run
    from store import LoginFailed, PasswordChangeRequired, Store

    # The service ends a session by SIGHUP, as a dropped line would. An ignored SIGHUP is
    # inherited through exec: a service started under nohup would leave every session's
    # app running after its client left, and wait for them when told to stop.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)

    try:
        with os.fdopen(fd, "rb") as pipe:
            request = json.loads(pipe.read(1 << 16))
        db, user, via, command = (
            request["db"],
            request["user"],
            request["via"],
            request["command"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"patron-utils: not started by the SSH service ({exc})", file=sys.stderr)
        return 2
    if os.isatty(0):  # the session's terminal: its hang-up (a dropped connection) is ours
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    if command is not None:
        for name in ("PATRON_UTILS_PASSWORD", "PATRON_UTILS_DB"):
            os.environ.pop(name, None)
        os.environ["PATRON_UTILS_OPERATOR"] = user
        cli.run.session = cli.run.Session(db=db, user=user, via=via)
        return main(command)

    from tui.app import session_app

    try:
        store = Store(db, via=via, server_files=False)  # the server's files are not theirs
    except (Busy, NotADatabase, RuntimeError, sqlite3.DatabaseError) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return 2
    operator = None
    try:
        operator = store.session_operator(user)
    except PasswordChangeRequired:
        pass  # the app asks for a new password first
    except LoginFailed as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return 3
    if request.get("must_change"):
        operator = None
    session_app(store, user, operator).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if problem := _not_utf8(argv):
        print(f"patron-utils: {problem}", file=sys.stderr)
        return 2
    if len(argv) == 2 and argv[0] == "--session-fd" and argv[1].isdigit():
        return ssh_session(int(argv[1]))
    argv = _command_first(argv)
    if argv and argv[0] == "serve":
        from serve import main as serve

        return serve(argv[1:])
    if argv and argv[0] in COMMANDS:  # each parses its own flags (a utility's are generated)
        try:
            return COMMANDS[argv[0]](argv[1:])
        except BrokenPipeError:  # piped into head: stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    args = parser().parse_args(argv)
    return open_app(args.db, args.group)


if __name__ == "__main__":
    sys.exit(main())
