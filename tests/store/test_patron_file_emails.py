"""An import's email addresses (email, email2, …: checked, replaced, journaled, undone) and
the username a new patron gets when the file gives none (their barcode)."""

from __future__ import annotations

import pytest

from store.patron_emails import problem
from store.patron_file import BadFile

from ..operators import ADMIN, AIDE
from .patron_file_helpers import dump, patron, problems, write
from .runs import rows_of


def addresses(s, barcode: str) -> list[str]:
    return [
        r["address"]
        for r in s.db.query(
            "SELECT e.address FROM patron_emails e JOIN patrons p ON p.id = e.patron_id "
            "WHERE p.barcode = ? ORDER BY e.position",
            [barcode],
        )
    ]


def give(s, barcode: str, *emails: str) -> None:
    pid = patron(s, barcode)["id"]
    s.db["patron_emails"].insert_all(
        [{"patron_id": pid, "position": n, "address": a} for n, a in enumerate(emails)]
    )


# -- email columns -------------------------------------------------------------------------------
def test_email_columns_are_the_patrons_addresses_in_order(small_db, tmp_path):
    path = write(
        tmp_path,
        "mail.csv",
        "barcode,last_name,email3,email,email2\n"
        "N1,Ng,third@example.org,first@example.org,\n"  # a blank cell is skipped
        "N2,Ox,,,\n",
    )
    report = small_db.import_patrons(path, {}, ADMIN)
    assert report.new == 2
    assert addresses(small_db, "N1") == ["first@example.org", "third@example.org"]
    assert addresses(small_db, "N2") == []


def test_a_column_mapped_onto_an_email_field(small_db, tmp_path):
    path = write(tmp_path, "m.csv", "barcode,last_name,E-mail\nN1,Ng,nia@example.org\n")
    small_db.import_patrons(path, {"e-mail": "email"}, ADMIN)
    assert addresses(small_db, "N1") == ["nia@example.org"]


@pytest.mark.parametrize(
    "address, says",
    [
        ("nia.example.org", "is not an email address (an address is written name@example.org"),
        ("nia@@example.org", "with one @"),
        ("nia @example.org", "contains a space"),
        ("nia@example", "the part after the @ must be a domain such as example.org"),
        ("nia@-example.org", "the part after the @ must be a domain"),
        (".nia@example.org", "the part before the @ may hold"),
        ("ni(a)@example.org", "the part before the @ may hold"),
        ("n" * 250 + "@example.org", "at most 254 characters are allowed; this has 262"),
    ],
)
def test_an_invalid_address_is_a_bad_row(small_db, tmp_path, address, says):
    before = dump(small_db.db)
    path = write(
        tmp_path,
        "bad.csv",
        f"barcode,last_name,email,email2\nN1,Ng,ok@example.org,{address}\n10,Carter,,\n",
    )
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    assert problems(exc) == [(2, "email2")]
    assert says in exc.value.problems[0].message
    assert dump(small_db.db) == before


def test_the_same_address_twice_in_a_row_is_a_bad_row(small_db, tmp_path):
    path = write(tmp_path, "two.csv", "barcode,last_name,email,email2\nN1,Ng,a@x.org,A@X.org\n")
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN, dry_run=True)
    assert [str(p) for p in exc.value.problems] == [
        "row 2, column email2: 'A@X.org' is also in column email"
    ]


def test_valid_addresses_pass():
    for good in ("a@b.co", "first.last+tag@mail.example.org", "zoë@exämple.de", "x_y-z@a-b.io"):
        assert problem(good) is None, good


def test_an_email_column_beyond_email99_is_unknown(small_db, tmp_path):
    path = write(tmp_path, "m.csv", "barcode,last_name,email100\nN1,Ng,a@x.org\n")
    with pytest.raises(BadFile, match="unknown column.s. 'email100'.*email99"):
        small_db.import_patrons(path, {}, ADMIN)


