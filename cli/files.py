"""``patron-utils import`` and ``export``: a library's patrons in and out as files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store import Selection, file_out
from store.patron_file import FIELDS, BadFile

from . import flags
from .run import DONE, INVALID, barcodes_from, common, fail, guarded, log_in, open_store


def import_patrons(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils import",
        description="Import patrons from a CSV file (comma or tab separated, UTF-8, a header "
        "row naming the columns). New barcodes are added, existing ones updated; "
        "an unknown or invalid site code puts the patron on the Union Site. Any "
        "other bad row means nothing is imported. Columns: " + ", ".join(FIELDS),
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
    parser.add_argument("--site", metavar="CODE", help="the site for rows that name none")
    args = parser.parse_args(argv)

    def _import() -> int:
        mapping = {}
        for item in args.map:
            source, sep, target = item.partition("=")
            if not sep or not source.strip() or target.strip() not in FIELDS:
                raise fail(
                    INVALID,
                    f"--map: {item!r} should be SOURCE=FIELD, FIELD one of {', '.join(FIELDS)}",
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
                    Path(args.file), mapping, operator, args.site, args.dry_run, progress
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
        verb = "Would import" if args.dry_run else "Imported"
        print(
            f"{verb} {report.rows:,} rows: {report.new:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged."
        )
        if report.to_union_site:
            shown = ", ".join(map(str, report.to_union_site[:20]))
            more = "…" if len(report.to_union_site) > 20 else ""
            print(
                f"{len(report.to_union_site):,} rows had no valid site code and go to the "
                f"Union Site (rows {shown}{more}); Reassign Union Site Patrons moves them."
            )
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
