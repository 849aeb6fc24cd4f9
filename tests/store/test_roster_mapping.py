"""The roster mapping (issue 19): how OneRoster users become patrons of the demo district —
its defaults, each override, each problem. The settings' own checks, files and saving are
tests/store/test_roster_mapping_settings.py."""

from __future__ import annotations

import pytest

import store
from store.patron_record import FIELDS, PatronRecord
from store.roster.mapping import DEFAULT_GRADES, RosterMapping
from store.roster.mapping_context import MappedPatron, MappingContext, Skipped
from store.roster.mapping_files import validate_mapping
from store.roster.mapping_users import Mapper, check, map_user, map_users
from store.roster.model import Roster, RosterOrg, RosterProblem, RosterUser
from store.validation import validate

ORGS = {
    "org-elm": RosterOrg("org-elm", "Elm Street Elementary", "ELM", "school"),
    "MID": RosterOrg("MID", "Lincoln Middle School", "0042", "school"),
    "org-new": RosterOrg("org-new", "A school the library has not", "9999", "school"),
}


def user(**given) -> RosterUser:
    values = {
        "sourced_id": "u-1",
        "row": 2,
        "role": "student",
        "given_name": "Ann",
        "family_name": "Lee",
        "identifier": "S1001",
        "org_ids": ("org-elm",),
        "grades": ("03",),
    }
    return RosterUser(**(values | given))


@pytest.fixture
def ctx(demo_store) -> MappingContext:
    return MappingContext.of(demo_store.db)


def mapped(ctx, mapping=None, **given) -> MappedPatron:
    out = map_user(user(**given), ORGS, mapping or RosterMapping(), ctx)
    assert isinstance(out, MappedPatron), out
    return out


def problems_of(ctx, mapping=None, **given) -> list[RosterProblem]:
    out = map_user(user(**given), ORGS, mapping or RosterMapping(), ctx)
    assert isinstance(out, list), out
    return out


# -- the defaults, on the demo database ------------------------------------------------------


def test_the_defaults_fit_the_demo_database(ctx):
    assert check(RosterMapping(), ctx) == []
    assert validate_mapping({}) == RosterMapping()


def test_a_student_with_the_defaults(ctx):
    out = mapped(
        ctx,
        middle_name="Q",
        preferred_given_name="Annie",
        username="alee",
        email="ann.lee@example.org",
    )
    assert out.sourced_id == "u-1" and out.row == 2 and not out.to_union_site
    assert out.first_email == "ann.lee@example.org"
    assert out.record == {
        "barcode": "S1001",
        "first_name": "Ann",
        "middle_name": "Q",
        "last_name": "Lee",
        "nickname": "Annie",
        "grade": "3",
        "policy": "Elementary",
        "security_group": "Student",
        "status": "Active",
        "site": "ELM",
        "username": "alee",
    }


def test_the_record_is_a_patron_file_record(demo_store, ctx):
    record = mapped(ctx, username="alee").record
    assert set(record) <= set(FIELDS)
    # The import's own check, with the database's choices, takes it as it is.
    again = validate(PatronRecord, record, demo_store.choices)
    assert {k: getattr(again, k) for k in record} == record


@pytest.mark.parametrize(
    "code, grade, policy",
    [
        ("KG", "K", "Elementary"),
        ("kg", "K", "Elementary"),  # any case
        ("PK", "PK", "Elementary"),
        ("TK", "PK", "Elementary"),
        ("01", "1", "Elementary"),
        ("1", "1", "Elementary"),  # a vendor's 1 is 01
        ("06", "6", "Grade 6-8"),
        ("09", "9", "Grade 9-12"),
        ("12", "12", "Grade 9-12"),
        ("13", "12", "Grade 9-12"),
        ("PS", "Graduated", "Community"),
        ("UG", None, "Elementary"),  # ungraded: no grade, the role's policy
    ],
)
def test_default_grade_codes_and_their_policies(ctx, code, grade, policy):
    record = mapped(ctx, grades=(code,)).record
    assert (record["grade"], record["policy"]) == (grade, policy)


def test_the_first_of_several_grades_is_taken(ctx):
    assert mapped(ctx, grades=("05", "06")).record["grade"] == "5"


