"""``patron-utils import`` and ``export``: a library's patrons in and out as files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store import Selection, file_out
from store.import_presets import PRESETS
from store.patron_columns import FIELD_NAMES, is_field
from store.patron_file import BadFile

from . import flags
from .run import DONE, INVALID, barcodes_from, common, fail, guarded, log_in, open_store


def _presets_help() -> str:
    return " ".join(
        f"--preset {p.name} ({p.title}) reads {p.described()}, and leaves out "
        f"{len(p.ignored)} of its columns that have no field here "
        f"({', '.join(sorted(p.ignored))}); {p.note}"
        for p in PRESETS.values()
    )


def import_patrons(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils import",
        description="Import patrons from a CSV file (comma or tab separated, UTF-8, a header "
        "row naming the columns). New barcodes are added, existing ones updated (only the "
        "columns the file has); an unknown or invalid site code puts the patron on the "
        "Union Site. A new patron the file gives no username gets their barcode (lower "
        "case) unless it is another patron's username. Columns email, email2, … are the "
        "patron's email addresses, the first listed first: a file with them replaces "
        "each of its patrons' addresses. Any other bad row means nothing is imported. "
        "Columns: " + FIELD_NAMES + ".",
        epilog="Presets: " + _presets_help() + " Column names match in any case "
        "(B_email is b_email). Columns not read are listed after the import (on standard "
        "error).",
    )
    parser.add_argument("file", metavar="FILE.csv")
    common(parser)
    parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=FIELD",
        help="read column SOURCE as FIELD (repeatable), e.g. --map "
        "cardnumber=barcode --map surname=last_name",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="COLUMN",
        help="do not read column COLUMN (repeatable); barcode and last name cannot be ignored",
    )
    parser.add_argument(
        "--ignore-unknown",
        action="store_true",
        help="do not read any column that is neither a field nor mapped (listed after the import)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="read another library system's export as it comes (see Presets below)",
    )
    parser.add_argument("--site", metavar="CODE", help="the site for rows that name none")
    args = parser.parse_args(argv)

    def _import() -> int:
        mapping = {}
        for item in args.map:
            source, sep, target = item.partition("=")
            if not sep or not source.strip() or not is_field(target.strip()):
                raise fail(
                    INVALID, f"--map: {item!r} should be SOURCE=FIELD, FIELD one of {FIELD_NAMES}"
                )
            mapping[source.strip()] = target.strip()
        store = open_store(args)
        try:
            operator = log_in(store, args)
            if not args.file.strip():
                raise fail(INVALID, "FILE: give the CSV file to import")
            show = sys.stderr.isatty()
            progress = (
                (lambda n: print(f"\rchecked {n:,} rows…", end="", file=sys.stderr, flush=True))
                if show
                else None
            )
            try:
                report = store.import_patrons(
                    Path(args.file),
                    mapping,
                    operator,
                    args.site,
                    args.dry_run,
                    progress,
                    ignore=tuple(args.ignore),
                    ignore_unknown=args.ignore_unknown,
                    preset=args.preset,
                )
            except BadFile as exc:
                if show:
                    print(file=sys.stderr)
                for problem in exc.problems[:200]:
                    print(f"patron-utils import: {problem}", file=sys.stderr)
                if len(exc.problems) > 200:
                    print(
                        f"patron-utils import: … and {len(exc.problems) - 200} more",
                        file=sys.stderr,
                    )
                raise fail(INVALID, str(exc)) from None
        finally:
            store.close()
        if show:
            print(file=sys.stderr)
        if report.ignored:  # a note for whoever reads the log, not part of the counts
            print(
                f"patron-utils import: {len(report.ignored)} column(s) not read: "
                + ", ".join(file_out.printable(c) for c in report.ignored),
                file=sys.stderr,
            )
        verb = "Would import" if args.dry_run else "Imported"
        print(
            f"{verb} {_rows(report.rows)}: {report.new:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged."
        )
        if report.to_union_site:
            shown = ", ".join(map(str, report.to_union_site[:20]))
            more = "…" if len(report.to_union_site) > 20 else ""
            n = len(report.to_union_site)
            print(
                f"{_rows(n)} had no valid site code and go{'es' * (n == 1)} to the Union Site "
                f"(row{'s' * (n != 1)} {shown}{more}); Reassign Union Site Patrons moves "
                f"{'it' if n == 1 else 'them'}."
            )
        if report.usernames_from_barcode:
            n = report.usernames_from_barcode
            print(f"{n:,} new patron{'s' * (n != 1)} got their barcode as username.")
        if report.no_username:
            n = len(report.no_username)
            print(
                f"{n:,} new patron{'s' * (n != 1)} got no username: the barcode is already "
                "a username (Reset Patron Accounts can give them one):"
            )
            for number, barcode, why in report.no_username[:20]:
                print(f"  row {number}, barcode {file_out.printable(barcode)}: {why}")
            if len(report.no_username) > 20:
                print(f"  … and {len(report.no_username) - 20:,} more")
        if report.operation_id:
            print(
                f"Recorded as operation #{report.operation_id} (patron-utils undo "
                f"{report.operation_id} --yes reverses it)."
            )
        else:
            print("Dry run: nothing was written.")
        return DONE

    return guarded(_import)


def export_patrons(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils export",
        description="Write the selected patrons (every patron without selections) as CSV — "
        "the import's format — or JSON.",
    )
    common(parser)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write here (default: standard output); "
        "an existing file is replaced only with --force",
    )
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument("--barcodes-file", metavar="FILE", help="only the barcodes listed in FILE")
    flags.add_model(parser, Selection, flags.SELECTION, "selections (which patrons)")
    args = parser.parse_args(argv)

    def _export() -> int:
        selection = flags.values(args, flags.SELECTION, Selection)
        if args.barcodes_file:
            selection["barcodes"] = barcodes_from(args.barcodes_file)
        store = open_store(args)
        try:
            operator = log_in(store, args)
            if args.output is not None and not args.output.strip():
                raise fail(
                    INVALID,
                    "--output: give a file name (or leave --output out to "
                    "write to standard output)",
                )
            if args.output:
                try:
                    with file_out.writing(args.output, args.force, (store.path,)) as out:
                        count = store.export_patrons(selection, operator, out, args.format)
                except file_out.FileExists as exc:
                    raise fail(INVALID, f"--output: {exc}; add --force to replace it") from None
                except OSError as exc:
                    raise fail(
                        INVALID,
                        f"--output: {exc.strerror or exc} ({file_out.printable(args.output)})",
                    ) from None
                where = file_out.printable(Path(args.output).expanduser().resolve())
                print(f"Exported {count:,} patrons to {where}", file=sys.stderr)
            else:
                store.export_patrons(
                    selection, operator, file_out.for_terminal(sys.stdout), args.format
                )
        finally:
            store.close()
        return DONE

    return guarded(_export)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")
