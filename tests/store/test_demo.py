"""The demo district: deterministic for a seed, and covering what every utility needs."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3

import pytest

from store import clock
from store.demo import DEMO_OPERATORS, GRADES, create_demo
from store.schema import HISTORY_KINDS, NOTE_TYPES

from ..operators import ADMIN

TODAY = dt.date(2026, 6, 1)  # fixed by conftest's autouse fixture
TABLES = (
    "sites",
    "grades",
    "policies",
    "security_groups",
    "patrons",
    "patron_emails",
    "notes",
    "pictures",
    "items",
    "checkouts",
    "holds",
    "reservations",
    "charges",
    "history",
    "reviews",
    "preferences",
)


def dump(path) -> dict:
    """Every demo table; the operators' password hashes are left out (a fresh salt each run)."""
    conn = sqlite3.connect(path)
    try:
        out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
        out["patrons"] = conn.execute(
            "SELECT * FROM patrons WHERE password_hash IS NULL ORDER BY rowid"
        ).fetchall()
        out["operators"] = conn.execute(
            "SELECT username, security_group FROM patrons WHERE password_hash IS NOT NULL"
        ).fetchall()
        return out
    finally:
        conn.close()


def one(store_obj, sql: str, params=()):
    return store_obj.db.execute(sql, params).fetchone()[0]


def test_same_seed_gives_the_same_database(tmp_path):
    a = dump(create_demo(tmp_path / "a.db", patrons=120, seed=7))
    b = dump(create_demo(tmp_path / "b.db", patrons=120, seed=7))
    assert len(a["patrons"]) == 120
    assert a == b


def test_demo_does_not_depend_on_the_time_of_day(tmp_path, monkeypatch):
    """Two runs a second apart (or across midnight's clock) must still be identical."""
    ticks = itertools.count()
    monkeypatch.setattr(clock, "now", lambda: f"{clock.today()} 10:00:{next(ticks) % 60:02d}")
    a = dump(create_demo(tmp_path / "a.db", patrons=30, seed=3))
    b = dump(create_demo(tmp_path / "b.db", patrons=30, seed=3))
    assert a == b


def test_another_seed_gives_another_database(tmp_path):
    a = dump(create_demo(tmp_path / "a.db", patrons=120, seed=7))
    b = dump(create_demo(tmp_path / "b.db", patrons=120, seed=8))
    assert a["patrons"] != b["patrons"]


def test_refuses_an_existing_file_without_force(tmp_path):
    path = tmp_path / "demo.db"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="force"):
        create_demo(path, patrons=10)
    assert path.read_bytes() == b"precious"


def test_force_replaces_an_existing_demo(tmp_path):
    path = create_demo(tmp_path / "demo.db", patrons=10, seed=1)
    with pytest.raises(FileExistsError):
        create_demo(path, patrons=20, seed=1)
    create_demo(path, patrons=20, seed=1, force=True)
    assert len(dump(path)["patrons"]) == 20


def test_creates_missing_parent_directories(tmp_path):
    path = create_demo(tmp_path / "deep" / "er" / "demo.db", patrons=5)
    assert path.exists() and len(dump(path)["patrons"]) == 5


def test_sites_three_schools_and_a_union_site(demo_store):
    sites = demo_store.db.execute("SELECT code, is_union FROM sites").fetchall()
    assert len([c for c, u in sites if not u]) == 3
    assert [c for c, u in sites if u] == ["UNION"]


def test_grade_table_with_graduated_as_the_only_last_grade(demo_store):
    rows = demo_store.db.execute("SELECT name, is_last FROM grades ORDER BY position").fetchall()
    assert [name for name, _ in rows] == GRADES
    assert rows[0][0] == "PK" and rows[-1][0] == "Graduated"
    assert [name for name, last in rows if last] == ["Graduated"]


def test_patrons_in_the_union_site_and_transferred(demo_store):
    assert demo_store.patron_count() == 300 + len(DEMO_OPERATORS)
    assert one(demo_store, "SELECT count(*) FROM patrons WHERE site = 'UNION'") > 0
    assert one(demo_store, "SELECT count(*) FROM patrons WHERE status = 'Transferred'") > 0
    statuses = {r[0] for r in demo_store.db.execute("SELECT DISTINCT status FROM patrons")}
    assert len(statuses) >= 3


def test_every_note_type(demo_store):
    types = {r[0] for r in demo_store.db.execute("SELECT DISTINCT type FROM notes")}
    assert types == set(NOTE_TYPES)


