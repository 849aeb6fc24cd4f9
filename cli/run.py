"""``patron-utils list | run | log | undo``: the utilities without a screen, for scripts and cron.

Exit status: 0 done (or a dry run printed); 2 invalid input; 3 login failed or not
permitted; 4 the database is busy or the preview went stale.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    file_out,
)
from store.catalog import CATALOG, get
from store.database import resolve_path
from store.plan import Plan
from store.report import counts_line, header, options_lines, selection_lines
from store.selection import read_barcode_file
from store.store import COMMAND_LINE

from . import flags

DONE, INVALID, REFUSED, BUSY = 0, 2, 3, 4
PAGE = 5000


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
        prog="patron-utils list", description="Every utility's key and title."
    ).parse_args(argv)
    width = max(len(e.key) for e in CATALOG)
    for entry in CATALOG:
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
    parser.add_argument(
        "--barcodes-file",
        metavar="FILE",
        help="select the patrons listed in FILE (one barcode per line; blank "
        "lines and # comments ignored)",
    )
    flags.add_model(
        parser, Selection, flags.SELECTION, "selections (which patrons)", only=utility.criteria()
    )
    flags.add_model(parser, utility.Options, flags.OPTIONS, "options (what to do)")
    return parser


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: patron-utils run KEY [--help] [flags]\n\nKEY is one of:")
        list_utilities([])
        return DONE if argv else INVALID
    key = argv[0]
    if key not in {e.key for e in CATALOG}:
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
        selection.update(flags.values(args, flags.SELECTION, Selection))
        options.update(flags.values(args, flags.OPTIONS))
        if args.barcodes_file:
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


# -- printing a plan or an operation ------------------------------------------------------------
def _rows_of_plan(store: Store, plan: Plan):
    offset = 0
    while True:
        rows = store.page(plan, offset, PAGE)
        for r in rows:
            outcome = "skip" if r.excluded else r.outcome
            yield {
                "barcode": r.barcode,
                "name": r.name,
                "outcome": outcome,
                "reason": r.reason,
                "before": r.current,
                "after": r.new,
            }
        if len(rows) < PAGE:
            return
        offset += PAGE


def _rows_of_operation(store: Store, operation_id: int):
    offset = 0
    while True:
        rows = store.operation_changes(operation_id, offset=offset, limit=PAGE)
        for r in rows:
            yield {
                "barcode": r["barcode"],
                "name": r["name"],
                "outcome": r["outcome"],
                "reason": r["reason"],
                "before": r["before"],
                "after": r["after"],
            }
        if len(rows) < PAGE:
            return
        offset += PAGE


def print_plan(store: Store, plan: Plan, fmt: str) -> None:
    c = plan.counts
    head = {
        "utility": plan.utility.key,
        "matched": c.matched,
        "change": c.change,
        "unchanged": c.unchanged,
        "skipped": c.skip,
        "excluded": c.excluded,
        "not_found": c.not_found,
        "operation_id": None,
    }
    lines = [
        f"{plan.utility.title} — dry run: nothing was written; add --yes to apply.",
        counts_line(c.matched, c.change, c.unchanged, c.skip, not_found=c.not_found),
        "Selections: " + "; ".join(selection_lines(plan.selection, plan.utility.fixed_description)),
    ]
    if type(plan.options).model_fields:
        lines.append("Options: " + "; ".join(options_lines(plan.options, width=10**6)))
    lines += [line for line in (plan.utility.notice(plan.options), plan.tally) if line]
    _emit(fmt, head, lines, plan.utility.key, _rows_of_plan(store, plan))


def print_operation(store: Store, operation_id: int, fmt: str) -> None:
    op = store.operation(operation_id)
    head = {
        "utility": op["utility"],
        "matched": op["matched"],
        "change": op["changed"],
        "unchanged": op["unchanged"],
        "skipped": op["skipped"],
        "excluded": op["excluded"],
        "operation_id": operation_id,
        "effects": op["effects"],
    }
    _emit(fmt, head, header(op), op["utility"], _rows_of_operation(store, operation_id))


def _emit(fmt: str, head: dict[str, Any], lines: list[str], key: str, rows) -> None:
    utility = get(key)
    out = sys.stdout
    if fmt == "json":
        # One JSON object; the patrons stream out so a million rows never sit in memory.
        out.write(json.dumps(head)[:-1] + ', "patrons": [')
        for n, row in enumerate(rows):
            out.write(("," if n else "") + "\n" + json.dumps(row))
        out.write("\n]}\n")
    elif fmt == "csv":
        writer = file_out.csv_writer(file_out.for_terminal(out))
        writer.writerow(["barcode", "name", "outcome", "reason", "before", "after"])
        for row in rows:
            writer.writerow(
                [
                    row["barcode"],
                    row["name"],
                    row["outcome"],
                    row["reason"] or "",
                    utility.show(row["before"]),
                    utility.show(row["after"]),
                ]
            )
    else:  # for a terminal: the data's control characters are shown, never sent
        safe = file_out.printable
        out.write("\n".join(safe(line) for line in lines) + "\n\n")
        for row in rows:
            outcome = f"{row['outcome']}: {row['reason']}" if row["reason"] else row["outcome"]
            out.write(
                f"{safe(row['barcode'])}\t{safe(row['name'])}\t"
                f"{safe(utility.show(row['before']))} → {safe(utility.show(row['after']))}"
                f"\t{safe(outcome)}\n"
            )


# -- log and undo ------------------------------------------------------------------------------
def log(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils log",
        description="The journal's operations, newest first; with an operation's number, "
        "its summary patron by patron (as the app's summary writes it to a file: over SSH, "
        "'ssh … log 5 --format csv > operation-5.csv' saves it on your own computer).",
    )
    common(parser)
    parser.add_argument(
        "operation", nargs="?", type=whole(1, 2**62), metavar="ID", help="one operation's summary"
    )
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    parser.add_argument(
        "--limit",
        type=whole(1, 1_000_000),
        default=50,
        help="how many (default 50, at most 1,000,000)",
    )
    args = parser.parse_args(argv)

    def _log() -> int:
        store = open_store(args)
        try:
            log_in(store, args)  # the journal names patrons and operators: not for anyone
            if args.operation is not None:
                try:
                    print_operation(store, args.operation, args.format)
                except KeyError:
                    raise fail(INVALID, f"ID: there is no operation #{args.operation}") from None
                return DONE
            if args.format == "csv":
                raise fail(INVALID, "--format csv: only for one operation's summary (log ID)")
            operations = store.operations(0, args.limit)
        finally:
            store.close()
        if args.format == "json":
            print(json.dumps(operations, indent=1))
            return DONE
        for op in operations:
            state = (
                f"  undone by #{op['undone_by']}"
                if op["undone_by"]
                else f"  partly undone by #{op['partly_undone_by']}"
                if op["partly_undone_by"]
                else f"  (undo of #{op['undo_of']})"
                if op["undo_of"]
                else ""
            )
            print(
                f"#{op['id']}\t{op['started']}\t{file_out.printable(op['operator'])}\t"
                f"{file_out.printable(op['via'] or '(not recorded)')}\t"
                f"{file_out.printable(op['title'])}\t"
                f"matched {op['matched']:,} · changed {op['changed']:,} · "
                f"skipped {op['skipped']:,}{state}"
            )
        return DONE

    return guarded(_log)


def undo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils undo",
        description="Undo an operation from the journal. Without --yes, says what would be "
        "undone and writes nothing.",
    )
    parser.add_argument(
        "operation", type=whole(1, 2**63 - 1), metavar="ID", help="the operation's number (see log)"
    )
    common(parser)
    parser.add_argument("--yes", action="store_true", help="undo it (otherwise a dry run)")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    args = parser.parse_args(argv)

    def _undo() -> int:
        store = open_store(args)
        try:
            operator = log_in(store, args)
            try:
                op = store.operation(args.operation)
            except KeyError as exc:
                raise NotUndoable(exc.args[0]) from None
            if not args.yes:
                check = store.check_undo(op["id"], operator)
                safe = file_out.printable  # titles and names are data: shown, never sent
                print(
                    f"Would undo operation #{op['id']}: {safe(op['title'])} by "
                    f"{safe(op['operator'])} at {op['started']} ({op['changed']:,} patrons "
                    "changed)."
                )
                if check.skipped:
                    print(
                        f"{check.skipped:,} of them would be left as they are (you may not "
                        "change them):"
                    )
                    for barcode, name, reason in check.shown:
                        print(f"  {safe(barcode)}\t{safe(name)}\t{safe(reason)}")
                for note in check.notes:
                    print(safe(note))
                print("Nothing was written; add --yes to undo it.")
                return DONE
            report = store.undo(args.operation, operator)
            for note in report.notes:
                print(f"patron-utils: {file_out.printable(note)}", file=sys.stderr)
            print_operation(store, report.operation_id, args.format)
            return DONE
        finally:
            store.close()

    return guarded(_undo)
