"""``patron-utils patron BARCODE``: one patron's whole record — details, emails, notes, loans,
charges and credits with the balance, holds, reservations and the Patron History report — as
text, JSON, or the Patron History report as CSV (what the app's patron screen writes with w:
over SSH, 'ssh … patron BARCODE --format csv > patron-BARCODE.csv' saves it on your own
computer)."""

from __future__ import annotations

import argparse
import sys

from store import NoSuchPatron
from store.patron_report import emit

from .run import DONE, INVALID, common, fail, guarded, log_in, open_store


def patron(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils patron",
        description="One patron's record: details, emails, notes by type, loans with the "
        "fines accruing, charges and credits with the balance, holds, reservations and the "
        "Patron History report (newest first). --format csv prints the Patron History report "
        "alone, one row per entry. Needs the permission 'Patrons: Import, Export and "
        "Utilities'.",
    )
    parser.add_argument("barcode", metavar="BARCODE", help="the patron's barcode")
    common(parser)
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    args = parser.parse_args(argv)

    def _patron() -> int:
        store = open_store(args)
        try:
            operator = log_in(store, args)
            try:
                view = store.patron_view(args.barcode, operator)
            except NoSuchPatron as exc:
                raise fail(INVALID, f"BARCODE: {exc}") from None
        finally:
            store.close()
        emit(view, args.format, sys.stdout)
        return DONE

    return guarded(_patron)
