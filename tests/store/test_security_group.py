"""Change Patron Security Group: which groups an operator may assign, which patrons they may
change."""

from __future__ import annotations

import json

import pytest

import store
from store.security import SECURITY_GROUPS, UTILITIES, Operator

from ..operators import operator_at
from .runs import NOW, STAMP

KEY = "change-security-group"
PERMS = frozenset({UTILITIES, SECURITY_GROUPS})

# Groups by level: Admin 0, Librarian 1 (in small_db), Aide 2, Student 3 (in small_db).
# Patrons (small_db ids): Admins 1 and 2, Librarians 7 and 10, Aides 3 and 4, no group 5,
# Students 6, 8, 9, 11, 12.
GROUP_OF = {
    1: "Admin",
    2: "Admin",
    3: "Aide",
    4: "Aide",
    5: None,
    6: "Student",
    7: "Librarian",
    8: "Student",
    9: "Student",
    10: "Librarian",
    11: "Student",
    12: "Student",
}
LEVEL_OF = {"Admin": 0, "Librarian": 1, "Aide": 2, "Student": 3, None: None}


@pytest.fixture
def groups(small_db):
    db = small_db.db
    db["security_groups"].insert_all(
        [
            {"name": "Admin", "level": 0, "permissions": json.dumps([UTILITIES, SECURITY_GROUPS])},
            {"name": "Aide", "level": 2, "permissions": json.dumps([UTILITIES])},
        ]
    )
    for pid, group in GROUP_OF.items():
        db.execute("UPDATE patrons SET security_group = ? WHERE id = ?", [group, pid])
    # This world is small_db's twelve patrons; its operators are made by operator() below.
    db.execute("DELETE FROM patrons WHERE id IN (301, 302)")
    return small_db


def operator(s: store.Store, level: int, patron_id: int | None = None) -> Operator:
    """An operator of ``level``: one of the twelve when ``patron_id`` says so, else a
    thirteenth patron (900 + level), who is then matched too and skipped as their own account."""
    return operator_at(s.db, level, PERMS, patron_id)


def by_id(plan: store.Plan) -> dict[int, store.PlanRow]:
    return {r.patron_id: r for r in plan.page(0, 100)}


def group_column(s: store.Store) -> dict[int, str | None]:
    return dict(s.db.execute("SELECT id, security_group FROM patrons").fetchall())


def operations(s: store.Store) -> int:
    return s.db.execute("SELECT count(*) FROM operations").fetchone()[0]


# -- which groups may be assigned ----------------------------------------------------------


@pytest.mark.parametrize("group", ["Aide", "Student"])
def test_a_level_1_operator_may_assign_groups_of_a_larger_level(groups, group):
    options = groups.validate_options(KEY, {"group": group}, operator(groups, 1))
    assert options.group == group
    assert groups.plan(KEY, {}, {"group": group}, operator(groups, 1)).counts.matched == 13


@pytest.mark.parametrize("group", ["Librarian", "Admin", "librarian"])
def test_a_level_1_operator_may_not_assign_their_own_level_or_above(groups, group):
    with pytest.raises(store.Invalid) as info:
        groups.validate_options(KEY, {"group": group}, operator(groups, 1))
    [problem] = info.value.problems
    assert problem.field == "group"
    assert problem.title == "New Security Group"
    assert "level 2 or higher" in problem.message
    with pytest.raises(store.Invalid) as info:
        groups.plan(KEY, {}, {"group": group}, operator(groups, 1))
    assert [p.field for p in info.value.problems] == ["group"]
    assert operations(groups) == 0


def test_without_an_operator_only_the_group_name_is_checked(groups):
    assert groups.validate_options(KEY, {"group": "Admin"}).group == "Admin"
    with pytest.raises(store.Invalid) as info:
        groups.validate_options(KEY, {"group": "Janitor"}, operator(groups, 0))
    [problem] = info.value.problems
    assert problem.field == "group" and "security groups" in problem.message


@pytest.mark.parametrize("group", ["Admin", "Librarian", "Aide", "Student"])
def test_a_level_0_operator_may_assign_any_group(groups, group):
    assert groups.validate_options(KEY, {"group": group}, operator(groups, 0)).group == group


def test_a_level_2_operator_may_not_assign_the_same_level(groups):
    with pytest.raises(store.Invalid) as info:
        groups.validate_options(KEY, {"group": "Aide"}, operator(groups, 2))
    assert info.value.problems[0].field == "group"
    assert (
        groups.validate_options(KEY, {"group": "Student"}, operator(groups, 2)).group == "Student"
    )


# -- which patrons may be changed ------------------------------------------------------------


