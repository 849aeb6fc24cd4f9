"""Selections: each criterion compiled to SQL and run against the hand-built database."""

from __future__ import annotations

import datetime as dt

import pytest

import store
from store.selection import Selection, compile_selection

from ..operators import ADMIN


def matched(s: store.Store, **criteria) -> set[str]:
    compiled = compile_selection(Selection(**criteria))
    rows = s.db.execute(
        f"SELECT barcode FROM patrons p WHERE {compiled.where}", compiled.params
    ).fetchall()
    return {r[0] for r in rows}


def validated(s: store.Store, **criteria) -> set[str]:
    """Through the Store's validation (canonicalising choices) then compiled."""
    compiled = compile_selection(s.validate_selection(criteria))
    return {
        r[0]
        for r in s.db.execute(
            f"SELECT barcode FROM patrons p WHERE {compiled.where}", compiled.params
        ).fetchall()
    }


# -- the empty selection ---------------------------------------------------


def test_empty_selection_matches_everyone_and_says_so(small_db, all_barcodes):
    sel = Selection()
    assert sel.is_empty()
    assert compile_selection(sel).chosen == "1"
    # Every patron but the Unknown Patron, whom no selection takes in.
    assert compile_selection(sel).where == "NOT coalesce(p.is_unknown, 0)"
    assert matched(small_db) == all_barcodes
    assert sel.describe() == ["Every patron (no selections)"]


def test_describe_lists_each_criterion_in_use():
    sel = Selection(grades=["12", "Graduated"], statuses=["Active"], graduation_to="-1y")
    assert not sel.is_empty()
    assert sel.describe() == [
        "Patrons in Grade: 12, Graduated",
        "Patrons with Status: Active",
        "Graduation date to: -1y",
    ]


# -- barcodes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "low, high, expected",
    [
        ("9", "100", {"9", "10", "11", "99", "100"}),  # as text "9" > "100": nothing would match
        ("10", "10", {"10"}),
        ("100", "", {"100", "101", "1000"}),
        ("", "9", {"2", "9"}),
        ("2", "2", {"2"}),
        ("1001", "", set()),
        ("0009", "0010", {"9", "10"}),  # leading zeros are still numbers
    ],
)
def test_numeric_barcode_range_compares_numerically_inclusive(small_db, low, high, expected):
    assert matched(small_db, barcode_from=low, barcode_to=high) == expected


def test_numeric_range_leaves_out_alphanumeric_barcodes(small_db):
    everything = matched(small_db, barcode_from="0", barcode_to="999999999999999")
    assert everything == {"2", "9", "10", "11", "99", "100", "101", "1000"}


@pytest.mark.parametrize(
    "low, high, expected",
    [
        ("P123", "P200", {"P123", "p150", "P200"}),
        ("p123", "p200", {"P123", "p150", "P200"}),  # case-insensitive
        ("P124", "P199", {"p150"}),
        ("P123", "P123", {"P123"}),
        ("P2", "", {"P200", "STAFF001", "STAFF002"}),
        ("O", "P", {"O'1"}),
    ],
)
def test_text_barcode_range_is_case_insensitive_and_inclusive(small_db, low, high, expected):
    assert matched(small_db, barcode_from=low, barcode_to=high) == expected


def test_unicode_digits_are_not_numbers(small_db, all_barcodes):
    # "²".isdigit() is True but int("²") fails; such a bound must compare as text.
    assert matched(small_db, barcode_from="²") == set()
    assert validated(small_db, barcode_from="1", barcode_to="²") == all_barcodes


# -- last names ------------------------------------------------------------