@pytest.mark.parametrize("role", ["teacher", "aide", "administrator", "principal"])
def test_staff_are_staff_teachers_without_a_grade(ctx, role):
    record = mapped(ctx, role=role, grades=("03", "04")).record  # the grades they teach
    assert (record["grade"], record["policy"], record["security_group"]) == (
        None,
        "Staff",
        "Teacher",
    )


@pytest.mark.parametrize("role", ["guardian", "parent", "relative"])
def test_guardians_parents_and_relatives_are_skipped(ctx, role):
    out = map_user(user(role=role, identifier=""), ORGS, RosterMapping(), ctx)
    assert isinstance(out, Skipped)
    assert (out.sourced_id, out.row) == ("u-1", 2)
    assert "not patrons" in out.reason and role in out.reason


# -- barcodes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, barcode",
    [
        ("identifier", "S1001"),
        ("sourcedId", "u-1"),
        ("SOURCEDID", "u-1"),
        ("username", "alee"),
        ("userIds:District", "D-77"),
        ("userIds:{District}", "D-77"),
    ],
)
def test_the_barcode_comes_from_the_field_chosen(ctx, source, barcode):
    mapping = validate_mapping({"barcode_from": source})
    out = mapped(ctx, mapping, username="alee", user_ids={"LDAP": "12", "District": "D-77"})
    assert out.record["barcode"] == barcode


@pytest.mark.parametrize(
    "source, column", [("identifier", "identifier"), ("userIds:State", "userIds")]
)
def test_a_user_without_the_barcode_field_is_a_problem(ctx, source, column):
    mapping = validate_mapping({"barcode_from": source})
    [problem] = problems_of(ctx, mapping, identifier="", user_ids={"District": "D-77"})
    assert (problem.file, problem.row, problem.column) == ("users.csv", 2, column)
    assert "blank" in problem.message and source in problem.message


def test_a_barcode_the_patrons_table_cannot_hold_is_a_problem(ctx):
    mapping = validate_mapping({"barcode_from": "sourcedId"})
    guid = "6f1c2a9e-0b4d-4c3e-9f1a-2b7d5e8c9a10"
    [problem] = problems_of(ctx, mapping, sourced_id=guid)
    assert problem.column == "sourcedId" and "at most 15 characters" in problem.message


@pytest.mark.parametrize("source", ["email", "userIds:", "userIds:{a b}"])
def test_an_unknown_barcode_source_is_refused(source):
    with pytest.raises(store.Invalid) as info:
        validate_mapping({"barcode_from": source})
    [problem] = info.value.problems
    assert problem.field == "barcode_from" and "userIds:TYPE" in problem.message


# -- grades -------------------------------------------------------------------------------


def test_a_grade_code_the_mapping_lacks_is_a_problem_naming_the_codes(ctx):
    [problem] = problems_of(ctx, grades=("Grade 3",))
    assert problem.column == "grades"
    assert "'Grade 3' is not in the mapping" in problem.message and "KG" in problem.message


def test_a_grade_code_mapped_to_a_grade_not_in_the_table_is_a_problem(ctx):
    mapping = validate_mapping({"grades": {"KG": "Kindergarten"}})
    [problem] = problems_of(ctx, mapping, grades=("KG",))
    assert "'KG'" in problem.message and "'Kindergarten' is not in the grade table" in (
        problem.message
    )
    assert "PK, K, 1" in problem.message
    assert [p.field for p in check(mapping, ctx)] == ["grades.KG"]
    assert mapped(ctx, mapping, grades=("01",)).record["grade"] == "1"  # the others stand


def test_grade_codes_are_overridden_one_by_one(ctx):
    mapping = validate_mapping({"grades": {"01": "2", "K": "K", "UG": "Graduated"}})
    assert mapping.grades == {**DEFAULT_GRADES, "01": "2", "K": "K", "UG": "Graduated"}
    assert mapped(ctx, mapping, grades=("01",)).record["grade"] == "2"
    assert mapped(ctx, mapping, grades=("K",)).record["grade"] == "K"
    assert mapped(ctx, mapping, grades=("02",)).record["grade"] == "2"


