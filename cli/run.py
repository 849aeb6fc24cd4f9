"""``patron-utils list | run``: the utilities without a screen, for scripts and cron, and what
every command shares (the database, the login, the exit statuses).

Exit status: 0 done (or a dry run printed); 2 invalid input; 3 login failed or not
permitted; 4 the database is busy or the preview went stale.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass

from store import (
    Busy,
    Invalid,
    LoginFailed,
    NotADatabase,
    NotPermitted,
    NotUndoable,
    Operator,
    PasswordChangeRequired,
    ReadOnly,
    Selection,
    Stale,
    Store,
    Unavailable,
)
from store.catalog import RUNNABLE, get
from store.database import resolve_path
from store.selection import read_barcode_file
from store.store import COMMAND_LINE

from . import flags
from .printing import print_operation, print_plan

DONE, INVALID, REFUSED, BUSY = 0, 2, 3, 4


class Exit(Exception):
    """Stop with this status after printing ``message`` to stderr."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def fail(status: int, message: str) -> Exit:
    return Exit(status, message)


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (SQLite holds 64 bits)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; from {low:,} to {high:,}")
        return value

    return parse


# -- shared: the database and the operator ---------------------------------------------------
@dataclass(frozen=True)
class Session:
    """Someone the SSH service (serve/) has already authenticated: the command runs on the
    service's database as them, recorded as made ``via`` that connection; no password is
    asked and --db and --operator may not name another."""

    db: str
    user: str
    via: str


# Set only by ``patron-utils --session-fd N`` (patron_utils.py), from what the service wrote
# to that inherited pipe; None for every command typed or run by cron.
session: Session | None = None


def common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the patron database (default: $PATRON_UTILS_DB, else the demo)",
    )
    parser.add_argument(
        "--operator",
        metavar="NAME",
        default=os.environ.get("PATRON_UTILS_OPERATOR"),
        help="log in as this operator (or $PATRON_UTILS_OPERATOR); the password "
        "comes from $PATRON_UTILS_PASSWORD, or is asked on a terminal",
    )


def open_store(args: argparse.Namespace) -> Store:
    if session is not None and args.db not in (None, session.db):
        raise fail(INVALID, "--db: not over SSH; the service's database is the one used")
    path = resolve_path(session.db if session is not None else args.db)
    if not path.exists():
        raise fail(INVALID, f"--db: there is no database at {path}")
    try:
        # The journal says how each operation was made; over SSH no file of the server is
        # read or written on the operator's word.
        if session is None:
            return Store(path, via=COMMAND_LINE)
        return Store(path, via=session.via, server_files=False)
    except (NotADatabase, ReadOnly) as exc:  # refused before anything was written to it
        raise fail(INVALID, f"--db: {exc}") from None
    except Busy as exc:
        raise fail(BUSY, str(exc)) from None


def log_in(store: Store, args: argparse.Namespace) -> Operator:
    if session is not None:
        return _session_operator(store, args)
    if not args.operator:
        raise fail(
            INVALID,
            "--operator: required; every change is recorded under the "
            "operator who made it (or set PATRON_UTILS_OPERATOR)",
        )
    password = os.environ.get("PATRON_UTILS_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise fail(
                REFUSED, "no password: set PATRON_UTILS_PASSWORD, or run on a terminal to be asked"
            )
        password = getpass.getpass(f"Password for {args.operator}: ")
    try:
        return store.login(args.operator, password)
    except PasswordChangeRequired as exc:
        where = f" --db {args.db}" if getattr(args, "db", None) else ""
        raise fail(
            REFUSED,
            f"{exc}: run `patron-utils password{where} --operator "
            f"{exc.username}` on a terminal to choose one, then try again",
        ) from None
    except LoginFailed as exc:
        raise fail(REFUSED, str(exc)) from None


def _session_operator(store: Store, args: argparse.Namespace) -> Operator:
    """The operator the SSH service authenticated, re-read now (they may since have been
    locked, suspended or removed)."""
    assert session is not None
    if args.operator and args.operator.strip().casefold() != session.user:
        raise fail(INVALID, f"--operator: over SSH you are {session.user}; log in as another")
    try:
        return store.session_operator(session.user)
    except PasswordChangeRequired as exc:
        raise fail(
            REFUSED,
            f"{exc}: connect with `ssh -t` (the app) to choose one, then try again",
        ) from None
    except LoginFailed as exc:
        raise fail(REFUSED, str(exc)) from None


def guarded(action: Callable[[], int]) -> int:
    """Run ``action``; the store's refusals become messages and exit statuses."""
    try:
        return action()
    except Exit as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return exc.status
    except Invalid as exc:
        for problem in exc.problems:
            print(f"patron-utils: {flags.problem_text(problem)}", file=sys.stderr)
        print("patron-utils: nothing was written.", file=sys.stderr)
        return INVALID
    except (NotPermitted, Unavailable, NotUndoable, LoginFailed) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return REFUSED
    except (ReadOnly, NotADatabase) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return INVALID
    except sqlite3.DatabaseError as exc:  # a page or table gone: say so, no traceback
        print(
            f"patron-utils: the database could not be read ({exc}); it may be damaged: "
            "nothing was changed (restore it from a backup)",
            file=sys.stderr,
        )
        return INVALID
    except (Busy, Stale) as exc:
        print(f"patron-utils: {exc}", file=sys.stderr)
        return BUSY