@pytest.mark.parametrize(
    "low, high, expected",
    [
        ("C", "C", {"10", "2", "100", "99"}),  # Carter, Chen, Cobb, Czerny
        ("", "C", {"9", "11", "10", "2", "100", "99"}),  # the end is a prefix
        ("Carter", "Cobb", {"10", "2", "100"}),  # Czerny is past "Cobb"
        ("Cobb", "Cobb", {"100"}),
        ("carter", "chen", {"10", "2"}),  # case-insensitive
        ("D", "D", {"1000", "101"}),  # Davis and "de la Cruz"
        (
            "Ng",
            "",
            {"p150", "O'1", "P200", "STAFF001"},
        ),  # Ng, O'Brien, Reyes, Zimmer; Éluard is an E
        ("Adams", "Bell", {"9", "11"}),
        ("Zz", "", set()),  # accents fold: Éluard is not after Z
        ("e", "e", {"P123"}),  # "e" takes in Éluard
        ("éluard", "ÉLUARD", {"P123"}),  # any case, accents or not
    ],
)
def test_last_name_range(small_db, low, high, expected):
    assert matched(small_db, last_name_from=low, last_name_to=high) == expected


def test_last_name_with_diacritic_and_quote_match_literally(small_db):
    assert matched(small_db, last_name_from="Éluard", last_name_to="Éluard") == {"P123"}
    assert matched(small_db, last_name_from="O'Brien", last_name_to="O'Brien") == {"O'1"}
    assert matched(small_db, barcode_from="O'1", barcode_to="O'1") == {"O'1"}


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE patrons;--",
        '" OR 1=1 --',
        "' OR '1'='1",
        "Robert'); --",
    ],
)
def test_hostile_strings_are_parameters_not_sql(small_db, hostile, all_barcodes):
    compiled = compile_selection(Selection(last_name_from=hostile, last_name_to=hostile))
    assert hostile not in compiled.where
    assert matched(small_db, last_name_from=hostile, last_name_to=hostile) == set()
    small_db.db["patrons"].insert(
        {
            "barcode": "X1",
            "last_name": hostile,
            "site": "ELM",
            "created": "2026",
            "modified": "2026",
        }
    )
    assert matched(small_db, last_name_from=hostile, last_name_to=hostile) == {"X1"}
    short = hostile[:15]
    assert matched(small_db, barcode_from=short, barcode_to=short) == set()
    assert small_db.db["patrons"].count == len(all_barcodes) + 1


def test_hostile_selection_through_a_plan_leaves_the_table(small_db, all_barcodes):
    plan = small_db.plan(
        "change-status",
        {"last_name_from": "'; DROP TABLE patrons;--"},
        {"status": "Inactive"},
        ADMIN,
    )
    # "'" sorts before every letter, so the literal bound takes in everyone.
    assert plan.counts.matched == len(all_barcodes)
    assert "patrons" in small_db.db.table_names()
    assert small_db.db["patrons"].count == len(all_barcodes)


# -- any-of criteria --------------------------------------------------------


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ({"sites": ["UNION"]}, {"99", "2"}),
        ({"sites": ["ELM", "UNION"]}, {"9", "10", "11", "P200", "O'1", "99", "2"}),
        ({"grades": ["Graduated"]}, {"1000", "2"}),
        ({"grades": ["12", "Graduated"]}, {"100", "101", "1000", "2"}),
        ({"grades": ["PK", "K"]}, {"11", "9"}),
        ({"locations": ["Room 1"]}, {"9", "10", "O'1"}),
        ({"locations": ["Room 2", "Gone"]}, {"100", "P123", "101", "2"}),
        ({"locations2": ["Bus 4"]}, {"10", "11"}),
        ({"locations2": ["Bus 4", "Bus 7"]}, {"10", "11", "P123"}),
        ({"policies": ["Secondary"]}, {"100", "1000", "P123", "101", "2", "p150"}),
        ({"statuses": ["Card Lost", "Other"]}, {"99", "2"}),
        ({"statuses": ["Transferred"]}, {"1000"}),
        ({"statuses": ["Inactive", "Suspended"]}, {"100", "P123"}),
        ({"security_groups": ["Librarian"]}, {"11", "P200"}),
        ({"security_groups": ["Librarian", "Student"]}, "everyone but the operators"),
    ],
)
def test_any_of_criteria(small_db, criteria, expected, all_barcodes):
    everyone = {
        "everyone": all_barcodes,
        "everyone but the operators": all_barcodes - {"STAFF001", "STAFF002"},
    }
    assert matched(small_db, **criteria) == (
        everyone[expected] if isinstance(expected, str) else expected
    )