def test_the_policy_by_grade_is_overridden(ctx):
    mapping = validate_mapping({"grade_policies": {"3": "Grade 6-8"}})
    assert mapped(ctx, mapping, grades=("03",)).record["policy"] == "Grade 6-8"
    assert mapping.grade_policies == {"3": "Grade 6-8"}  # the whole table, as given
    assert mapped(ctx, mapping, grades=("07",)).record["policy"] == "Elementary"


def test_a_policy_by_grade_the_database_lacks_is_a_problem(ctx):
    mapping = validate_mapping({"grade_policies": {"3": "Reading Club", "Grade 14": "Staff"}})
    assert {p.field for p in check(mapping, ctx)} == {"grade_policies.3", "grade_policies.Grade 14"}
    [problem] = problems_of(ctx, mapping, grades=("03",))
    assert "'Reading Club' is not in the policies" in problem.message


# -- schools and sites ----------------------------------------------------------------------


def test_schools_are_sites_by_identifier_then_sourced_id(ctx):
    assert mapped(ctx, org_ids=("org-elm",)).record["site"] == "ELM"  # identifier ELM
    assert mapped(ctx, org_ids=("MID",)).record["site"] == "MID"  # identifier 0042, id MID


def test_sites_by_identifier_or_sourced_id_only(ctx):
    by_id = validate_mapping({"site_from": "sourcedId"})
    out = mapped(ctx, by_id, org_ids=("org-elm",))
    assert (out.record["site"], out.to_union_site) == ("UNION", True)
    assert mapped(ctx, by_id, org_ids=("MID",)).record["site"] == "MID"
    by_identifier = validate_mapping({"site_from": "identifier"})
    assert mapped(ctx, by_identifier, org_ids=("MID",)).record["site"] == "UNION"


def test_a_school_override_names_its_site(ctx):
    mapping = validate_mapping({"sites": {"9999": "high", "org-elm": "MID"}})
    assert mapped(ctx, mapping, org_ids=("org-new",)).record["site"] == "HIGH"
    assert mapped(ctx, mapping, org_ids=("org-elm",)).record["site"] == "MID"


def test_an_override_to_a_site_the_database_lacks_is_a_problem(ctx):
    mapping = validate_mapping({"sites": {"9999": "EAST"}})
    assert [p.field for p in check(mapping, ctx)] == ["sites.9999"]
    [problem] = problems_of(ctx, mapping, org_ids=("org-new",))
    assert problem.column == "orgSourcedIds" and "'EAST' is not in the sites" in problem.message


@pytest.mark.parametrize("orgs", [("org-new",), ("nowhere",), ()])
def test_an_unknown_school_puts_the_patron_on_the_union_site(ctx, orgs):
    out = mapped(ctx, org_ids=orgs)
    assert (out.record["site"], out.to_union_site) == ("UNION", True)


def test_without_a_union_site_an_unknown_school_is_a_problem(demo_store):
    demo_store.db.execute("UPDATE sites SET is_union = 0")
    ctx = MappingContext.of(demo_store.db)
    [problem] = problems_of(ctx, org_ids=("org-new",))
    assert "no Union Site" in problem.message
    assert mapped(ctx, org_ids=("org-elm",)).record["site"] == "ELM"


# -- roles ------------------------------------------------------------------------------


def test_a_role_is_given_its_policy_and_group(ctx):
    mapping = validate_mapping(
        {
            "roles": {
                "Aide": {"security_group": "Library Aide"},
                "extuser": {"policy": "Community", "security_group": "Student"},
            }
        }
    )
    record = mapped(ctx, mapping, role="aide").record
    assert (record["policy"], record["security_group"]) == ("Staff", "Library Aide")
    record = mapped(ctx, mapping, role="extuser").record
    assert (record["policy"], record["security_group"]) == ("Community", "Student")
    assert mapped(ctx, mapping, role="student").record["security_group"] == "Student"


def test_a_role_neither_mapped_nor_skipped_is_a_problem(ctx):
    [problem] = problems_of(ctx, role="extuser")
    assert problem.column == "role"
    assert "'extuser' is not in the mapping" in problem.message and "guardian" in problem.message


