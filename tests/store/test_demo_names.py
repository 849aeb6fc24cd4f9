"""The demo's people: names as varied as a real school's at any size, usernames that are the
barcode (as Alexandria's are), a plausible unique address for most, and drawn from a stream
of their own so that the rest of a seed's demo does not depend on them."""

from __future__ import annotations

import os
import random
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import Store, demo_people
from store.demo import DEMO_OPERATORS, create_demo
from store.demo_names import HOME_DOMAINS, SCHOOL_DOMAINS
from store.security import ALL_PERMISSIONS, Operator

from ..operators import ADMIN

INITIAL_LAST = {"username": "First Initial + Last Name"}
DUPLICATE = re.compile(r" (would be shared within this batch|belongs to another patron)$")


def duplicate_share(store_obj: Store, operator: Operator) -> tuple[int, int]:
    """(patrons Reset Patron Accounts skips as duplicates, patrons matched) for First
    Initial + Last Name over every patron, as the district administrator runs it."""
    plan = store_obj.plan("reset-accounts", {}, INITIAL_LAST, operator)
    rows = store_obj.page(plan, 0, plan.counts.matched)
    duplicates = sum(1 for r in rows if r.outcome == "skip" and DUPLICATE.search(r.reason or ""))
    return duplicates, plan.counts.matched


def test_first_initial_last_name_clashes_for_a_few_percent_of_the_test_demo(demo_store):
    duplicates, matched = duplicate_share(demo_store, ADMIN)
    assert matched == 300 + len(DEMO_OPERATORS)
    # A real school's few percent: neither none (nothing to show) nor most (the old demo's
    # 35 surnames skipped 9 patrons in 10).
    assert 0.01 <= duplicates / matched <= 0.06


@pytest.mark.parametrize("patrons", [2000, 20000])
def test_first_initial_last_name_clashes_as_often_in_a_bigger_demo(tmp_path, patrons):
    store_obj = Store(create_demo(tmp_path / "demo.db", patrons=patrons, seed=1))
    admin = Operator(
        patrons + 1, "demo", "Dana Reyes", "District Administrator", 0, frozenset(ALL_PERMISSIONS)
    )
    try:
        duplicates, matched = duplicate_share(store_obj, admin)
    finally:
        store_obj.close()
    assert matched == patrons + len(DEMO_OPERATORS)
    assert 0.01 <= duplicates / matched <= 0.06


def test_surnames_are_many_and_as_varied_as_a_schools(demo_store):
    rows = demo_store.db.execute(
        "SELECT first_name, last_name, nickname FROM patrons WHERE password_hash IS NULL"
    ).fetchall()
    lasts = [last for _, last, _ in rows]
    assert len(set(lasts)) >= 0.6 * len(rows)  # the old demo: 33 for 300 patrons
    assert any("-" in last for last in lasts)  # double surnames
    assert any("'" in last for last in lasts)  # O'Brien
    assert any(not last.isascii() for last in lasts)  # Núñez
    assert any(not first.isascii() for first, _, _ in rows)  # José, Zoë
    assert 0 < sum(1 for *_, nick in rows if nick) < 0.5 * len(rows)


def test_every_patron_username_is_the_barcode_but_the_operators_keep_theirs(demo_store):
    rows = demo_store.db.execute("SELECT barcode, username, password_hash FROM patrons").fetchall()
    patrons = [(barcode, username) for barcode, username, hashed in rows if hashed is None]
    assert len(patrons) == 300
    assert all(username == barcode for barcode, username in patrons)
    operators = {username for _, username, hashed in rows if hashed is not None}
    assert operators == {username for username, *_ in DEMO_OPERATORS}


def test_most_patrons_have_a_unique_plausible_address_at_their_school(demo_store):
    rows = demo_store.db.execute(
        "SELECT p.site, p.grade, e.address FROM patrons p "
        "JOIN patron_emails e ON e.patron_id = p.id AND e.position = 0"
    ).fetchall()
    assert len(rows) >= 0.6 * 300
    shape = re.compile(r"^[a-z]+(\.[a-z]+)?[0-9]*@[a-z.]+$")
    assert all(shape.match(address) for *_, address in rows)
    at_school = [
        address.endswith("@" + SCHOOL_DOMAINS[site])
        for site, grade, address in rows
        if grade != "Graduated"
    ]
    assert at_school and all(at_school)
    graduates = [address for _, grade, address in rows if grade == "Graduated"]
    assert graduates and all(a.split("@")[1] in HOME_DOMAINS for a in graduates)
    addresses = [a for (a,) in demo_store.db.execute("SELECT address FROM patron_emails")]
    assert len(addresses) == len(set(addresses))


def everything_but_names(path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {
            "patrons": conn.execute(
                "SELECT id, barcode, grade, location, location2, policy, security_group, "
                "status, site, graduation_date, expiration_date, username FROM patrons "
                "WHERE password_hash IS NULL ORDER BY id"
            ).fetchall(),
            **{
                t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in (
                    "notes",
                    "pictures",
                    "items",
                    "checkouts",
                    "holds",
                    "reservations",
                    "charges",
                    "history",
                    "reviews",
                )
            },
            "emails": conn.execute(
                "SELECT patron_id, position FROM patron_emails ORDER BY rowid"
            ).fetchall(),
        }
    finally:
        conn.close()


def test_names_have_a_stream_of_their_own(tmp_path, monkeypatch):
    """Other names (another stream for them) leave every other draw of the seed as it was:
    the grades, sites, loans and charges the tests and snapshots are built on."""
    a = create_demo(tmp_path / "a.db", patrons=300, seed=7)

    class OtherNames(demo_people.People):
        def __init__(self, seed: int, patrons: int):
            super().__init__(seed, patrons)
            self.rng = random.Random("other names")

    monkeypatch.setattr("store.demo.People", OtherNames)
    b = create_demo(tmp_path / "b.db", patrons=300, seed=7)
    names = "SELECT first_name, last_name FROM patrons ORDER BY id"
    assert sqlite3.connect(a).execute(names).fetchall() != (
        sqlite3.connect(b).execute(names).fetchall()
    )
    assert everything_but_names(a) == everything_but_names(b)


def test_double_surnames_past_the_single_ones_are_each_pair_once():
    people = demo_people.People(seed=1, patrons=1000)
    singles = len(people.names)
    doubles = [people._beyond(n) for n in range(5000)]
    assert len(set(doubles)) == len(doubles)
    parts = [d.split("-") for d in doubles]
    assert all(len(p) == 2 and p[0] != p[1] for p in parts)
    # The commoner surnames first: the first 5,000 pairs use only the first hundred.
    ranks = {name: rank for rank, name in enumerate(people.names[:singles])}
    assert max(ranks[name] for p in parts for name in p) <= 100


def names_of(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT p.id, first_name, middle_name, last_name, nickname, "
            "group_concat(e.address, ' ') FROM patrons p "
            "LEFT JOIN patron_emails e ON e.patron_id = p.id GROUP BY p.id ORDER BY p.id"
        ).fetchall()
    finally:
        conn.close()


def test_the_same_seed_gives_the_same_names_in_another_process(tmp_path):
    """Not only within one run: string hashing (a set's order) changes from process to
    process, and the names must not."""
    here = create_demo(tmp_path / "here.db", patrons=500, seed=3)
    there = tmp_path / "there.db"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from store.demo import create_demo; create_demo({str(there)!r}, patrons=500, seed=3)",
        ],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert names_of(here) == names_of(there)
    assert len(names_of(here)) == 500 + len(DEMO_OPERATORS)