def test_criteria_combine_with_and(small_db):
    assert matched(small_db, sites=["HIGH"], grades=["12"]) == {"100", "101"}
    assert matched(small_db, sites=["HIGH"], grades=["12"], statuses=["Active"]) == {"101"}
    assert matched(small_db, sites=["ELM"], last_name_from="C", last_name_to="C") == {"10"}


def test_null_grade_and_location_never_match_a_value(small_db, all_barcodes):
    everyone_with_grade = matched(small_db, grades=list(small_db.choices("grade")))
    staff = {"STAFF001", "STAFF002"}  # the operators have neither
    assert everyone_with_grade == all_barcodes - {"P200"} - staff
    with_location = matched(small_db, locations=small_db.choices("location"))
    assert with_location == all_barcodes - {"1000", "P200"} - staff


# -- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "low, high, expected",
    [
        ("today", "", {"100", "2", "9", "10", "P123", "99", "O'1", "p150"}),
        ("", "today", {"100", "101", "1000"}),
        ("06/01/2026", "06/01/2026", {"100"}),
        ("2026-05-31", "2026-06-02", {"101", "100", "2"}),
        ("-1y", "today", {"1000", "101", "100"}),
        ("today-365d", "-1d", {"1000", "101"}),
        ("+1d", "+1d", {"2"}),
        ("-1y", "-1y", {"1000"}),
    ],
)
def test_graduation_date_range_inclusive_and_relative(small_db, low, high, expected):
    assert matched(small_db, graduation_from=low, graduation_to=high) == expected


@pytest.mark.parametrize(
    "low, high, expected",
    [
        ("", "05/31/2026", {"9", "1000", "101"}),
        ("today", "today", {"10", "2"}),
        ("today", "+1d", {"10", "2", "100"}),
        ("-1m", "-1d", {"101", "9"}),
        ("+1y", "", {"99"}),
        ("+2w", "+2w", {"p150"}),
    ],
)
def test_expiration_date_range(small_db, low, high, expected):
    assert matched(small_db, expiration_from=low, expiration_to=high) == expected


def test_relative_dates_are_kept_as_typed_and_resolved_when_compiled(small_db):
    sel = Selection(graduation_from="today", graduation_to="today")
    assert sel.graduation_from == "today"
    assert compile_selection(sel, today=dt.date(2026, 6, 2)).params == {
        "s0": "2026-06-02",
        "s1": "2026-06-02",
    }
    assert matched(small_db, graduation_from="today", graduation_to="today") == {"100"}


# -- validation ----------------------------------------------------------------


def problems(s: store.Store, data: dict) -> list[store.Problem]:
    with pytest.raises(store.Invalid) as info:
        s.validate_selection(data)
    assert str(info.value) == "; ".join(str(p) for p in info.value.problems)
    return info.value.problems


