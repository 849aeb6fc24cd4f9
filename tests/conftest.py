"""Fixtures of every layer: a fixed "today" (autouse), a hand-built database (small_db), the
demo, cheap logins (``fast``) and a district of operators to log in as.

Each layer's own fixtures are in tests/store, tests/cli and tests/tui's conftest.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

import store
from store import clock, security
from store.demo import create_demo

from .databases import demo_db
from .district import District, open_district
from .operators import CHEAP, OPERATOR_ROWS, enrol
from .smtp_server import Recorder, free_port

TODAY = dt.date(2026, 6, 1)
STAMP = "2026-01-01 00:00:00"

GRADES = ["PK", "K"] + [str(n) for n in range(1, 13)] + ["Graduated"]

# Each patron sits deliberately on one side of some boundary (today is 2026-06-01):
#   barcodes: numeric of 1-4 digits ("2" < "9" < "10" < "99" < "100" < "101" < "1000"
#             numerically, but not as text), alphanumeric "P123", "p150", "P200", "O'1";
#   last names: Bell < Carter < Chen < Cobb < Czerny ("C" prefix), Davis / "de la Cruz"
#             (case), "Éluard" (diacritic), "O'Brien" (quote);
#   graduation: 2025-06-01 (exactly -1y), 2026-05-31 (yesterday), 2026-06-01 (today),
#             2026-06-02 (tomorrow), NULL;
#   expiration: 2025-05-31, 2026-05-01, 2026-05-31, 2026-06-01, 2026-06-02, NULL …
PATRON_COLUMNS = (
    "id",
    "barcode",
    "first_name",
    "last_name",
    "grade",
    "location",
    "location2",
    "policy",
    "security_group",
    "status",
    "site",
    "graduation_date",
    "expiration_date",
)
PATRONS = [
    (
        1,
        "9",
        "Ann",
        "Adams",
        "K",
        "Room 1",
        None,
        "Elementary",
        "Student",
        "Active",
        "ELM",
        "2038-06-05",
        "2026-05-31",
    ),
    (
        2,
        "10",
        "Ben",
        "Carter",
        "5",
        "Room 1",
        "Bus 4",
        "Elementary",
        "Student",
        "Active",
        "ELM",
        "2033-06-05",
        "2026-06-01",
    ),
    (
        3,
        "100",
        "Cara",
        "Cobb",
        "12",
        "Room 2",
        None,
        "Secondary",
        "Student",
        "Inactive",
        "HIGH",
        "2026-06-01",
        "2026-06-02",
    ),
    (
        4,
        "1000",
        "Dan",
        "Davis",
        "Graduated",
        None,
        None,
        "Secondary",
        "Student",
        "Transferred",
        "HIGH",
        "2025-06-01",
        "2025-05-31",
    ),
    (
        5,
        "P123",
        "Paul",
        "Éluard",
        "9",
        "Room 2",
        "Bus 7",
        "Secondary",
        "Student",
        "Suspended",
        "HIGH",
        "2029-06-05",
        "2026-07-01",
    ),
    (
        6,
        "99",
        "Chen",
        "Czerny",
        "1",
        "Room 3",
        None,
        "Elementary",
        "Student",
        "Card Lost",
        "UNION",
        "2037-06-05",
        "2027-06-01",
    ),
    (
        7,
        "11",
        "Bea",
        "Bell",
        "PK",
        "Room 3",
        "Bus 4",
        "Elementary",
        "Librarian",
        "Active",
        "ELM",
        None,
        None,
    ),
    (
        8,
        "101",
        "Carl",
        "de la Cruz",
        "12",
        "Room 2",
        None,
        "Secondary",
        "Student",
        "Active",
        "HIGH",
        "2026-05-31",
        "2026-05-01",
    ),
    (
        9,
        "2",
        "Cleo",
        "Chen",
        "Graduated",
        "Gone",
        None,
        "Secondary",
        "Student",
        "Other",
        "UNION",
        "2026-06-02",
        "2026-06-01",
    ),
    (
        10,
        "P200",
        "Zed",
        "Zimmer",
        None,
        None,
        None,
        "Elementary",
        "Librarian",
        "Active",
        "ELM",
        None,
        "2027-01-01",
    ),
    (
        11,
        "O'1",
        "Owen",
        "O'Brien",
        "3",
        "Room 1",
        None,
        "Elementary",
        "Student",
        "Active",
        "ELM",
        "2035-06-05",
        "2026-12-31",
    ),
    (
        12,
        "p150",
        "Nia",
        "Ng",
        "7",
        "Room 3",
        None,
        "Secondary",
        "Student",
        "Active",
        "HIGH",
        "2031-06-05",
        "2026-06-15",
    ),
]
OPERATOR_BARCODES = {"STAFF001", "STAFF002"}  # ADMIN (301) and AIDE (302), added by build_small_db
ALL_BARCODES = {row[1] for row in PATRONS} | OPERATOR_BARCODES

NOTES = [
    (1, "General", "Prefers large print"),
    (1, "Alert", "Needs to meet with librarian"),
    (2, "Alert", "Old alert"),
    (2, "Alert", "Another alert"),
    (2, "General", "Keep me"),
    (3, "Contact", "Call home"),
]


@pytest.fixture(autouse=True)
def fixed_today():
    clock.fix_today(TODAY)
    yield TODAY
    clock.fix_today(None)


def build_small_db(path) -> store.Store:
    s = store.Store(path, create=True)
    db = s.db
    db["sites"].insert_all(
        [
            {"code": "ELM", "name": "Elm Street Elementary", "is_union": 0},
            {"code": "HIGH", "name": "Central High", "is_union": 0},
            {"code": "UNION", "name": "Union Site", "is_union": 1},
            {"code": "OFFICE", "name": "District Office", "is_union": 0},  # the operators' site
        ]
    )
    db["grades"].insert_all(
        [{"name": g, "position": i, "is_last": int(g == "Graduated")} for i, g in enumerate(GRADES)]
    )
    db["policies"].insert_all(
        [
            {
                "name": "Elementary",
                "account_days": 365,
                "loan_days": 14,
                "fine_per_day": 5,
                "max_fine": 200,
            },
            {
                "name": "Secondary",
                "account_days": 365,
                "loan_days": 21,
                "fine_per_day": 10,
                "max_fine": 1000,
            },
        ]
    )
    db["security_groups"].insert_all(
        [
            {
                "name": "Librarian",
                "level": 1,
                "permissions": '["Patrons: Import, Export and Utilities"]',
            },
            {"name": "Student", "level": 3, "permissions": "[]"},
        ]
    )
    db["patrons"].insert_all(
        [
            {**dict(zip(PATRON_COLUMNS, row, strict=True)), "created": STAMP, "modified": STAMP}
            for row in PATRONS
        ]
    )
    db["notes"].insert_all(
        [
            {"patron_id": pid, "type": kind, "text": text, "created": "2026-01-02"}
            for pid, kind, text in NOTES
        ]
    )
    for operator, barcode, _, _ in OPERATOR_ROWS:  # the tests' operators are patrons too
        enrol(db, operator, barcode, STAMP, site="OFFICE")
    return s


@pytest.fixture
def small_db(tmp_path):
    s = build_small_db(tmp_path / "small.db")
    yield s
    s.close()


@pytest.fixture
def demo_store(tmp_path):
    path = create_demo(tmp_path / "demo.db", patrons=300, seed=7)
    s = store.Store(path)
    yield s
    s.close()


@pytest.fixture
def all_barcodes() -> set[str]:
    """Every barcode in small_db (test modules do not import conftest)."""
    return set(ALL_BARCODES)


@pytest.fixture
def fast(monkeypatch):
    """Logins cost nothing: passwords hashed at CHEAP's cost, no pause after a wrong one.

    Autouse for every CLI test (tests/cli/conftest.py); a store or TUI module that wants it
    asks (``pytestmark = pytest.mark.usefixtures("fast")``). Not autouse for all of
    tests/store: test_concurrency's thirty simultaneous logins need the product's real cost
    (with a cheap hash they would hardly overlap)."""
    monkeypatch.setattr(security, "FAILURE_DELAY", 0)
    monkeypatch.setattr(security, "HASHER", CHEAP)


@pytest.fixture
def district(tmp_path, fast) -> District:
    """A fresh demo made a district (tests/district.py), open in a Store."""
    d = open_district(demo_db(tmp_path))
    yield d
    d.store.close()


@pytest.fixture
def smtp() -> Iterator[Recorder]:
    """An SMTP server on 127.0.0.1 that keeps what it is sent (tests/smtp_server.py)."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()