def test_overdue_checkouts_and_credits(demo_store):
    overdue = one(
        demo_store, "SELECT count(*) FROM checkouts WHERE due_date < ?", [TODAY.isoformat()]
    )
    assert overdue > 0
    assert (
        one(demo_store, "SELECT count(*) FROM checkouts WHERE due_date >= ?", [TODAY.isoformat()])
        > 0
    )
    assert one(demo_store, "SELECT count(*) FROM charges WHERE is_credit = 1") > 0
    descriptions = {r[0] for r in demo_store.db.execute("SELECT description FROM charges")}
    assert {"Lost", "Overdue Fine"} <= descriptions


def test_history_of_every_kind_including_lexile(demo_store):
    kinds = {r[0] for r in demo_store.db.execute("SELECT DISTINCT kind FROM history")}
    # 'forgiven' entries are made by Forgive Charges, not by the demo.
    assert kinds == set(HISTORY_KINDS) - {"forgiven"}
    assert (
        one(
            demo_store,
            "SELECT count(*) FROM history WHERE kind = 'lexile' AND detail GLOB '[0-9]*L'",
        )
        > 0
    )


def test_pictures(demo_store):
    assert one(demo_store, "SELECT count(*) FROM pictures") > 0
    assert one(demo_store, "SELECT count(*) FROM pictures WHERE length(image) = 0") == 0


def test_patrons_with_no_email_and_with_several(demo_store):
    per_patron = dict(
        demo_store.db.execute(
            "SELECT p.id, count(e.id) FROM patrons p "
            "LEFT JOIN patron_emails e ON e.patron_id = p.id GROUP BY p.id"
        ).fetchall()
    )
    assert any(n == 0 for n in per_patron.values())
    assert any(n >= 2 for n in per_patron.values())
    # The first listed is position 0, and addresses are unique.
    assert one(demo_store, "SELECT count(*) FROM patron_emails WHERE position = 0") == sum(
        1 for n in per_patron.values() if n
    )
    assert one(demo_store, "SELECT count(DISTINCT address) = count(*) FROM patron_emails") == 1


def test_names_with_diacritics(demo_store):
    names = demo_store.db.execute("SELECT first_name, last_name FROM patrons").fetchall()
    assert any(not (first + last).isascii() for first, last in names)


def test_dates_are_relative_to_today(demo_store):
    low, high = demo_store.db.execute(
        "SELECT min(expiration_date), max(expiration_date) FROM patrons"
    ).fetchone()
    assert low < TODAY.isoformat() < high
    assert (
        one(
            demo_store,
            "SELECT count(*) FROM patrons WHERE created NOT LIKE ?",
            [TODAY.isoformat() + "%"],
        )
        == 0
    )


def test_every_utility_can_plan_on_the_demo(demo_store):
    for key, options in (
        ("change-status", {"status": "Inactive"}),
        ("change-grade", {"grade": "Graduated"}),
        ("change-location", {"location": "Room 100"}),
        ("add-notes", {"note": "Hello", "note_type": "Alert"}),
    ):
        plan = demo_store.plan(key, {"grades": ["12"]}, options, ADMIN)
        assert plan.counts.matched > 0
        assert plan.counts.matched == plan.counts.change + plan.counts.unchanged


def test_demo_operators_can_log_in_and_their_passwords_are_only_hashed(tmp_path, monkeypatch):
    from store import Store, security

    monkeypatch.setattr(security, "FAILURE_DELAY", 0)
    path = create_demo(tmp_path / "demo.db", patrons=10)
    store_obj = Store(path)
    for username, password, _, _, group in DEMO_OPERATORS:
        operator = store_obj.login(username, password)
        assert operator.group == group and operator.permissions
    store_obj.close()
    raw = path.read_bytes() + (
        path.with_name("demo.db-wal").read_bytes()
        if path.with_name("demo.db-wal").exists()
        else b""
    )
    for _, password, *_ in DEMO_OPERATORS:
        assert password.encode() not in raw


def test_a_demo_build_cut_short_may_be_replaced_with_force(tmp_path, monkeypatch):
    from store import demo

    path = tmp_path / "demo.db"

    def out_of_disk(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr(demo, "_circulation", out_of_disk)
    with pytest.raises(OSError):
        create_demo(path, patrons=20)
    monkeypatch.undo()
    assert create_demo(path, patrons=20, force=True) == path
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM patrons").fetchone()[0] == 20 + len(DEMO_OPERATORS)
    conn.close()