@pytest.mark.parametrize(
    "field, kind, value, allowed",
    [
        ("grades", "grade", "13", "PK, K, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, Graduated"),
        ("sites", "site", "MID", "ELM, HIGH, OFFICE, UNION"),
        ("policies", "policy", "Staff", "Elementary, Secondary"),
        ("locations", "location", "Room 9", "Gone, Room 1, Room 2, Room 3"),
        ("locations2", "location2", "Bus 9", "Bus 4, Bus 7"),
        (
            "security_groups",
            "security_group",
            "Teacher",
            "District Administrator, Librarian, Library Aide, Student",
        ),
        (
            "statuses",
            None,
            "Retired",
            # Each with the kebab form a script may type (store/choice_names.py).
            "'Active' (active), 'Card Lost' (card-lost), 'Suspended' (suspended), "
            "'Transferred' (transferred), 'Inactive' (inactive), 'Other' (other)",
        ),
    ],
)
def test_unknown_choice_names_the_field_and_lists_allowed_values(
    small_db, field, kind, value, allowed
):
    # A good value next to the bad one does not hide it.
    good = small_db.choices(kind)[:1] if kind else ["Active"]
    [problem] = problems(small_db, {field: good + [value]})
    assert problem.field == field
    assert repr(value) in problem.message
    assert allowed in problem.message
    assert problem.title == Selection.model_fields[field].title


def test_database_choices_are_canonicalised_case_insensitively(small_db):
    sel = small_db.validate_selection(
        {
            "grades": ["graduated", "GRADUATED", "pk"],
            "sites": ["elm"],
            "policies": ["secondary"],
            "locations": ["room 1"],
            "security_groups": ["librarian"],
        }
    )
    assert sel.grades == ["Graduated", "PK"]
    assert sel.sites == ["ELM"]
    assert sel.policies == ["Secondary"]
    assert sel.locations == ["Room 1"]
    assert sel.security_groups == ["Librarian"]
    assert validated(small_db, grades=["graduated"]) == {"1000", "2"}


@pytest.mark.parametrize(
    "data, field",
    [
        ({"barcode_from": "100", "barcode_to": "9"}, "barcode_to"),
        ({"barcode_from": "P200", "barcode_to": "p123"}, "barcode_to"),
        ({"last_name_from": "Davis", "last_name_to": "C"}, "last_name_to"),
        ({"last_name_from": "Cobb", "last_name_to": "Carter"}, "last_name_to"),
        ({"graduation_from": "today", "graduation_to": "-1d"}, "graduation_to"),
        ({"expiration_from": "06/02/2026", "expiration_to": "2026-06-01"}, "expiration_to"),
    ],
)
def test_range_end_before_start_names_the_end(small_db, data, field):
    [problem] = problems(small_db, data)
    assert problem.field == field
    assert "before the start of the range" in problem.message


@pytest.mark.parametrize(
    "data",
    [
        {"barcode_from": "9", "barcode_to": "100"},
        {"last_name_from": "Carter", "last_name_to": "C"},  # the end is a prefix
        {"last_name_from": "c", "last_name_to": "C"},
        {"graduation_from": "-1y", "graduation_to": "today"},
        {"expiration_from": "today", "expiration_to": "today"},
    ],
)
def test_ordered_ranges_validate(small_db, data):
    assert small_db.validate_selection(data).model_dump(exclude_defaults=True) == data


@pytest.mark.parametrize(
    "field", ["graduation_from", "graduation_to", "expiration_from", "expiration_to"]
)
def test_unparseable_date_names_the_field_and_lists_accepted_forms(small_db, field):
    [problem] = problems(small_db, {field: "yesterday"})
    assert problem.field == field
    assert "MM/DD/YYYY" in problem.message and "today-30d" in problem.message


def test_unknown_extra_field_is_named(small_db):
    [problem] = problems(small_db, {"colour": "red"})
    assert problem.field == "colour"
    assert "not a field" in problem.message


def test_several_problems_are_all_reported(small_db):
    found = problems(
        small_db, {"grades": ["13"], "graduation_from": "soon", "barcode_from": "x" * 16}
    )
    assert {p.field for p in found} == {"grades", "graduation_from", "barcode_from"}


def test_validation_runs_before_the_plan_is_made(small_db):
    with pytest.raises(store.Invalid) as info:
        small_db.plan("change-status", {"sites": ["MID"]}, {"status": "Active"}, ADMIN)
    assert info.value.problems[0].field == "sites"
    assert small_db.db.execute("SELECT count(*) FROM operations").fetchone()[0] == 0
