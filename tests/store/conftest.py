"""Fixtures of the store tests: no child process outlives its test, ``holdings`` (small_db
with a row of every kind a patron can own, for Remove Patrons) and ``keyed`` (small_db whose
operators have passwords, for their SSH keys)."""

from __future__ import annotations

import pytest

from store import clock, security
from store.demo import create_demo

from ..operators import ADMIN, AIDE
from ..reliability_helpers import Process
from .bad_input_helpers import open_copy
from .hostile import TODAY
from .operator_key_helpers import PASSWORD
from .remove_patrons_helpers import PICTURE, add


@pytest.fixture(autouse=True)
def no_strays():
    """A test that fails half-way leaves no child behind (waiting for a "go" forever); a test
    that starts none has nothing to kill."""
    yield
    while Process.running:
        Process.running.pop().kill()


@pytest.fixture
def holdings(small_db):
    """small_db plus loans, money and a row of every kind that belongs to a patron.

    Holding something: '9' (1 item out), '10' ($3.50 owed), '100' ($1.00 credit),
    'P123' (2 items out, $3.50 owed, $1.00 credit), '99' (a $0.00 charge).
    Holding nothing but with rows to remove: '1000', '2', 'p150', "O'1".
    """
    db = small_db.db
    add(
        db,
        "items",
        [
            {
                "id": 1,
                "barcode": "T1",
                "title": "Charlotte's Web",
                "status": "Checked Out",
                "price": 899,
            },
            {"id": 2, "barcode": "T2", "title": "Holes", "status": "Checked Out", "price": 1099},
            {"id": 3, "barcode": "T3", "title": "Wonder", "status": "Overdue", "price": 1299},
            {"id": 4, "barcode": "T4", "title": "Hatchet", "status": "Available", "price": 799},
        ],
    )
    add(
        db,
        "checkouts",
        [
            {"item_id": 1, "patron_id": 1, "checked_out": "2026-05-20", "due_date": "2026-06-03"},
            {"item_id": 2, "patron_id": 5, "checked_out": "2026-05-01", "due_date": "2026-05-22"},
            {
                "item_id": 3,
                "patron_id": 5,
                "checked_out": "2026-04-01",
                "due_date": "2026-04-22",
                "fines_from": "2026-05-01",
            },
        ],
    )
    add(
        db,
        "charges",
        [
            {
                "patron_id": 2,
                "amount": 350,
                "description": "Lost bookmark",
                "transaction_date": "2026-03-01",
            },
            {
                "patron_id": 3,
                "amount": 100,
                "description": "Overpayment",
                "transaction_date": "2026-03-02",
                "is_credit": 1,
            },
            {
                "patron_id": 5,
                "amount": 200,
                "description": "Damaged cover",
                "transaction_date": "2026-03-03",
            },
            {
                "patron_id": 5,
                "amount": 150,
                "description": "Late fee",
                "note": "spring",
                "transaction_date": "2026-03-04",
            },
            {
                "patron_id": 5,
                "amount": 100,
                "description": "Refund due",
                "transaction_date": "2026-03-05",
                "is_credit": 1,
            },
            {
                "patron_id": 6,
                "amount": 0,
                "description": "Waived fee",
                "transaction_date": "2026-03-06",
            },
        ],
    )
    add(
        db,
        "notes",
        [
            {"patron_id": 4, "type": "General", "text": "Moved away", "created": "2026-02-01"},
            {"patron_id": 9, "type": "Category", "text": "Senior", "created": "2026-02-02"},
        ],
    )
    add(
        db, "pictures", [{"patron_id": 4, "image": PICTURE}, {"patron_id": 1, "image": b"\x01\x02"}]
    )
    add(
        db,
        "history",
        [
            {"patron_id": 4, "kind": "payment", "detail": "Paid $2.00", "date": "2026-01-10"},
            {"patron_id": 9, "kind": "lexile", "detail": "900L", "date": "2026-01-11"},
            {"patron_id": 1, "kind": "renewal", "detail": "Renewed", "date": "2026-01-12"},
        ],
    )
    add(
        db,
        "holds",
        [
            {"patron_id": 4, "title": "Dune", "placed": "2026-05-01"},
            {"patron_id": 11, "title": "Holes", "placed": "2026-05-02"},
            {"patron_id": 1, "title": "Matilda", "placed": "2026-05-03"},
        ],
    )
    add(
        db,
        "reservations",
        [
            {
                "patron_id": 9,
                "title": "Projector",
                "start_date": "2026-06-10",
                "end_date": "2026-06-11",
            },
            {
                "patron_id": 5,
                "title": "Laptop cart",
                "start_date": "2026-06-12",
                "end_date": "2026-06-13",
            },
        ],
    )
    add(
        db,
        "patron_emails",
        [
            {"patron_id": 4, "position": 1, "address": "dan@example.org"},
            {"patron_id": 4, "position": 2, "address": "davis@example.net"},
            {"patron_id": 12, "position": 1, "address": "nia@example.org"},
            {"patron_id": 1, "position": 1, "address": "ann@example.org"},
        ],
    )
    add(
        db,
        "outbox",
        [
            {
                "patron_id": 4,
                "address": "dan@example.org",
                "subject": "Overdue",
                "body": "Hello",
                "created": "2026-05-30 08:00:00",
            },
            {
                "patron_id": None,
                "address": "staff@example.org",
                "subject": "Report",
                "body": "Daily",
                "created": "2026-05-30 08:05:00",
            },
            {
                "patron_id": 1,
                "address": "ann@example.org",
                "subject": "Due soon",
                "body": "Hi",
                "created": "2026-05-30 08:10:00",
                "sent": "2026-05-30 08:11:00",
                "attempts": 1,
            },
        ],
    )
    add(
        db,
        "password_resets",
        [
            {
                "patron_id": 12,
                "token_hash": "a" * 64,
                "created": "2026-05-31 10:00:00",
                "expires": "2026-06-01 10:00:00",
            },
            {
                "patron_id": 1,
                "token_hash": "b" * 64,
                "created": "2026-05-31 11:00:00",
                "expires": "2026-06-01 11:00:00",
                "used": "2026-05-31 11:05:00",
            },
        ],
    )
    add(
        db,
        "reviews",
        [
            {"patron_id": 4, "title": "Dune", "text": "Long but good"},
            {"patron_id": 4, "title": "Holes", "text": "Funny"},
            {"patron_id": 9, "title": "Wonder", "text": "Moving"},
            {"patron_id": 1, "title": "Matilda", "text": "Clever"},
        ],
    )
    return small_db


@pytest.fixture
def keyed(small_db):
    """small_db whose two operators have passwords (to compare with a password login)."""
    for operator in (ADMIN, AIDE):
        security.set_password(small_db.db, operator.patron_id, PASSWORD)
    return small_db


# -- the bad-input tests' demo (test_bad_input.py, test_bad_input_literal.py) ---------------
@pytest.fixture(scope="module")
def hostile_demo(tmp_path_factory):
    """A 60-patron demo per module, made on the fixed today; the tests copy it to write."""
    clock.fix_today(TODAY)
    try:
        return create_demo(tmp_path_factory.mktemp("bad_input") / "demo.db", patrons=60, seed=5)
    finally:
        clock.fix_today(None)


@pytest.fixture(scope="module")
def hostile_operators(hostile_demo, tmp_path_factory):
    """The demo's operators, logged in once (argon2 is slow by design); valid in every copy."""
    s = open_copy(hostile_demo, tmp_path_factory.mktemp("login") / "demo.db")
    yield s.login("demo", "demo-librarian"), s.login("aide", "demo-aide")
    s.close()
