"""Every door that writes × every security group of the demo: allowed or refused as the
group's permissions and level say, a refusal writing nothing, an allowed write touching
no patron at or above the operator's level (nor their own account)."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

import store
from store import security
from store.catalog import RUNNABLE
from store.patron_file import BadFile
from store.security import (
    PASSWORDS,
    PREFERENCES,
    REMOVE_RECORDS,
    SECURITY_GROUPS,
    UTILITIES,
    Operator,
)
from store.utilities.base import Utility

from ..databases import demo_db, everything
from ..district import LIBRARIAN_ID, write_csv

# The picker's and the Grade table's (Advance All Grades).
UTILITIES_BUILT = [e for e in RUNNABLE if isinstance(e, Utility)]
# Options each utility accepts on the demo.
OPTIONS = {
    "add-notes": {"note": "Matrix note", "note_type": "General"},
    "advance-grade": {},
    "advance-all-grades": {},
    "change-grade": {"grade": "K"},
    "change-location2": {"location2": "Bus 9"},
    "change-location": {"location": "Room 999"},
    "change-policy": {"policy": "Community"},
    "change-security-group": {"group": "Student"},
    "change-status": {"status": "Inactive"},
    "forgive-charges": {"category": "All Charges, Fees, and Fines"},
    "move-to-site": {"site": "ELM"},
    "reassign-union-site": {"site": "ELM"},
    "recompute-due-dates": {},
    "remove-history": {},
    "remove-notes": {"note_type": "Alert"},
    "remove-pictures": {},
    "remove-patrons": {"force": True},
    "renew-accounts": {},
    "reset-accounts": {"username": "Barcode", "password": "Last Name (non-secure)"},
}
# The demo's groups, each with an operator: (group, patron id in the 300-patron demo).
GROUPS = [
    ("District Administrator", 301),
    ("Librarian", LIBRARIAN_ID),
    ("Library Aide", 302),
    ("Teacher", 25),
    ("Student", 1),
]
GROUP_IDS = [group for group, _ in GROUPS]
# Tables whose rows belong to a patron (what a write to someone out of reach would touch).
pytestmark = pytest.mark.usefixtures("fast")  # cheap logins (tests/conftest.py)
OWNED = (
    "notes",
    "pictures",
    "history",
    "charges",
    "checkouts",
    "holds",
    "reservations",
    "patron_emails",
    "reviews",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return demo_db(tmp_path_factory.mktemp("matrix"))


@pytest.fixture
def world(template, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(template, path)
    s = store.Store(path)
    yield path, s
    s.close()


def operator_of(s: store.Store, group: str) -> Operator:
    """The group's operator as login would give them; a group that grants nothing gives an
    operator no door lets through (they could not have logged in)."""
    patron_id = dict(GROUPS)[group]
    found = security.operator_for(s.db, patron_id)
    if found is not None:
        assert found.group == group
        return found
    level = s.db.execute("SELECT level FROM security_groups WHERE name = ?", [group]).fetchone()[0]
    return Operator(patron_id, f"user{patron_id}", "No Operator", group, level, frozenset())


def out_of_reach(path, operator: Operator) -> dict[str, list]:
    """Every row of the patrons this operator may not change, and of what they own."""
    conn = sqlite3.connect(path)
    try:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT p.id FROM patrons p "
                "LEFT JOIN security_groups g ON g.name = p.security_group "
                "WHERE p.id = ? OR (? > 0 AND g.level <= ?)",
                [operator.patron_id, operator.level, operator.level],
            )
        ]
        marks = ",".join("?" * len(ids))
        rows = {
            "patrons": conn.execute(
                f"SELECT * FROM patrons WHERE id IN ({marks}) ORDER BY id", ids
            ).fetchall()
        }
        for table in OWNED:
            rows[table] = conn.execute(
                f"SELECT * FROM {table} WHERE patron_id IN ({marks}) ORDER BY rowid", ids
            ).fetchall()
        return rows
    finally:
        conn.close()


def may(operator: Operator, permissions) -> bool:
    return bool(operator.permissions) and set(permissions) <= operator.permissions


def refused(path, attempt) -> None:
    before = everything(path)
    with pytest.raises((store.NotPermitted, BadFile)):
        attempt()
    assert everything(path) == before


# -- each utility ------------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUP_IDS)
@pytest.mark.parametrize("utility", UTILITIES_BUILT, ids=lambda u: u.key)
def test_each_utility(world, utility, group):
    path, s = world
    operator = operator_of(s, group)
    if not may(operator, utility.permissions):
        refused(path, lambda: s.plan(utility.key, {}, OPTIONS[utility.key], operator))
        return
    reach = out_of_reach(path, operator)
    plan = s.plan(utility.key, {}, OPTIONS[utility.key], operator)
    s.apply(plan)
    assert out_of_reach(path, operator) == reach


# -- undo of each utility's operation ------------------------------------------------------------


@pytest.mark.parametrize("group", GROUP_IDS)
@pytest.mark.parametrize("utility", UTILITIES_BUILT, ids=lambda u: u.key)
def test_undo_of_each_utility(world, utility, group):
    path, s = world
    admin = operator_of(s, "District Administrator")
    # Everyone; but a reset of every password would end the other operators' sessions too.
    selection = (
        {"security_groups": ["Student", "Teacher"]} if utility.key == "reset-accounts" else {}
    )
    operation = s.apply(s.plan(utility.key, selection, OPTIONS[utility.key], admin)).operation_id
    operator = operator_of(s, group)
    needed = utility.permissions
    if utility.key == "add-notes" and operator.patron_id != admin.patron_id:
        needed += (REMOVE_RECORDS,)  # undone, the administrator's notes are removed
    if not may(operator, needed):
        refused(path, lambda: s.check_undo(operation, operator))
        refused(path, lambda: s.undo(operation, operator))
        return
    reach = out_of_reach(path, operator)
    check = s.check_undo(operation, operator)
    report = s.undo(operation, operator)
    assert out_of_reach(path, operator) == reach
    assert report.counts.skip >= check.skipped


# -- import, column by column --------------------------------------------------------------------

# (column, value, patron id): a Student's location, username and group; a Librarian's location.
IMPORTS = {
    "location": ("location", "Room 777", 1, (UTILITIES,), 2),
    "username": ("username", "renamed1", 1, (UTILITIES, PASSWORDS), 2),
    "security_group": ("security_group", "Teacher", 1, (UTILITIES, SECURITY_GROUPS), 1),
    "a librarian's location": ("location", "Room 777", LIBRARIAN_ID, (UTILITIES,), 0),
}


@pytest.mark.parametrize("group", GROUP_IDS)
@pytest.mark.parametrize("case", IMPORTS)
def test_import(world, tmp_path, case, group):
    """Allowed with the column's permissions, below the level it needs (the patron's, or
    the group it assigns)."""
    path, s = world
    column, value, patron_id, permissions, deepest = IMPORTS[case]
    row = s.db["patrons"].get(patron_id)
    file = write_csv(
        tmp_path / "one.csv",
        [["barcode", "last_name", column], [row["barcode"], row["last_name"], value]],
    )
    operator = operator_of(s, group)
    if not (may(operator, permissions) and operator.level <= deepest):
        refused(path, lambda: s.import_patrons(file, {}, operator))
        return
    report = s.import_patrons(file, {}, operator)
    assert report.updated == 1
    assert s.db["patrons"].get(patron_id)[column] == value


# -- saved runs, preferences, the grade table ----------------------------------------------------


@pytest.mark.parametrize("group", GROUP_IDS)
def test_saved_runs(world, group):
    path, s = world
    admin = operator_of(s, "District Administrator")
    run_id, _ = s.save_run("change-status", "Summer", {}, {"status": "Inactive"}, admin)
    operator = operator_of(s, group)
    save = lambda: s.save_run("change-status", "Autumn", {}, {"status": "Active"}, operator)  # noqa: E731
    if may(operator, (UTILITIES,)):
        save()
        assert {r["name"]: r["operator"] for r in s.saved_runs()}["Autumn"] == operator.username
    else:
        refused(path, save)
    # Someone else's run: level 0 only.
    rename = lambda: s.rename_run(run_id, "Renamed", operator)  # noqa: E731
    delete = lambda: s.delete_run(run_id, operator)  # noqa: E731
    if operator.level == 0:
        rename()
        delete()
        assert "Summer" not in {r["name"] for r in s.saved_runs()}
    else:
        refused(path, rename)
        refused(path, delete)


@pytest.mark.parametrize("group", GROUP_IDS)
def test_preferences_and_the_grade_table(world, group):
    path, s = world
    operator = operator_of(s, group)
    prefs = {**s.library_preferences().model_dump(), "location_term": "Homeroom"}
    doors = [
        lambda: s.save_preferences(prefs, operator),
        lambda: s.edit_grades(operator, "add", "13", "12"),
    ]
    if may(operator, (PREFERENCES,)):
        for door in doors:
            door()
        assert s.preferences()["term.location"] == "Homeroom"
        assert "13" in s.choices("grade")
    else:
        for door in doors:
            refused(path, door)
