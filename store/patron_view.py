"""One patron's whole record, read for a person to look at: their details, emails, notes by
type, loans with the fines accruing, charges and credits with the balance, holds,
reservations and the vendor manual's Patron History report.

Not to be confused with store/patron_record.py, which is one row of a patron *file* (import
and export). store/patron_report.py renders what this reads as text, JSON or CSV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from . import clock, file_out
from .dates import show as show_date
from .money import ACCRUED, BALANCE, LOANS_OF, format_money
from .preferences import localize
from .preferences import read as read_preferences
from .schema_versions import NOTE_TYPES

# The patron's own columns shown, in order, with their labels in the product's default words
# (localize turns Grade into the library's Level). Never the password hash.
DETAILS = (
    ("barcode", "Barcode"),
    ("first_name", "First name"),
    ("middle_name", "Middle name"),
    ("last_name", "Last name"),
    ("nickname", "Nickname"),
    ("grade", "Grade"),
    ("location", "Location"),
    ("location2", "2nd Location"),
    ("policy", "Policy"),
    ("security_group", "Security group"),
    ("status", "Status"),
    ("site", "Site"),
    ("graduation_date", "Graduation date"),
    ("expiration_date", "Expiration date"),
    ("username", "Username"),
)
DATES = ("graduation_date", "expiration_date")
# History kinds (schema_versions.HISTORY_KINDS) as the Patron History report names them.
KIND_LABELS = {
    "payment": "Payment",
    "credit": "Credit",
    "renewal": "Renewal",
    "lost": "Lost item",
    "refund": "Refund",
    "lexile": "Lexile",
    "returned": "Returned item",
    "forgiven": "Forgiven",
}


class NoSuchPatron(LookupError):
    """No patron has the barcode asked for."""


@dataclass(frozen=True)
class PatronView:
    """One patron's record as the screens and reports show it. Dates stay ISO here (the
    renderers show MM/DD/YYYY), money integer cents."""

    patron_id: int
    barcode: str
    name: str  # "Last, First", as the preview and the journal name patrons
    details: list[tuple[str, str]]  # (label in the library's words, value as shown)
    values: dict[str, Any]  # the same details as stored (JSON carries these)
    emails: list[str]  # in order: the first is "the" email
    notes: dict[str, list[dict[str, Any]]]  # by type, in NOTE_TYPES order: text, created
    loans: list[dict[str, Any]]  # title, item_barcode, checked_out, due_date, fine
    charges: list[dict[str, Any]]  # description, note, amount, transaction_date, is_credit
    holds: list[dict[str, Any]]  # title, placed
    reservations: list[dict[str, Any]]  # title, start_date, end_date
    history: list[dict[str, Any]]  # kind, label, detail, date: newest first
    balance: int  # charges less credits plus fines accruing today (the Patron Balance)
    today: str
    labels: dict[str, str] = field(default_factory=dict)  # column → label, for renderers

    @property
    def charged(self) -> int:
        return sum(c["amount"] for c in self.charges if not c["is_credit"])

    @property
    def credited(self) -> int:
        return sum(c["amount"] for c in self.charges if c["is_credit"])

    @property
    def accruing(self) -> int:
        return sum(loan["fine"] for loan in self.loans)

    def money_line(self) -> str:
        """'Charges $5.50 · credits $1.00 · fines accruing $2.10 · balance $6.60'."""
        return (
            f"Charges {format_money(self.charged)} · credits {format_money(self.credited)} · "
            f"fines accruing {format_money(self.accruing)} · balance {format_money(self.balance)}"
        )


def find(db: sqlite_utils.Database, barcode: str) -> int:
    """The id of the patron with ``barcode``: as typed, else the one patron it names in
    any case (as a barcode list matches); NoSuchPatron says so otherwise."""
    typed = barcode.strip()
    if not typed:
        raise NoSuchPatron("give a patron's barcode")
    row = db.execute("SELECT id FROM patrons WHERE barcode = ?", [typed]).fetchone()
    if row is None:
        rows = db.execute(
            "SELECT id FROM patrons WHERE barcode = ? COLLATE NOCASE LIMIT 2", [typed]
        ).fetchall()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise NoSuchPatron(f"no patron has the barcode {file_out.excerpt(typed)}")
    return row[0]


def read(db: sqlite_utils.Database, patron_id: int, today: dt.date | None = None) -> PatronView:
    """Patron ``patron_id``'s whole record (NoSuchPatron if there is none), in one read."""
    today_iso = (today or clock.today()).isoformat()
    columns = ", ".join(f"p.{name}" for name, _ in DETAILS)
    row = db.execute(
        f"SELECT {columns}, s.name FROM patrons p LEFT JOIN sites s ON s.code = p.site "
        "WHERE p.id = ?",
        [patron_id],
    ).fetchone()
    if row is None:
        raise NoSuchPatron(f"there is no patron #{patron_id}")
    values = dict(zip([name for name, _ in DETAILS], row[:-1], strict=True))
    site_name = row[-1]
    prefs = read_preferences(db)
    labels = {name: localize(label, prefs) for name, label in DETAILS}
    details = [(labels[name], _shown(name, values[name], site_name)) for name, _ in DETAILS]

    def rows(sql: str, **params: Any) -> list[dict[str, Any]]:
        return list(db.query(sql, {"patron": patron_id, **params}))

    notes: dict[str, list[dict[str, Any]]] = {kind: [] for kind in NOTE_TYPES}
    for note in rows(
        "SELECT type, text, created FROM notes WHERE patron_id = :patron ORDER BY created, id"
    ):
        notes[note.pop("type")].append(note)
    history = rows(
        "SELECT kind, detail, date FROM history WHERE patron_id = :patron "
        "ORDER BY date DESC, id DESC"
    )
    for entry in history:
        entry["label"] = KIND_LABELS.get(entry["kind"], entry["kind"])
    charges = rows(
        "SELECT description, note, amount, transaction_date, is_credit FROM charges "
        "WHERE patron_id = :patron ORDER BY transaction_date DESC, id DESC"
    )
    for charge in charges:
        charge["is_credit"] = bool(charge["is_credit"])
    # The fine and the balance come from money.py's expressions, so they are the Patron
    # Balance selection's to the cent, whatever decides a loan's fine terms.
    balance = db.execute(
        f"SELECT {BALANCE} FROM patrons p WHERE p.id = :patron",
        {"patron": patron_id, "today": today_iso},
    ).fetchone()[0]
    return PatronView(
        patron_id=patron_id,
        barcode=values["barcode"],
        name=_name(values["first_name"], values["last_name"]),
        details=details,
        values=values,
        emails=[
            r["address"]
            for r in rows(
                "SELECT address FROM patron_emails WHERE patron_id = :patron ORDER BY position"
            )
        ],
        notes=notes,
        loans=rows(
            f"SELECT i.title, i.barcode AS item_barcode, k.checked_out, k.due_date, "
            f"{ACCRUED} AS fine FROM {LOANS_OF} JOIN items i ON i.id = k.item_id "
            "WHERE k.patron_id = :patron ORDER BY k.due_date, i.title",
            today=today_iso,
        ),
        charges=charges,
        holds=rows("SELECT title, placed FROM holds WHERE patron_id = :patron ORDER BY placed, id"),
        reservations=rows(
            "SELECT title, start_date, end_date FROM reservations WHERE patron_id = :patron "
            "ORDER BY start_date, id"
        ),
        history=history,
        balance=balance,
        today=today_iso,
        labels=labels,
    )


def _name(first: str, last: str) -> str:
    """As store/plan.py's NAME_SQL: 'Last, First', or the last name alone."""
    return f"{last}, {first}" if first else last


def _shown(name: str, value: Any, site_name: str | None) -> str:
    if name in DATES:
        return show_date(value)
    if value in (None, ""):
        return "(none)"
    if name == "site" and site_name and site_name != value:
        return f"{value} ({site_name})"
    return str(value)