# -- an update replaces the list, journaled and undone ---------------------------------------------
def test_an_update_replaces_the_addresses_and_undo_puts_them_back(small_db, tmp_path):
    give(small_db, "10", "ben@example.org", "ben.old@example.org")
    give(small_db, "9", "ann@example.org")
    give(small_db, "P123", "paul@example.org")
    before = dump(small_db.db, journal=False)
    ben_stamp = patron(small_db, "10")["modified"]
    path = write(
        tmp_path,
        "mail.csv",
        "barcode,last_name,email,email2\n"
        "10,Carter,ben.new@example.org,ben@example.org\n"  # new order and address
        "9,Adams,ann@example.org,\n"  # the same: untouched
        "P123,Éluard,,\n"  # blanks: Paul has none left
        "N1,Ng,nia@example.org,\n",
    )
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.updated, report.unchanged) == (1, 2, 1)
    assert addresses(small_db, "10") == ["ben.new@example.org", "ben@example.org"]
    assert addresses(small_db, "9") == ["ann@example.org"]
    assert addresses(small_db, "P123") == []
    assert addresses(small_db, "N1") == ["nia@example.org"]
    # Only the addresses changed: Ben's own row (and its stamp) is as it was.
    assert patron(small_db, "10")["modified"] == ben_stamp
    assert [c["reason"] for c in small_db.operation_changes(report.operation_id)] == [
        "updated Email addresses (row 2)",
        "already the same (row 3)",
        "updated Email addresses (row 4)",
        "new patron (row 5)",
    ]
    journal = rows_of(small_db, "operation_rows", "operation_id = ?", report.operation_id)
    assert [(j["table_name"], j["action"]) for j in journal] == [
        ("patrons", "insert"),
        ("patron_emails", "delete"),
        ("patron_emails", "delete"),
        ("patron_emails", "delete"),
        ("patron_emails", "insert"),
        ("patron_emails", "insert"),
        ("patron_emails", "insert"),
    ]

    undo = small_db.undo(report.operation_id, ADMIN)
    assert undo.conflicts == []
    assert small_db.operation(undo.operation_id)["effects"] == "Also put back: 6 email addresses."
    assert dump(small_db.db, journal=False) == before


def test_a_file_without_email_columns_leaves_addresses_alone(small_db, tmp_path):
    give(small_db, "10", "ben@example.org")
    path = write(tmp_path, "g.csv", "barcode,last_name,grade\n10,Carter,6\n")
    report = small_db.import_patrons(path, {}, ADMIN)
    assert report.updated == 1
    assert addresses(small_db, "10") == ["ben@example.org"]


def test_a_dry_run_counts_an_address_change_and_writes_nothing(small_db, tmp_path):
    give(small_db, "10", "ben@example.org")
    before = dump(small_db.db)
    path = write(tmp_path, "m.csv", "barcode,last_name,email\n10,Carter,other@example.org\n")
    report = small_db.import_patrons(path, {}, ADMIN, dry_run=True)
    assert (report.updated, report.unchanged) == (1, 0)
    assert dump(small_db.db) == before


# -- usernames default to the barcode --------------------------------------------------------------
def test_new_patrons_get_their_barcode_as_username_existing_ones_keep_theirs(small_db, tmp_path):
    small_db.db["patrons"].update(patron(small_db, "9")["id"], {"username": "annadams"})
    path = write(
        tmp_path,
        "u.csv",
        "barcode,last_name,username\n"
        "AB12,Ng,\n"  # blank: the barcode, in its case (logins ignore case)
        "10,Carter,\n"  # Ben has none and keeps none
        "9,Adams,annadams\n",
    )
    # An aide (no Patron Passwords permission) may import: the default is not a choice of theirs.
    report = small_db.import_patrons(path, {}, AIDE)
    assert report.usernames_from_barcode == 1 and report.no_username == []
    assert patron(small_db, "AB12")["username"] == "AB12"
    assert patron(small_db, "10")["username"] is None
    assert patron(small_db, "9")["username"] == "annadams"


def test_a_barcode_already_someones_username_leaves_the_new_patron_without_one(small_db, tmp_path):
    small_db.db["patrons"].update(patron(small_db, "9")["id"], {"username": "N1"})
    path = write(
        tmp_path,
        "u.csv",
        "barcode,last_name,username\nN1,Ng,\nN2,Ox,\nN3,Pim,n2\n",  # N3 asks for 'n2'
    )
    report = small_db.import_patrons(path, {}, ADMIN, dry_run=True)
    assert report.no_username == [
        (2, "N1", "'N1' is already patron 9's username"),
        (3, "N2", "'N2' is already row 4's username"),
    ]
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.usernames_from_barcode) == (3, 0)
    assert len(report.no_username) == 2
    assert [patron(small_db, b)["username"] for b in ("N1", "N2", "N3")] == [None, None, "n2"]
