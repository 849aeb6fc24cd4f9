"""``patron-utils list | run``: the utilities without a screen, for scripts and cron, and what
every command shares (the options of patron-utils itself, the database, the login, the
library's terms; the exit statuses are cli/exits.py's).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from store import (
    Busy,
    Invalid,
    LoginFailed,
    NotADatabase,
    Operator,
    PasswordChangeRequired,
    Problem,
    ReadOnly,
    Selection,
    Store,
)
from store.catalog import RUNNABLE, get
from store.database import resolve_path
from store.preferences import localize
from store.selection import read_barcode_file
from store.store import COMMAND_LINE

from . import flags

# Exit and whole too: the commands import them from here (they were defined here first).
from .exits import BUSY, DONE, INVALID, REFUSED, Exit, fail, guarded, whole  # noqa: F401
from .printing import print_operation, print_plan


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


def entry_options(parser: argparse.ArgumentParser, group: bool = True) -> None:
    """The options of ``patron-utils`` itself (patron_utils.py), which every command takes
    too, so a script may put them before the command or after it: ``patron-utils --db X
    log`` is ``patron-utils log --db X``. Also: a value may start with '-' (flags.dash_values).

    Without ``group``, no --group: a utility's own flag has the name (Change Patron Security
    Group's --group is the new security group)."""
    flags.dash_values(parser)
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the patron database (default: $PATRON_UTILS_DB, else the demo)",
    )
    if group:
        parser.add_argument(
            "--group",
            action="store_true",
            help="a database created now is readable by its group too (0660, not 0600); "
            "it changes nothing for a database that is already there",
        )


def leading_entry_options(argv: list[str]) -> int:
    """How many words at the front of ``argv`` are entry options (--db PATH, --db=PATH,
    --group): the part of ``patron-utils --db X CMD …`` that comes before CMD."""
    lead = 0
    while lead < len(argv):
        if argv[lead] == "--db":
            lead += 2
        elif argv[lead] == "--group" or argv[lead].startswith("--db="):
            lead += 1
        else:
            break
    return min(lead, len(argv))


def common(parser: argparse.ArgumentParser, group: bool = True) -> None:
    entry_options(parser, group)
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


# -- list ----------------------------------------------------------------------------------
def list_utilities(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils list",
        description="Every utility's key and title: the picker's, then those the app has "
        "on the Grade table tab of Preferences (Advance All Grades); in the library's "
        "terminology (its word for Grade, Location, 2nd Location) when there is a database "
        "to read it from.",
    )
    entry_options(parser)
    args = parser.parse_args(argv)
    return guarded(lambda: _list(args))


def _list(args: argparse.Namespace) -> int:
    say = library_terms(args.db)
    width = max(len(e.key) for e in RUNNABLE)
    for entry in RUNNABLE:
        print(f"{entry.key:<{width}}  {say(entry.title)}")
    return DONE


def library_terms(db: str | None) -> Callable[[str], str]:
    """Text in the library's terminology (store.preferences.localize), as the app says it:
    read from the database ``db`` (or $PATRON_UTILS_DB, or the demo) when there is one,
    else the default words — a list or a --help needs no database. A --db named but not
    there is refused (a typo would otherwise show another library's words)."""
    path = resolve_path(session.db if session is not None else db)
    if not path.exists():
        if db is not None and session is None:
            raise fail(INVALID, f"--db: there is no database at {path}")
        return str
    args = argparse.Namespace(db=db)
    store = open_store(args)
    try:
        prefs = store.preferences()
    finally:
        store.close()
    return lambda text: localize(text, prefs)


# -- run -----------------------------------------------------------------------------------
def run_parser(
    key: str, say: Callable[[str], str] = str, choices: Callable[[str], list[str]] | None = None
) -> argparse.ArgumentParser:
    """The flags of ``run KEY``; ``say`` and ``choices`` put the help in the library's words
    and list its database's values (library_terms)."""
    utility = get(key)
    parser = argparse.ArgumentParser(
        prog=f"patron-utils run {key}",
        description=say(f"{utility.title}: {utility.summary}").replace("%", "%%")
        + " Without --yes this is a dry run: it prints the plan and writes nothing.",
    )
    common(parser, group=not _own_group(key))
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
            say=say,
            choices=choices,
        )
    flags.add_model(
        parser, utility.Options, flags.OPTIONS, "options (what to do)", say=say, choices=choices
    )
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


def _own_group(key: str) -> bool:
    """The utility has a --group of its own (an option named ``group``)."""
    return "group" in get(key).Options.model_fields


def run(argv: list[str]) -> int:
    # run --db X KEY … (or patron-utils --db X run KEY …): they follow the key. A --group
    # there is the entry module's (run creates no database); after the key, a utility's own
    # --group is the utility's.
    lead = leading_entry_options(argv)
    if 0 < lead < len(argv):
        given = argv[:lead]
        if argv[lead] in {e.key for e in RUNNABLE} and _own_group(argv[lead]):
            given = [word for word in given if word != "--group"]
        argv = [argv[lead], *given, *argv[lead + 1 :]]
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
    if _asks_help(argv[1:]):  # the help in the library's words, its values listed
        return guarded(lambda: _help(key, argv[1:]))
    args = run_parser(key).parse_args(argv[1:])
    return guarded(lambda: _run(key, args))


def _asks_help(argv: list[str]) -> bool:
    return any(a == "-h" or (len(a) > 2 and "--help".startswith(a)) for a in argv)


def _help(key: str, argv: list[str]) -> int:
    """``run KEY --help``: read the library's terms and values first (a database named by
    --db, else the environment's or the demo's, if there is one)."""
    entry = argparse.ArgumentParser(add_help=False)
    entry.add_argument("--db")
    db = entry.parse_known_args(argv)[0].db
    say, choices = library_terms(db), None
    if say is not str:
        choices = _choices_of(db)
    run_parser(key, say, choices).parse_args(argv)  # prints the help and exits
    return DONE


def _choices_of(db: str | None) -> Callable[[str], list[str]]:
    store = open_store(argparse.Namespace(db=db))
    try:
        # Read now: help lists them; the database is closed before it is printed.
        from store.choices import CHOICES_SQL

        known = {kind: store.choices(kind) for kind in CHOICES_SQL}
    finally:
        store.close()
    return lambda kind: known.get(kind, [])


def _run(key: str, args: argparse.Namespace) -> int:
    store = open_store(args)
    prefs = store.preferences()
    say = lambda text: localize(text, prefs)  # noqa: E731
    try:
        return _planned(store, key, args, say)
    except Invalid as exc:  # each field as this library names it ('Patrons in Level')
        raise Invalid(
            [Problem(p.field, say(p.title), say(p.message)) for p in exc.problems]
        ) from None
    finally:
        store.close()


def _planned(store: Store, key: str, args: argparse.Namespace, say: Callable[[str], str]) -> int:
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
        print_operation(store, operation_id, args.format, say, after_run=True)
    else:
        print_plan(store, plan, args.format, say)
        store.discard(plan)
    return DONE


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
