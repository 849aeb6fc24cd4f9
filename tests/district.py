"""A district to attack the doors of: the demo with an administrator, a second administrator,
a librarian (level 1, every permission) and the aide, each able to log in (the ``district``
fixture of tests/conftest.py opens one)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import store
from store import security

from .operators import CHEAP

PASSWORD = "District-Pass-42"
LIBRARIAN_ID = 250  # the 300-patron demo's one Librarian (every 250th patron)
SECOND_ADMIN_ID = 275  # a teacher of the demo, made a District Administrator here
LAST_NAME = {"password": "Last Name (non-secure)"}  # Reset Patron Accounts' options


@dataclass
class District:
    path: Path
    store: store.Store
    admin: store.Operator
    aide: store.Operator
    librarian: store.Operator
    second_admin: store.Operator

    def login(self, username: str) -> store.Operator:
        return self.store.login(username, PASSWORD)

    def login_with(self, username: str, password: str) -> store.Operator:
        return self.store.login(username, password)


def open_district(path: Path) -> District:
    """The demo at ``path`` made a district: 'libby' the librarian, 'second' a second
    administrator, and every one of the four with PASSWORD (hashed cheaply)."""
    s = store.Store(path)
    db = s.db
    db.execute("UPDATE patrons SET username = 'libby' WHERE id = ?", [LIBRARIAN_ID])
    db.execute(
        "UPDATE patrons SET username = 'second', security_group = 'District Administrator' "
        "WHERE id = ?",
        [SECOND_ADMIN_ID],
    )
    for username in ("demo", "aide", "libby", "second"):
        db.execute(
            "UPDATE patrons SET password_hash = ? WHERE username = ?",
            [CHEAP.hash(PASSWORD), username],
        )
    d = District(path, s, *(s.login(u, PASSWORD) for u in ("demo", "aide", "libby", "second")))
    assert (d.librarian.level, d.librarian.permissions) == (1, frozenset(security.ALL_PERMISSIONS))
    return d


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def patron(s: store.Store, patron_id: int) -> dict:
    return s.db["patrons"].get(patron_id)


def reset_to_last_name(district: District, patron_id: int) -> int:
    """The administrator resets one patron's password to their last name; the operation id."""
    s = district.store
    plan = s.plan(
        "reset-accounts", {"barcodes": [patron(s, patron_id)["barcode"]]}, LAST_NAME, district.admin
    )
    assert plan.counts.change == 1
    return s.apply(plan).operation_id
