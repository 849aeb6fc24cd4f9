"""``patron-utils log | show | undo``: the journal without a screen — its operations, one
operation's Operations Information patron by patron, and undoing one."""

from __future__ import annotations

import argparse
import json
import sys

from store import NotUndoable, Store, file_out
from store.preferences import localize

from .printing import print_operation
from .run import (
    DONE,
    INVALID,
    common,
    fail,
    guarded,
    log_in,
    open_store,
    whole,
)


def log(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils log",
        description="The journal's operations, newest first; with an operation's number, "
        "its summary patron by patron, as `patron-utils show ID` prints it.",
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
            if args.operation is not None:  # log ID: what show ID prints
                return _show(store, args.operation, args.format)
            if args.format == "csv":
                raise fail(INVALID, "--format csv: only for one operation's summary (show ID)")
            operations = store.operations(0, args.limit)
            prefs = store.preferences()
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
                f"{file_out.printable(localize(op['title'], prefs))}\t"
                f"matched {op['matched']:,} · changed {op['changed']:,} · "
                f"skipped {op['skipped']:,}{state}"
            )
        return DONE

    return guarded(_log)


def show(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils show",
        description="An operation's Operations Information: what it was (who, when, its "
        "selections and options, its counts), then every patron of it with the outcome, "
        "the current and the new value, and why a patron was skipped. Over SSH, "
        "'ssh … show 5 --format csv > operation-5.csv' saves it on your own computer.",
    )
    common(parser)
    parser.add_argument(
        "operation", type=whole(1, 2**62), metavar="ID", help="the operation's number (see log)"
    )
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    parser.add_argument(
        "--skipped", action="store_true", help="only the patrons it skipped, each with why"
    )
    args = parser.parse_args(argv)

    def _shown() -> int:
        store = open_store(args)
        try:
            log_in(store, args)  # the journal names patrons and operators: not for anyone
            return _show(store, args.operation, args.format, "skip" if args.skipped else None)
        finally:
            store.close()

    return guarded(_shown)


def _show(store: Store, operation_id: int, fmt: str, outcome: str | None = None) -> int:
    """One operation's header and its patrons (of one ``outcome``), in the library's
    terminology: what both ``show ID`` and ``log ID`` print."""
    prefs = store.preferences()
    try:
        print_operation(store, operation_id, fmt, lambda t: localize(t, prefs), outcome)
    except KeyError:
        raise fail(INVALID, f"ID: there is no operation #{operation_id}") from None
    return DONE


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
