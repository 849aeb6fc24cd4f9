"""A choice typed as a script writer would: as titled in any case, or in kebab case
('card-lost', 'first-initial-last-name', 'overdue-fines-only', 'grade-9-12'), resolved by
the store (store/choice_names.py) to the value as the manual or the database spells it;
two values sharing a kebab form are refused, naming both."""

from __future__ import annotations

import sqlite3

import pytest

from .commands import count, dump


@pytest.mark.parametrize(
    ("key", "typed", "shown"),
    [
        (
            ["change-status", "--grades", "12", "--status", "inactive"],
            "Change Status to: Inactive",
            "Change Status to: Inactive",
        ),
        (
            ["change-status", "--grades", "12", "--status", "card-lost"],
            "Change Status to: Card Lost",
            "Change Status to: Card Lost",
        ),
        (
            ["reset-accounts", "--grades", "12", "--username", "first-initial-last-name"],
            "Reset Username by: First Initial + Last Name",
            "Reset Password by: No Change",
        ),
        (
            ["reset-accounts", "--grades", "12", "--password", "last-name-non-secure"],
            "Reset Password by: Last Name (non-secure)",
            "Reset Username by: No Change",
        ),
        (
            ["forgive-charges", "--category", "overdue-fines-only"],
            "Charges to forgive: Overdue Fines Only",
            "Charges to forgive: Overdue Fines Only",
        ),
        (
            [
                "change-status",
                "--statuses",
                "card-lost",
                "--statuses",
                "SUSPENDED",
                "--status",
                "active",
            ],
            "Patrons with Status: Card Lost, Suspended",
            "Change Status to: Active",
        ),
    ],
)
def test_a_fixed_choice_is_typed_in_any_case_or_kebab_case(cli, db, key, typed, shown):
    before = dump(db)
    result = cli("run", *key)
    assert result.code == 0, result.err
    assert typed in result.out and shown in result.out
    assert dump(db) == before  # a dry run


def test_the_kebab_form_is_what_is_written(cli, db):
    grade_12 = count(db, "SELECT count(*) FROM patrons WHERE grade = '12'")
    result = cli("run", "change-status", "--grades", "12", "--status", "card-lost", "--yes")
    assert result.code == 0, result.err
    assert count(
        db, "SELECT count(*) FROM patrons WHERE grade = '12' AND status = 'Card Lost'"
    ) == (grade_12)


def test_a_database_choice_is_typed_in_kebab_case_too(cli, db):
    """Policies, grades, security groups come from the database: 'grade-9-12' is the policy
    'Grade 9-12', 'graduated' the grade 'Graduated', 'library-aide' the group."""
    grade_12 = count(db, "SELECT count(*) FROM patrons WHERE grade = '12'")
    result = cli("run", "change-policy", "--grades", "12", "--policy", "grade-9-12", "--yes")
    assert result.code == 0, result.err
    assert count(
        db, "SELECT count(*) FROM patrons WHERE grade = '12' AND policy = 'Grade 9-12'"
    ) == (grade_12)
    graduated = cli("run", "change-grade", "--grades", "12", "--grade", "graduated")
    assert graduated.code == 0, graduated.err
    assert "Change Grade to: Graduated" in graduated.out
    group = cli("run", "change-security-group", "--grades", "12", "--group", "library-aide")
    assert group.code == 0, group.err
    assert "Library Aide" in group.out


def test_two_values_sharing_a_kebab_form_are_refused_naming_both(cli, db):
    conn = sqlite3.connect(db)
    conn.executemany("INSERT INTO policies (name) VALUES (?)", [("Staff A",), ("Staff-A",)])
    conn.commit()
    conn.close()
    before = dump(db)
    result = cli("run", "change-policy", "--grades", "12", "--policy", "staff-a", "--yes")
    assert result.code == 2
    assert "--policy" in result.err and "'Staff A'" in result.err and "'Staff-A'" in result.err
    assert dump(db) == before
    # Typed as spelled, each is itself.
    exact = cli("run", "change-policy", "--grades", "12", "--policy", "Staff-A")
    assert exact.code == 0, exact.err
    assert "Change Policy to: Staff-A" in exact.out


def test_an_unknown_value_is_refused_listing_each_with_its_kebab_form(cli, db):
    result = cli("run", "change-status", "--grades", "12", "--status", "asleep", "--yes")
    assert result.code == 2
    assert "'asleep' is not allowed" in result.err and "'Card Lost' (card-lost)" in result.err


def test_help_shows_each_value_and_its_kebab_form(cli, db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # one line per flag: no wrapping inside a value
    fixed = cli("run", "reset-accounts", "--help")
    assert fixed.code == 0
    assert "First Initial + Last Name (first-initial-last-name)" in fixed.out
    assert "Last Name (non-secure) (last-name-non-secure)" in fixed.out
    assert "Inactive (inactive)" in cli("run", "change-status", "--help").out
    # The database's values, when there is a database to read them from.
    policies = cli("run", "change-policy", "--help").out
    assert "Grade 9-12 (grade-9-12)" in policies and "Staff (staff)" in policies
