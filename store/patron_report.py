"""One patron's record (store/patron_view.py) as a person reads it: headed sections of lines
(the app's patron screen shows the same), a text file, one JSON object, or the vendor
manual's Patron History report as CSV — one row per history entry, newest first.

Text never carries the data's control characters; a CSV cell a spreadsheet would run as a
formula is written as text (store/file_out.py).
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import IO, Any

from . import file_out
from .dates import show as show_date
from .money import format_money
from .patron_view import PatronView

HISTORY_TITLE = "Patron History"
CSV_HEADER = ["barcode", "name", "date", "kind", "detail"]


def ssh_command(barcode: str) -> str:
    """What saves a patron's Patron History report on one's own computer over SSH (the
    barcode quoted for the shell: a barcode may hold a quote, O'1)."""
    return (
        f"ssh … patron {shlex.quote(barcode)} --format csv > {shlex.quote(f'patron-{barcode}.csv')}"
    )


def heading(view: PatronView) -> str:
    return f"{view.name} · {view.barcode}"


def detail_lines(details: list[tuple[str, str]]) -> list[str]:
    """'Label: value' lines, the values lined up after the longest label."""
    width = max((len(label) for label, _ in details), default=0)
    return [f"{label + ':':<{width + 1}} {value}" for label, value in details]


def sections(view: PatronView) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each part of the record, in the order the screen shows them;
    an empty part says "(none)"."""
    none = ["(none)"]
    details = detail_lines(view.details)
    notes = [
        f"{kind}: {note['text']} ({show_date(note['created'])})"
        for kind, listed in view.notes.items()
        for note in listed
    ]
    loans = [
        f"{loan['title']} ({loan['item_barcode']}) · out {show_date(loan['checked_out'])} · "
        f"due {show_date(loan['due_date'])}"
        + (f" · fine {format_money(loan['fine'])}" if loan["fine"] else "")
        for loan in view.loans
    ]
    charges = [
        f"{show_date(c['transaction_date'])} · {'credit' if c['is_credit'] else 'charge'} "
        f"{format_money(c['amount'])} · {c['description']}"
        + (f" ({c['note']})" if c["note"] else "")
        for c in view.charges
    ]
    holds = [f"{h['title']} · placed {show_date(h['placed'])}" for h in view.holds]
    reservations = [
        f"{r['title']} · {show_date(r['start_date'])} to {show_date(r['end_date'])}"
        for r in view.reservations
    ]
    history = [
        f"{show_date(h['date'])} · {h['label']}" + (f" · {h['detail']}" if h["detail"] else "")
        for h in view.history
    ]
    return [
        ("Details", details),
        ("Emails", view.emails or none),
        ("Notes", notes or none),
        (f"Loans ({len(view.loans)})", loans or none),
        ("Charges and credits", [*charges, view.money_line()]),
        (f"Holds ({len(view.holds)})", holds or none),
        (f"Reservations ({len(view.reservations)})", reservations or none),
        (f"{HISTORY_TITLE} ({len(view.history)}, newest first)", history or none),
    ]


def as_text(view: PatronView) -> str:
    """The whole record for a terminal or a text file: control characters escaped."""
    safe = file_out.printable
    lines = [f"Patron record: {heading(view)}", f"As of {show_date(view.today)}"]
    for title, body in sections(view):
        lines += ["", title, *(f"  {line}" for line in body)]
    return "\n".join(safe(line) for line in lines) + "\n"


def as_json(view: PatronView) -> dict[str, Any]:
    """Every part of the record, dates ISO and money in cents; ``labels`` are the library's
    words for the details."""
    return {
        "barcode": view.barcode,
        "name": view.name,
        "as_of": view.today,
        "details": view.values,
        "labels": view.labels,
        "emails": view.emails,
        "notes": view.notes,
        "loans": view.loans,
        "charges": view.charges,
        "balance": view.balance,
        "holds": view.holds,
        "reservations": view.reservations,
        "history": [
            {"date": h["date"], "kind": h["kind"], "detail": h["detail"]} for h in view.history
        ],
    }


def write_csv(out: IO[str], view: PatronView) -> None:
    """The Patron History report: one row per entry, newest first, formulas neutralised."""
    writer = file_out.csv_writer(out)
    writer.writerow(CSV_HEADER)
    for h in view.history:
        writer.writerow([view.barcode, view.name, show_date(h["date"]), h["label"], h["detail"]])


def emit(view: PatronView, fmt: str, out: IO[str]) -> None:
    """Print the record in ``fmt`` (text, json or csv) to ``out``."""
    if fmt == "json":
        out.write(json.dumps(as_json(view), indent=1) + "\n")
    elif fmt == "csv":
        write_csv(file_out.for_terminal(out), view)
    else:
        out.write(as_text(view))


def write(
    view: PatronView,
    path: str | os.PathLike[str],
    overwrite: bool = False,
    protect: tuple[str, ...] = (),
) -> Path:
    """Write the record to ``path``: the Patron History report as CSV for a .csv name, the
    whole record as text otherwise; whole or not at all (file_out.writing)."""
    path = Path(path).expanduser()
    with file_out.writing(path, overwrite, protect) as out:
        if path.suffix.lower() == ".csv":
            write_csv(out, view)
        else:
            out.write(as_text(view))
    return path.resolve()
