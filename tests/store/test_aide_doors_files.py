"""The doors of patron files and the roster, tried by an aide who wants more rights: a Koha
export whose userid is an operator's username or whose cardnumber is an operator's barcode,
rows that raise a security group or change staff above the aide, and a roster that gives a
patron another patron's barcode (or an operator's, in another case)."""

from __future__ import annotations

import pytest

from store.patron_file import BadFile

from ..databases import everything
from ..district import LIBRARIAN_ID, District, patron, write_csv
from .roster_sync_helpers import demo_users, export, user

pytestmark = pytest.mark.usefixtures("fast")

KOHA = ["cardnumber", "surname", "firstname", "branchcode", "userid", "dateexpiry"]
PASSWORDS = "setting a username needs the permission 'Patron Passwords: Edit'"


def problems_of(district: District, path, operator, preset: str | None = None) -> list[tuple]:
    """The import's problems (row, column, message), dry run and real; nothing written."""
    s = district.store
    before = everything(district.path)
    found = []
    for dry_run in (True, False):
        with pytest.raises(BadFile) as info:
            s.import_patrons(path, {}, operator, dry_run=dry_run, preset=preset)
        found.append([(p.row, p.column, p.message) for p in info.value.problems])
    assert everything(district.path) == before
    assert found[0] == found[1]
    return found[0]


def test_a_koha_userid_that_is_the_librarians_username_is_refused(district: District, tmp_path):
    path = write_csv(
        tmp_path / "koha.csv", [KOHA, ["NEW1", "Newman", "Ned", "ELM", "LIBBY", "2027-06-30"]]
    )
    got = problems_of(district, path, district.aide, "koha")
    assert (2, "username", "'LIBBY' belongs to patron 20260250") in got
    assert (2, "username", PASSWORDS) in got
    # With the permission, the name is still someone else's.
    got = problems_of(district, path, district.librarian, "koha")
    assert got == [(2, "username", "'LIBBY' belongs to patron 20260250")]
    assert district.login("libby").patron_id == LIBRARIAN_ID


def test_a_koha_row_of_an_operators_cardnumber_changes_nothing_of_theirs(
    district: District, tmp_path
):
    admin = patron(district.store, district.admin.patron_id)
    path = write_csv(
        tmp_path / "koha.csv", [KOHA, ["STAFF001", "Reyes", "Dana", "ELM", "", "2030-01-01"]]
    )
    assert problems_of(district, path, district.aide, "koha") == [
        (
            2,
            "site",
            "patron STAFF001 is in District Administrator (level 0), not below your level 2: "
            "you may not change them",
        )
    ]
    # Their barcode in another case would be a second patron every barcode list selects too.
    path = write_csv(tmp_path / "twin.csv", [KOHA, ["staff001", "Reyes", "Dana", "ELM", "", ""]])
    [(row, column, message)] = problems_of(district, path, district.aide, "koha")
    assert (row, column) == (2, "barcode") and "in another case" in message
    assert patron(district.store, district.admin.patron_id) == admin


def test_a_barcode_as_username_is_not_given_when_an_operator_has_it_in_another_case(
    district: District, tmp_path
):
    """A new patron's username defaults to their barcode: 'LIBBY' is libby's login."""
    s = district.store
    path = write_csv(tmp_path / "koha.csv", [KOHA[:4], ["LIBBY", "Newman", "Ned", "ELM"]])
    report = s.import_patrons(path, {}, district.aide, preset="koha")
    assert report.new == 1 and report.usernames_from_barcode == 0
    assert report.no_username == [(2, "LIBBY", "'LIBBY' is already patron 20260250's username")]
    new = s.db.execute("SELECT username FROM patrons WHERE barcode = 'LIBBY'").fetchone()
    assert new == (None,)
    assert district.login("libby").patron_id == LIBRARIAN_ID


def test_rows_raising_a_group_or_changing_staff_above_the_aide_are_refused(
    district: District, tmp_path
):
    student = patron(district.store, 1)
    librarian = patron(district.store, LIBRARIAN_ID)
    path = write_csv(
        tmp_path / "raise.csv",
        [
            ["barcode", "last_name", "security_group", "status"],
            [student["barcode"], student["last_name"], "Library Aide", "Active"],
            [librarian["barcode"], librarian["last_name"], "Librarian", "Suspended"],
        ],
    )
    got = problems_of(district, path, district.aide)
    assert got == [
        (
            2,
            "security_group",
            "setting a security group needs the permission 'Patron Security Groups: Assign'",
        ),
        (
            3,
            "status",
            "patron 20260250 is in Librarian (level 1), not below your level 2: "
            "you may not change them",
        ),
    ]
    # The librarian may assign groups, but not their own level's.
    path = write_csv(
        tmp_path / "raise2.csv",
        [
            ["barcode", "last_name", "security_group"],
            [student["barcode"], student["last_name"], "Librarian"],
        ],
    )
    [(row, column, message)] = problems_of(district, path, district.librarian)
    assert (row, column) == (2, "security_group") and "'Librarian' is level 1" in message


# -- the roster -----------------------------------------------------------------------------


def first_sync(district: District, tmp_path) -> list[dict[str, str]]:
    s = district.store
    users = demo_users(s.db)
    s.apply_sync(s.plan_sync(export(tmp_path, users, "first"), district.admin), district.admin)
    return users


