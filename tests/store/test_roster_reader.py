"""read_roster: OneRoster 1.1 and 1.2 exports as vendors ship them (tests/store/
roster_fixtures.py), from a folder or a .zip, row by row. An export bad as a whole is
tests/store/test_roster_reader_bad.py."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import pytest

from store.roster.model import RosterProblem
from store.roster.reader import read_roster

from .roster_fixtures import (
    ORGS,
    ROLES_1_2,
    USERS_1_1,
    USERS_1_2,
    csv_text,
    export_1_1,
    export_1_2,
    user_1_1,
    with_row,
    zipped,
)

HEADER_1_1 = USERS_1_1[0]


def by_id(roster):
    return {u.sourced_id: u for u in roster.users}


def only_problem(roster) -> RosterProblem:
    assert len(roster.problems) == 1, roster.problems
    return roster.problems[0]


# --- OneRoster 1.1 ---------------------------------------------------------------------


def test_1_1_folder_reads_every_user_with_the_vendors_quirks(tmp_path):
    roster = read_roster(export_1_1(tmp_path))
    assert roster.version == "1.1"  # no manifest, a role column, no 1.2 columns
    assert roster.problems == []
    users = by_id(roster)
    assert list(users) == ["u1", "u2", "u3", "u4", "u5"]
    ada = users["u1"]  # headers sourcedid, givenname, familyname, orgSourceIds, enabled_user
    assert (ada.given_name, ada.family_name, ada.middle_name) == ("Ada", "Byron", "M")
    assert (ada.identifier, ada.username, ada.email) == ("1001", "ada", "ada@school.org")
    assert ada.user_ids == {"LDAP": "12", "LTI": "15"}
    assert ada.org_ids == ("s1", "s2")
    assert ada.grades == ("09", "10")
    assert (ada.role, ada.status, ada.enabled, ada.active) == ("student", "active", True, True)
    assert ada.row == 2
    assert users["u2"].role == "teacher"  # TEACHER
    assert users["u2"].org_ids == ("s2", "s1")  # "s2, s1": the first listed is the primary
    # the quoted comma and line break of the ignored notes column shift no row numbers
    assert [u.row for u in roster.users] == [2, 3, 4, 5, 6]


def test_1_1_orgs_are_read_by_sourced_id(tmp_path):
    orgs = read_roster(export_1_1(tmp_path)).orgs
    assert list(orgs) == ["d1", "s1", "s2"]
    north = orgs["s1"]
    assert (north.name, north.identifier, north.type) == ("North High", "NH", "school")
    assert north.status == "active"  # blank status


def test_tobedeleted_and_disabled_users_are_kept_inactive(tmp_path):
    users = by_id(read_roster(export_1_1(tmp_path)))
    gone, disabled = users["u3"], users["u4"]  # tobedeleted and no; Active and False
    assert (gone.status, gone.enabled, gone.active) == ("tobedeleted", False, False)
    assert (disabled.status, disabled.enabled, disabled.active) == ("active", False, False)


def test_a_user_at_an_org_orgs_csv_lacks_is_kept(tmp_path):
    roster = read_roster(export_1_1(tmp_path))
    assert by_id(roster)["u3"].org_ids == ("s9",)
    assert "s9" not in roster.orgs
    assert roster.problems == []


def test_date_last_modified_in_several_formats_or_none(tmp_path):
    users = by_id(read_roster(export_1_1(tmp_path)))
    assert users["u1"].modified is None  # blank
    assert users["u2"].modified == datetime(2026, 8, 30, 12, tzinfo=UTC)  # …Z
    assert users["u3"].modified == datetime(2026, 9, 1, tzinfo=UTC)  # 09/01/2026
    assert users["u4"].modified == datetime(2026, 8, 30, 12, tzinfo=UTC)  # 08:00-04:00
    assert users["u5"].modified is None  # "last tuesday": ignored, not a problem


@pytest.mark.parametrize(
    ("written", "enabled"),
    [("TRUE", True), ("false", False), ("1", True), ("0", False), ("Yes", True)]
    + [("NO", False), ("", True)],
)
def test_enabled_user_in_any_spelling(tmp_path, written, enabled):
    users = with_row(USERS_1_1[:1], user_1_1("x", enabledUser=written))
    assert read_roster(export_1_1(tmp_path, users=users)).users[0].enabled is enabled


def test_a_bad_enabled_user_is_a_problem_naming_what_is_allowed(tmp_path):
    users = with_row(USERS_1_1, user_1_1("x", enabledUser="maybe"))
    roster = read_roster(export_1_1(tmp_path, users=users))
    problem = only_problem(roster)
    assert (problem.file, problem.row, problem.column) == ("users.csv", 7, "enabled_user")
    assert "true or false" in problem.message and "'maybe'" in problem.message
    assert problem.sourced_id == "x"
    assert "x" not in by_id(roster) and len(roster.users) == 5


def test_a_role_oneroster_lacks_is_a_problem_listing_the_roles(tmp_path):
    users = with_row(USERS_1_1, user_1_1("x", role="janitor"), user_1_1("y", role=""))
    roster = read_roster(export_1_1(tmp_path, users=users))
    assert [(p.row, p.column) for p in roster.problems] == [(7, "role"), (8, "role")]
    assert "'janitor' is not a OneRoster role" in roster.problems[0].message
    assert "student" in roster.problems[0].message and "teacher" in roster.problems[0].message
    assert "role is blank" in roster.problems[1].message
    assert {"x", "y"}.isdisjoint(by_id(roster))


def test_a_bad_status_is_a_problem(tmp_path):
    users = with_row(USERS_1_1, user_1_1("x", status="gone"))
    problem = only_problem(read_roster(export_1_1(tmp_path, users=users)))
    assert (problem.column, problem.row) == ("Status", 7)
    assert "active, tobedeleted" in problem.message


@pytest.mark.parametrize("written", ["{LDAP}", "{:12}", "LDAP12", "{LDAP:1},junk", "{A:1},{A:2}"])
def test_malformed_user_ids_are_a_problem(tmp_path, written):
    users = with_row(USERS_1_1, user_1_1("x", userIds=written))
    problem = only_problem(read_roster(export_1_1(tmp_path, users=users)))
    assert (problem.column, problem.row, problem.sourced_id) == ("userIds", 7, "x")


def test_user_ids_without_braces_and_repeated_alike(tmp_path):
    users = with_row(USERS_1_1[:1], user_1_1("x", userIds="LDAP:1, District : S-9,LDAP:1"))
    assert read_roster(export_1_1(tmp_path, users=users)).users[0].user_ids == {
        "LDAP": "1",
        "District": "S-9",
    }


def test_a_control_character_in_a_cell_read_is_a_problem(tmp_path):
    users = with_row(
        USERS_1_1,
        user_1_1("x", givenName="Al\x1b[2Jice"),
        user_1_1("y", familyName="Ro\u202ese"),
        user_1_1("z", password="p\x07w", notes="a\tb"),  # columns not read are not judged
    )
    roster = read_roster(export_1_1(tmp_path, users=users))
    assert [(p.row, p.column) for p in roster.problems] == [(7, "givenname"), (8, "familyname")]
    assert "control character (\\x1b)" in roster.problems[0].message
    assert "z" in by_id(roster) and {"x", "y"}.isdisjoint(by_id(roster))


def test_a_cell_over_1000_characters_is_a_problem(tmp_path):
    users = with_row(USERS_1_1, user_1_1("x", email="a" * 1001), user_1_1("y", email="b" * 1000))
    roster = read_roster(export_1_1(tmp_path, users=users))
    problem = only_problem(roster)
    assert (problem.row, problem.column) == (7, "email")
    assert "at most 1,000 characters" in problem.message and "1,001" in problem.message
    assert by_id(roster)["y"].email == "b" * 1000


def test_a_user_without_any_name_is_a_problem(tmp_path):
    users = with_row(USERS_1_1, user_1_1("x", givenName="", familyName=" "))
    problem = only_problem(read_roster(export_1_1(tmp_path, users=users)))
    assert (problem.row, problem.column) == (7, "familyname")
    assert "no name" in problem.message


def test_a_duplicate_sourced_id_makes_both_rows_problems(tmp_path):
    users = with_row(USERS_1_1, user_1_1("u2", givenName="Other"))
    roster = read_roster(export_1_1(tmp_path, users=users))
    assert [(p.row, p.column, p.sourced_id) for p in roster.problems] == [
        (3, "sourcedid", "u2"),
        (7, "sourcedid", "u2"),
    ]
    assert "also on row 7" in roster.problems[0].message
    assert "also on row 3" in roster.problems[1].message
    assert list(by_id(roster)) == ["u1", "u3", "u4", "u5"]


def test_a_duplicate_org_keeps_the_first(tmp_path):
    orgs = with_row(ORGS, ["s1", "", "", "Other High", "school", "OH", ""])
    roster = read_roster(export_1_1(tmp_path, orgs=orgs))
    problem = only_problem(roster)
    assert (problem.file, problem.row, problem.column) == ("orgs.csv", 5, "sourcedId")
    assert roster.orgs["s1"].name == "North High"


def test_rows_of_the_wrong_width_and_a_repeated_header_are_problems(tmp_path):
    text = csv_text([*USERS_1_1, ["x", "active", ""], HEADER_1_1, user_1_1("y") + ["", ""]])
    roster = read_roster(export_1_1(tmp_path, users=text))
    assert [(p.row, p.column) for p in roster.problems] == [(7, None), (8, None)]
    assert "3 fields where the header names 19" in roster.problems[0].message
    assert "repeats the header" in roster.problems[1].message
    assert "y" in by_id(roster)  # blank trailing cells some exports add are ignored


def test_blank_lines_are_skipped_but_counted(tmp_path):
    text = csv_text(USERS_1_1[:2]) + "\r\n\r\n" + csv_text([user_1_1("x")])
    assert [u.row for u in read_roster(export_1_1(tmp_path, users=text)).users] == [2, 5]


def test_a_1_1_zip_reads_as_the_folder(tmp_path):
    folder = read_roster(export_1_1(tmp_path))
    for inside in ("", "district_export"):
        roster = read_roster(zipped(export_1_1(tmp_path), inside, f"r{inside}.zip"))
        assert roster.users == folder.users and roster.orgs == folder.orgs


# --- OneRoster 1.2 ---------------------------------------------------------------------


def test_1_2_folds_roles_into_each_user(tmp_path):
    roster = read_roster(export_1_2(tmp_path))
    assert roster.version == "1.2"
    assert roster.problems == []
    users = by_id(roster)
    bob = users["v1"]
    assert (bob.role, bob.preferred_given_name, bob.grades) == ("student", "Bob", ("11",))
    assert bob.org_ids == ("s2", "s1")  # primaryOrgSourcedId first, then the role's org
    ana = users["v2"]  # the primary role is listed second; r4 (tobedeleted) is ended
    assert (ana.role, ana.org_ids) == ("districtadministrator", ("d1", "s2"))
    kim = users["v3"]  # no primary roleType: the first row
    assert (kim.role, kim.org_ids) == ("proctor", ("s1", "s2"))
    # The line of roles.csv each role came from, for a problem with it (r3, r1, r5).
    assert (bob.role_row, ana.role_row, kim.role_row) == (2, 4, 6)
    assert all(u.role_row is None for u in read_roster(export_1_1(tmp_path)).users)


def test_1_2_without_a_manifest_is_known_by_its_columns(tmp_path):
    assert read_roster(export_1_2(tmp_path, manifest=None)).version == "1.2"


def test_the_manifest_says_the_version_whatever_the_columns(tmp_path):
    manifest = [["propertyName", "value"], ["oneroster.version", "1.1"]]
    assert read_roster(export_1_2(tmp_path, manifest=manifest)).version == "1.1"
    manifest = [["propertyName", "value"], ["OneRoster.Version", " v1.2.1 "]]
    assert read_roster(export_1_1(tmp_path, manifest=manifest)).version == "1.2"


def test_a_1_2_user_without_a_role_is_a_problem(tmp_path):
    users = with_row(USERS_1_2, ["v4", *[""] * 5, "No", "Role", *[""] * 15])
    problem = only_problem(read_roster(export_1_2(tmp_path, users=users)))
    assert (problem.file, problem.row, problem.sourced_id) == ("users.csv", 5, "v4")
    assert "roles.csv has no active row" in problem.message


def test_a_bad_roles_row_is_a_problem_and_so_is_its_user(tmp_path):
    roles = with_row(ROLES_1_2, ["r7", "", "", "v1", "main", "student", "", "", "s1", ""])
    roster = read_roster(export_1_2(tmp_path, roles=roles))
    assert [(p.file, p.row, p.column, p.sourced_id) for p in roster.problems] == [
        ("roles.csv", 8, "roleType", "v1"),
        ("users.csv", 2, None, "v1"),
    ]
    assert "primary, secondary" in roster.problems[0].message
    assert list(by_id(roster)) == ["v2", "v3"]


def test_a_1_2_zip_one_folder_down_with_a_mac_shadow_folder(tmp_path):
    archive = zipped(export_1_2(tmp_path), "OneRoster")
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr("__MACOSX/OneRoster/._users.csv", "junk")
        z.writestr("__MACOSX/._users.csv", "junk")
    roster = read_roster(archive)
    assert roster.version == "1.2" and list(by_id(roster)) == ["v1", "v2", "v3"]


def test_a_folder_with_the_export_one_folder_down(tmp_path):
    export_1_2(tmp_path)
    (tmp_path / "notes").mkdir()
    assert list(by_id(read_roster(tmp_path))) == ["v1", "v2", "v3"]


# --- Header spellings and status --------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "attribute", "expected"),
    [
        ("sourceId", "sourced_id", "x"),
        ("SOURCEDID", "sourced_id", "x"),
        ("Given Name", "given_name", "Given"),
        ("orgSourcedId", "org_ids", ("s1",)),
        ("org_sourced_ids", "org_ids", ("s1",)),
        ("Grade", "grades", ("05",)),
    ],
)
def test_known_header_spellings(tmp_path, written, attribute, expected):
    names = {"sourceId": 0, "SOURCEDID": 0, "Given Name": 8, "Grade": 16}
    column = names.get(written, 4)
    header = [written if i == column else c for i, c in enumerate(HEADER_1_1)]
    users = [header, user_1_1("x", grades="05")]
    assert getattr(read_roster(export_1_1(tmp_path, users=users)).users[0], attribute) == expected


def test_a_zip_with_file_names_in_capitals_and_lf_line_ends(tmp_path):
    archive = tmp_path / "SIS.ZIP"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Users.CSV", csv_text(USERS_1_1, crlf=False))
        z.writestr("ORGS.csv", csv_text(ORGS, crlf=False))
    roster = read_roster(archive)
    assert [u.row for u in roster.users] == [2, 3, 4, 5, 6]
    assert by_id(roster)["u1"].grades == ("09", "10") and "s1" in roster.orgs


@pytest.mark.parametrize(
    ("written", "status"),
    [("", "active"), ("ACTIVE", "active"), ("ToBeDeleted", "tobedeleted")]
    + [("to be deleted", "tobedeleted"), ("inactive", "tobedeleted")],  # inactive: 1.0's
)
def test_status_in_any_spelling(tmp_path, written, status):
    users = with_row(USERS_1_1[:1], user_1_1("x", status=written))
    assert read_roster(export_1_1(tmp_path, users=users)).users[0].status == status