# -- list ----------------------------------------------------------------------------------
def list_utilities(argv: list[str]) -> int:
    argparse.ArgumentParser(
        prog="patron-utils list",
        description="Every utility's key and title: the picker's, then those the app has "
        "on the Grade table tab of Preferences (Advance All Grades).",
    ).parse_args(argv)
    width = max(len(e.key) for e in RUNNABLE)
    for entry in RUNNABLE:
        print(f"{entry.key:<{width}}  {entry.title}")
    return DONE


# -- run -----------------------------------------------------------------------------------
def run_parser(key: str) -> argparse.ArgumentParser:
    utility = get(key)
    parser = argparse.ArgumentParser(
        prog=f"patron-utils run {key}",
        description=f"{utility.title}: {utility.summary} Without --yes this is a dry run: "
        "it prints the plan and writes nothing.",
    )
    common(parser)
    parser.add_argument("--yes", action="store_true", help="apply the plan (otherwise a dry run)")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    parser.add_argument("--preset", metavar="NAME", help="start from this saved run")
    if utility.no_selections:
        _refused_selections(parser)
    else:
        parser.add_argument(
            "--barcodes-file",
            metavar="FILE",
            help="select the patrons listed in FILE (one barcode per line; blank "
            "lines and # comments ignored)",
        )
        flags.add_model(
            parser,
            Selection,
            flags.SELECTION,
            "selections (which patrons)",
            only=utility.criteria(),
        )
    flags.add_model(parser, utility.Options, flags.OPTIONS, "options (what to do)")
    return parser


def _refused_selections(parser: argparse.ArgumentParser) -> None:
    """A utility with no Selections (Advance All Grades) still takes every selection flag,
    unlisted, so that one given is refused by name (by the store, saying why) rather than
    as an unknown argument."""
    parser.description = f"{parser.description} It has no selections: it acts on every patron."
    parser.add_argument("--barcodes-file", metavar="FILE", help=argparse.SUPPRESS)
    for name in Selection.model_fields:
        parser.add_argument(
            flags.flag(name), dest=flags.SELECTION + name, action="append", help=argparse.SUPPRESS
        )


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: patron-utils run KEY [--help] [flags]\n\nKEY is one of:")
        list_utilities([])
        return DONE if argv else INVALID
    key = argv[0]
    if key not in {e.key for e in RUNNABLE}:
        print(
            f"patron-utils run: no utility {key!r}; `patron-utils list` shows them", file=sys.stderr
        )
        return INVALID
    args = run_parser(key).parse_args(argv[1:])
    return guarded(lambda: _run(key, args))


def _run(key: str, args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        operator = log_in(store, args)
        selection, options = {}, {}
        if args.preset:
            try:
                preset = store.find_saved_run(args.preset, key)
            except KeyError as exc:
                raise fail(INVALID, f"--preset: {exc.args[0]}") from None
            if preset["damaged"]:
                raise fail(
                    INVALID,
                    f"--preset: saved run {preset['name']!r} is damaged: {preset['damaged']}",
                )
            selection, options = dict(preset["selection"]), dict(preset["options"])
        # (With no Selections, a blank criterion is refused as any other: not as "empty".)
        criteria = None if get(key).no_selections else Selection
        selection.update(flags.values(args, flags.SELECTION, criteria))
        options.update(flags.values(args, flags.OPTIONS))
        if args.barcodes_file:
            if get(key).no_selections:  # said of the flag typed, before the file is read
                raise fail(INVALID, f"--barcodes-file: {get(key).no_selections}")
            selection["barcodes"] = barcodes_from(args.barcodes_file)
        plan = store.plan(key, selection, options, operator)
        operation_id = None
        if args.yes:
            operation_id = store.apply(plan, progress=_progress(), stage=_stage()).operation_id
            # The journal holds what was done; print it from there.
            print_operation(store, operation_id, args.format)
        else:
            print_plan(store, plan, args.format)
            store.discard(plan)
        return DONE
    finally:
        store.close()


def barcodes_from(path: str) -> list[str]:
    """--barcodes-file read here, so its problems name it (and a path may hold spaces)."""
    try:
        return read_barcode_file(path)
    except ValueError as exc:
        raise fail(INVALID, f"--barcodes-file: {exc}") from None


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    return lambda done, total: print(
        f"\rpreparing {done:,} of {total:,} patrons…", end="", file=sys.stderr, flush=True
    )


def _stage() -> Callable[[int, int, str], None] | None:
    """On a terminal, each step of a long apply on one line, e.g.
    '[3/4] 995,387 patrons being changed…'."""
    if not sys.stderr.isatty():
        return None

    def stage(number: int, of: int, what: str) -> None:
        print(
            f"\r\x1b[K[{number}/{of}] {what}…",
            end="\n" if number == of else "",
            file=sys.stderr,
            flush=True,
        )

    return stage