@pytest.mark.parametrize(
    "taken, why",
    [
        ("20260002", "barcode 20260002 is another patron's"),
        (
            "staff001",
            "barcode staff001 is patron STAFF001's barcode in another case "
            "(barcodes match regardless of case)",
        ),
    ],
)
def test_a_roster_giving_a_patron_a_barcode_someone_has_skips_them_and_writes_nothing(
    district: District, tmp_path, taken, why
):
    """Found by their roster id, the patron would take the barcode: the write failed on the
    database's rule (another patron's), or made a twin of an operator's barcode that every
    barcode list then selected with theirs (in another case)."""
    s = district.store
    users = first_sync(district, tmp_path)
    users = [dict(u) for u in users if u["identifier"] != taken]  # 20260002 left the roster too
    mover = next(u for u in users if u["identifier"] == "20260001")
    mover["identifier"] = taken
    before = everything(district.path)
    for operator in (district.admin, district.librarian):
        plan = s.plan_sync(export(tmp_path, users, f"taken-{operator.username}"), operator)
        [fate] = [f for f in plan.fates if f.patron_id == 1]
        assert (fate.fate, fate.barcode, fate.reason) == (
            "skipped",
            "20260001",
            f"row problem: {why}",
        )
    result = s.apply_sync(plan, district.librarian, plan.count("transferred") or None)
    assert patron(s, 1)["barcode"] == "20260001"
    assert (
        s.db.execute(
            "SELECT count(*) FROM patrons WHERE barcode = ? COLLATE NOCASE", [taken]
        ).fetchone()[0]
        == 1
    )
    if result.operation_id is None:
        assert everything(district.path) == before


def test_a_roster_username_that_is_an_operators_is_not_given(district: District, tmp_path):
    s = district.store
    users = first_sync(district, tmp_path)
    users.append(
        user("u-new", identifier="NEW9", givenName="Ned", familyName="Newman", username="DEMO")
    )
    plan = s.plan_sync(export(tmp_path, users, "names"), district.librarian)
    [fate] = [f for f in plan.fates if f.barcode == "NEW9"]
    assert (fate.fate, fate.reason) == (
        "skipped",
        "row problem: username 'DEMO' belongs to another patron",
    )


def test_a_role_mapped_to_a_group_at_the_librarians_level_is_not_assigned(
    district: District, tmp_path
):
    s = district.store
    users = first_sync(district, tmp_path)
    users.append(user("u-aide", identifier="NEW8", givenName="Ana", familyName="Aide", role="aide"))
    mapping = s.roster_mapping().model_copy(deep=True)
    mapping.roles["aide"] = mapping.roles["aide"].model_copy(update={"security_group": "Librarian"})
    plan = s.plan_sync(export(tmp_path, users, "roles"), district.librarian, mapping)
    [fate] = [f for f in plan.fates if f.barcode == "NEW8"]
    assert fate.fate == "skipped" and "'Librarian' is level 1" in fate.reason
    # A library aide's group is below the librarian: theirs to assign, as Change Security Group.
    mapping.roles["aide"] = mapping.roles["aide"].model_copy(
        update={"security_group": "Library Aide"}
    )
    plan = s.plan_sync(export(tmp_path, users, "roles2"), district.librarian, mapping)
    [fate] = [f for f in plan.fates if f.barcode == "NEW8"]
    assert fate.fate == "new"


@pytest.mark.parametrize("case", ["two updated", "updated and new", "updated and a new barcode"])
def test_a_username_the_roster_gives_twice_goes_to_the_first_row_only(
    district: District, tmp_path, case
):
    """Two patrons given one username (in any case) passed the plan one by one, and the
    write then stopped the whole sync on the database's rule."""
    s = district.store
    users = [dict(u) for u in first_sync(district, tmp_path)]
    first, second = users[0], users[1]
    first["username"] = "SameName"
    if case == "two updated":
        second["username"] = "samename"
        loser, why = second["identifier"], "username 'samename' is also given on users.csv row 2"
    elif case == "updated and new":
        users.append(user("u-n", identifier="NEW7", familyName="Newman", username="SAMENAME"))
        loser, why = "NEW7", "username 'SAMENAME' is also given on users.csv row 2"
    else:  # a new patron's username is their barcode: here the updated patron's
        first["username"] = "NEW7"
        users.append(user("u-n", identifier="NEW7", familyName="Newman"))
        loser, why = None, None
    plan = s.plan_sync(export(tmp_path, users, "names"), district.admin)
    fates = {f.barcode: f for f in plan.fates}
    assert fates[first["identifier"]].fate == "updated"
    if loser is not None:
        assert (fates[loser].fate, fates[loser].reason) == ("skipped", f"row problem: {why}")
    s.apply_sync(plan, district.admin)
    holders = s.db.execute(
        "SELECT barcode FROM patrons WHERE username = ? COLLATE NOCASE", [first["username"]]
    ).fetchall()
    assert holders == [(first["identifier"],)]
    if case == "updated and a new barcode":
        assert s.db.execute("SELECT username FROM patrons WHERE barcode = 'NEW7'").fetchone() == (
            None,
        )