def test_a_1_2_role_problem_names_roles_csv_where_the_role_is(ctx):
    """1.2 gives roles (and the primary org) in roles.csv: a problem with one names that
    file and its line, not a users.csv column that is not there."""
    [problem] = problems_of(ctx, role="extuser", role_row=7)
    assert (problem.file, problem.row, problem.column) == ("roles.csv", 7, "role")
    [problem] = problems_of(ctx, grades=("XX",), role_row=7)  # grades stay users.csv's
    assert (problem.file, problem.row, problem.column) == ("users.csv", 2, "grades")


def test_a_role_mapped_to_what_the_database_lacks_is_a_problem(ctx):
    mapping = validate_mapping({"roles": {"teacher": {"policy": "Faculty", "security_group": "X"}}})
    assert {p.field for p in check(mapping, ctx)} == {
        "roles.teacher.policy",
        "roles.teacher.security_group",
    }
    [problem] = problems_of(ctx, mapping, role="teacher")
    assert "'Faculty' is not in the policies" in problem.message
    assert "'X' is not in the security groups" in problem.message


def test_the_skipped_roles_are_the_librarys_choice(ctx):
    mapping = validate_mapping({"skipped_roles": "Aide, guardian"})
    assert mapping.skipped_roles == ["aide", "guardian"]
    assert isinstance(map_user(user(role="aide"), ORGS, mapping, ctx), Skipped)
    # parent is no longer skipped, and is no role with a policy either
    assert problems_of(ctx, mapping, role="parent")[0].column == "role"


# -- names, email, username, status --------------------------------------------------------


def test_switched_off_the_library_keeps_nickname_email_and_username(ctx):
    mapping = validate_mapping(
        {
            "nickname_from_preferred_name": False,
            "email_from_roster": False,
            "username_from_roster": False,
        }
    )
    out = mapped(ctx, mapping, preferred_given_name="Annie", email="a@example.org", username="al")
    assert "nickname" not in out.record and "username" not in out.record
    assert out.first_email is None


def test_a_blank_username_is_left_for_the_barcode(ctx):
    # No username in the record: the import's rule gives a new patron their barcode.
    out = mapped(ctx, username="", email="")
    assert "username" not in out.record and out.first_email is None


@pytest.mark.parametrize(
    "given, column, words",
    [
        ({"email": "ann@@example"}, "email", "not an email address"),
        ({"family_name": ""}, "familyName", "a value is required"),
        ({"username": "ann lee"}, "username", "no spaces"),
        ({"given_name": "A\x1bnn"}, "givenName", "control character"),
    ],
)
def test_a_value_the_patron_file_refuses_is_a_problem(ctx, given, column, words):
    [problem] = problems_of(ctx, **given)
    assert (problem.row, problem.column) == (2, column) and words in problem.message


@pytest.mark.parametrize(
    "given, settings, status",
    [
        ({"status": "tobedeleted"}, {}, "Transferred"),
        ({"enabled": False}, {}, "Inactive"),
        ({"status": "tobedeleted", "enabled": False}, {}, "Transferred"),
        ({"status": "tobedeleted"}, {"tobedeleted_status": "inactive"}, "Inactive"),
        ({"enabled": False}, {"disabled_status": "Suspended"}, "Suspended"),
        ({}, {"disabled_status": "Suspended"}, "Active"),
    ],
)
def test_tobedeleted_and_disabled_users_get_the_librarys_status(ctx, given, settings, status):
    assert mapped(ctx, validate_mapping(settings), **given).record["status"] == status


def test_many_users_are_mapped_with_one_mapper(ctx):
    users = [user(sourced_id=f"u-{i}", row=i + 2, identifier=f"S{i}") for i in range(3)]
    users.append(user(sourced_id="g", row=9, role="guardian"))
    out = map_users(Roster("1.1", ORGS, users), RosterMapping(), ctx)
    assert [o.record["barcode"] for o in out[:3]] == ["S0", "S1", "S2"]
    assert isinstance(out[3], Skipped)
    assert Mapper(RosterMapping(), ctx).map(users[1], ORGS) == out[1]