def test_a_level_1_operator_changes_only_patrons_below_their_level(groups):
    me = operator(groups, 1, patron_id=7)  # Bea Bell, a Librarian
    plan = groups.plan(KEY, {}, {"group": "Student"}, me)
    rows = by_id(plan)
    assert plan.counts == store.Counts(matched=12, change=3, unchanged=5, skip=4)
    # One level below (Aide, 2) and no group at all: changed.
    for pid in (3, 4, 5):
        assert rows[pid].outcome == "change", rows[pid]
        assert rows[pid].new == "Student"
    assert rows[5].current is None
    # Same level (the other Librarian) and above (Admins): skipped, the reason naming the level.
    assert rows[10].outcome == "skip"
    assert rows[10].reason == "in Librarian (level 1), not below your level 1"
    for pid in (1, 2):
        assert rows[pid].outcome == "skip"
        assert "level 0" in rows[pid].reason and "your level 1" in rows[pid].reason
    # Their own account is skipped first, whatever its group.
    assert (rows[7].outcome, rows[7].reason) == ("skip", "your own account")
    assert rows[6].outcome == "unchanged" and rows[6].reason == "already Student"


def test_a_level_2_operator_may_not_change_patrons_of_their_own_level(groups):
    plan = groups.plan(
        KEY, {"security_groups": ["Aide"]}, {"group": "Student"}, operator(groups, 2)
    )
    rows = by_id(plan)
    assert {r.outcome for r in rows.values()} == {"skip"}
    assert all("level 2" in r.reason for r in rows.values())


def test_a_level_0_operator_changes_anyone_but_their_own_account(groups):
    me = operator(groups, 0, patron_id=1)  # Ann Adams, an Admin
    plan = groups.plan(KEY, {}, {"group": "Aide"}, me)
    rows = by_id(plan)
    assert (rows[1].outcome, rows[1].reason) == ("skip", "your own account")
    assert rows[2].outcome == "change"  # another level-0 patron
    assert rows[7].outcome == rows[10].outcome == "change"
    assert rows[3].outcome == "unchanged"
    assert plan.counts == store.Counts(matched=12, change=9, unchanged=2, skip=1)
    groups.apply(plan)
    after = group_column(groups)
    assert after[1] == "Admin"
    assert {after[pid] for pid in GROUP_OF if pid != 1} == {"Aide"}


def test_a_level_0_operator_may_move_another_administrator_to_level_0(groups):
    plan = groups.plan(KEY, {}, {"group": "Admin"}, operator(groups, 0, patron_id=1))
    rows = by_id(plan)
    assert rows[2].outcome == "unchanged" and rows[1].reason == "your own account"
    assert rows[7].outcome == "change" and rows[7].new == "Admin"


# -- apply -----------------------------------------------------------------------------


def test_apply_sets_the_column_and_journals_before_images(groups):
    me = operator(groups, 1, patron_id=7)
    plan = groups.plan(KEY, {}, {"group": "Student"}, me)
    report = groups.apply(plan)
    after = group_column(groups)
    assert after[3] == after[4] == after[5] == "Student"
    assert after[1] == after[2] == "Admin" and after[7] == after[10] == "Librarian"
    journal = groups.db.execute(
        "SELECT table_name, row_id, action, before, after FROM operation_rows "
        "WHERE operation_id = ? ORDER BY row_id",
        [report.operation_id],
    ).fetchall()
    assert [(t, r, a) for t, r, a, _, _ in journal] == [
        ("patrons", pid, "update") for pid in (3, 4, 5)
    ]
    assert [json.loads(b) for *_, b, _ in journal] == [
        {"security_group": "Aide", "modified": STAMP},
        {"security_group": "Aide", "modified": STAMP},
        {"security_group": None, "modified": STAMP},
    ]
    assert all(json.loads(a) == {"security_group": "Student", "modified": NOW} for *_, a in journal)
    op = groups.operation(report.operation_id)
    assert (op["operator"], op["changed"], op["skipped"]) == ("op1", 3, 4)
    skips = groups.operation_changes(report.operation_id, "skip")
    assert {c["patron_id"]: c["reason"] for c in skips}[7] == "your own account"
    assert len(skips) == 4


def test_a_patron_moved_out_of_reach_after_the_preview_makes_it_stale(groups):
    me = operator(groups, 1, patron_id=7)
    plan = groups.plan(KEY, {}, {"group": "Student"}, me)
    groups.db.execute("UPDATE patrons SET security_group = 'Admin' WHERE id = 3")
    with pytest.raises(store.Stale):
        groups.apply(plan)
    assert group_column(groups)[4] == "Aide" and operations(groups) == 0
