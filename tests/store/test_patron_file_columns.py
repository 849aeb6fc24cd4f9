"""Which columns an import reads: --ignore, --ignore-unknown, and the Koha preset (a real
Koha borrowers export, imported as it comes)."""

from __future__ import annotations

import json

import pytest

from store.import_presets import KOHA
from store.patron_file import BadFile
from store.report import header

from ..operators import ADMIN
from .patron_file_helpers import dump, patron, problems, write
from .runs import rows_of

# Koha's borrowers columns in its own order (installer/data/mysql/kohastructure.sql), as a
# report of SELECT * FROM borrowers or Koha's patron import template writes them.
KOHA_HEADER = (
    "borrowernumber,cardnumber,surname,firstname,middle_name,title,othernames,initials,"
    "pronouns,streetnumber,streettype,address,address2,city,state,zipcode,country,email,"
    "phone,mobile,fax,emailpro,phonepro,B_streetnumber,B_streettype,B_address,B_address2,"
    "B_city,B_state,B_zipcode,B_country,B_email,B_phone,dateofbirth,branchcode,categorycode,"
    "dateenrolled,dateexpiry,password_expiration_date,date_renewed,gonenoaddress,lost,"
    "debarred,debarredcomment,contactname,contactfirstname,contacttitle,borrowernotes,"
    "relationship,sex,password,secret,auth_method,flags,userid,opacnote,contactnote,sort1,"
    "sort2,altcontactfirstname,altcontactsurname,altcontactaddress1,altcontactaddress2,"
    "altcontactaddress3,altcontactstate,altcontactzipcode,altcontactcountry,altcontactphone,"
    "smsalertnumber,sms_provider_id,privacy,privacy_guarantor_fines,"
    "privacy_guarantor_checkouts,checkprevcheckout,updated_on,lastseen,lang,login_attempts,"
    "overdrive_auth_token,anonymized,autorenew_checkouts,primary_contact_method"
)


def koha_row(**values: str) -> str:
    """One borrowers row: every column empty but ``values`` (a note may span lines)."""
    names = KOHA_HEADER.split(",")
    assert set(values) <= set(names), set(values) - set(names)
    cells = [values.get(n, "") for n in names]
    return ",".join(f'"{c}"' if any(ch in c for ch in ',"\n') else c for c in cells)


def koha_file(tmp_path, *rows: str):
    return write(tmp_path, "borrowers.csv", KOHA_HEADER + "\n" + "".join(r + "\n" for r in rows))


# -- --ignore ------------------------------------------------------------------------------------
def test_ignored_columns_are_not_read_and_are_listed(small_db, tmp_path):
    path = write(
        tmp_path,
        "sis.csv",
        "barcode,last_name,dob,grade,homeroom teacher\nN1,Ng,2015-01-01,3,Ms. X\n"
        "10,Carter,not a date,6,\x1bcontrol\n",  # cells of an ignored column are not judged
    )
    report = small_db.import_patrons(path, {}, ADMIN, ignore=("DOB", "homeroom teacher"))
    assert (report.new, report.updated) == (1, 1)
    assert report.ignored == ["dob", "homeroom teacher"]
    assert patron(small_db, "N1")["grade"] == "3"
    options = json.loads(small_db.operation(report.operation_id)["options"])
    assert (options["ignore"], options["ignored"]) == (
        ["DOB", "homeroom teacher"],
        ["dob", "homeroom teacher"],
    )


def test_an_unknown_column_names_the_ways_to_leave_it_out(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "sis.csv", "barcode,last_name,dob\nN1,Ng,2015-01-01\n")
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN)
    message = str(exc.value)
    assert message.startswith("unknown column(s) 'dob': ")
    assert "--ignore COLUMN" in message and "--ignore-unknown" in message
    assert dump(small_db.db) == before


@pytest.mark.parametrize(
    "header, ignore, mapping, says",
    [
        ("barcode,last_name", ("barcode",), {}, "'barcode' cannot be ignored: it is the file's"),
        ("barcode,Last_Name", ("LAST_NAME",), {}, "'Last_Name' cannot be ignored"),
        # Ignoring the column a --map reads as the barcode is ignoring the barcode.
        ("id,last_name", ("id",), {"id": "barcode"}, "'id' is also given to --map"),
        ("cardnumber,surname", ("cardnumber",), {}, "'cardnumber' cannot be ignored: it is "),
        ("barcode,last_name", ("grade",), {}, "borrowers.csv has no column 'grade'"),
        ("barcode,last_name", (" ",), {}, "--ignore: give the name of a column"),
    ],
)
def test_ignoring_what_cannot_be_ignored_is_refused(
    small_db, tmp_path, header, ignore, mapping, says
):
    before = dump(small_db.db)
    path = write(tmp_path, "borrowers.csv", header + "\nN1,Ng\n")
    with pytest.raises(BadFile, match=says):
        small_db.import_patrons(path, mapping, ADMIN, ignore=ignore, preset="koha")
    with pytest.raises(BadFile, match=says):
        small_db.import_patrons(path, mapping, ADMIN, dry_run=True, ignore=ignore, preset="koha")
    assert dump(small_db.db) == before


def test_a_map_naming_no_column_of_the_file_is_refused(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "sis.csv", "barcode,last_name\nN1,Ng\n")
    with pytest.raises(BadFile, match=r"--map: sis.csv has no column 'surname'; its columns"):
        small_db.import_patrons(path, {"surname": "last_name"}, ADMIN)
    assert dump(small_db.db) == before


def test_ignore_settles_a_doubled_column(small_db, tmp_path):
    path = write(tmp_path, "two.csv", "barcode,last_name,surname\nN1,Ng,Nguyen\n")
    with pytest.raises(BadFile, match="more than one column is last_name .--ignore one"):
        small_db.import_patrons(path, {"surname": "last_name"}, ADMIN)
    small_db.import_patrons(path, {"surname": "last_name"}, ADMIN, ignore=("last_name",))
    assert patron(small_db, "N1")["last_name"] == "Nguyen"


# -- --ignore-unknown ------------------------------------------------------------------------------
def test_ignore_unknown_leaves_out_every_column_that_is_no_field(small_db, tmp_path):
    path = write(
        tmp_path,
        "sis.csv",
        "Student ID,barcode,Surname,grade,Gender,email\nS1,N1,Ng,3,F,nia@example.org\n",
    )
    report = small_db.import_patrons(path, {"surname": "last_name"}, ADMIN, ignore_unknown=True)
    assert report.ignored == ["Student ID", "Gender"]
    assert patron(small_db, "N1")["last_name"] == "Ng"
    # Still no patron file when nothing is a field.
    other = write(tmp_path, "other.csv", "a,b\n1,2\n")
    with pytest.raises(BadFile, match="names none of the patron fields"):
        small_db.import_patrons(other, {}, ADMIN, ignore_unknown=True)


# -- the Koha preset -------------------------------------------------------------------------------
def test_the_koha_preset_names_only_real_borrowers_columns_once():
    header = {c.casefold() for c in KOHA_HEADER.split(",")}
    assert set(KOHA.mapping) | KOHA.ignored >= header
    assert not set(KOHA.mapping) & KOHA.ignored
    assert "password" in KOHA.ignored  # a Koha password hash is never imported


def test_a_koha_export_imports_as_it_comes(small_db, tmp_path):
    small_db.db["policies"].insert(
        {"name": "PT", "account_days": 365, "loan_days": 21, "fine_per_day": 10, "max_fine": 500}
    )
    before = {t: r for t, r in dump(small_db.db, journal=False).items() if t != "patrons"}
    path = koha_file(
        tmp_path,
        koha_row(
            borrowernumber="51",
            cardnumber="23529000445172",
            surname="Kowalski",
            firstname="Marta",
            othernames="Marti",
            title="Ms",
            address="12 Elm St",
            city="Springfield",
            email="marta@example.org",
            emailpro="m.kowalski@school.example.org",
            phone="555-0100",
            dateofbirth="2011-04-02",
            branchcode="ELM",
            categorycode="PT",
            dateenrolled="2024-09-01",
            dateexpiry="2027-08-31",
            sex="F",
            password="$2a$08$abcdefghijklmnopqrstuv",
            userid="mkowalski",
            borrowernotes="Moved from\nWest branch",  # a note over two lines: not read
            privacy="1",
            lang="default",
        ),
        koha_row(
            borrowernumber="52",
            cardnumber="10",  # already here: Ben Carter
            surname="Carter",
            firstname="Ben",
            branchcode="CPL",  # no such site here: the Union Site
            categorycode="pt",
            dateexpiry="2026-12-31",
            B_email="ben.home@example.org",
            lost="1",
        ),
    )
    ben = patron(small_db, "10")
    report = small_db.import_patrons(path, {}, ADMIN, preset="koha")
    assert (report.rows, report.new, report.updated) == (2, 1, 1)
    assert report.to_union_site == [3]
    wanted = [c for c in KOHA_HEADER.split(",") if c.casefold() not in KOHA.mapping]
    assert report.ignored == wanted
    marta = patron(small_db, "23529000445172")
    assert {
        k: marta[k]
        for k in (
            "last_name",
            "first_name",
            "nickname",
            "site",
            "policy",
            "expiration_date",
            "username",
            "password_hash",
        )
    } == {
        "last_name": "Kowalski",
        "first_name": "Marta",
        "nickname": "Marti",
        "site": "ELM",
        "policy": "PT",
        "expiration_date": "2027-08-31",
        "username": "mkowalski",
        "password_hash": None,
    }
    assert [
        (e["position"], e["address"])
        for e in rows_of(small_db, "patron_emails", "patron_id = ?", marta["id"])
    ] == [(0, "marta@example.org"), (1, "m.kowalski@school.example.org")]
    assert patron(small_db, "10") == {
        **ben,
        "site": "UNION",
        "policy": "PT",
        "expiration_date": "2026-12-31",
        "modified": patron(small_db, "10")["modified"],
    }
    # An empty email and emailpro and a B_email: the patron's one address is the third column's.
    assert [
        r["address"] for r in rows_of(small_db, "patron_emails", "patron_id = ?", ben["id"])
    ] == ["ben.home@example.org"]
    after = {t: r for t, r in dump(small_db.db, journal=False).items() if t != "patrons"}
    after.pop("patron_emails")
    before.pop("patron_emails")
    assert after == before
    options = json.loads(small_db.operation(report.operation_id)["options"])
    assert options["preset"] == "koha" and options["ignored"] == wanted
    # The operation's report says what was left out.
    [said] = [line for line in header(small_db.operation(report.operation_id)) if "Opt" in line]
    assert "Preset: koha" in said and "Columns not read: ['borrowernumber', 'title'," in said


def test_a_koha_category_that_is_no_policy_is_refused_until_ignored(small_db, tmp_path):
    before = dump(small_db.db)
    path = koha_file(tmp_path, koha_row(cardnumber="K1", surname="Kay", categorycode="ST"))
    with pytest.raises(BadFile) as exc:
        small_db.import_patrons(path, {}, ADMIN, preset="koha")
    assert problems(exc) == [(2, "policy")]
    assert dump(small_db.db) == before
    report = small_db.import_patrons(path, {}, ADMIN, preset="koha", ignore=("categorycode",))
    assert report.new == 1 and "categorycode" in report.ignored
    assert patron(small_db, "K1")["policy"] is None


def test_the_koha_preset_still_refuses_a_column_it_does_not_know(small_db, tmp_path):
    before = dump(small_db.db)
    path = write(tmp_path, "b.csv", "cardnumber,surname,nickname_typo\nK1,Kay,x\n")
    with pytest.raises(BadFile, match="unknown column.s. 'nickname_typo'"):
        small_db.import_patrons(path, {}, ADMIN, preset="koha")
    assert dump(small_db.db) == before
    # --map reads a column the preset leaves out.
    sorted_path = write(tmp_path, "s.csv", "cardnumber,surname,sort1\nK2,Kay,Room 4\n")
    small_db.import_patrons(sorted_path, {"sort1": "location"}, ADMIN, preset="koha")
    assert patron(small_db, "K2")["location"] == "Room 4"


def test_an_unknown_preset_is_refused(small_db, tmp_path):
    path = write(tmp_path, "b.csv", "barcode,last_name\nK1,Kay\n")
    with pytest.raises(BadFile, match="--preset: 'follett' is not a preset; presets: koha"):
        small_db.import_patrons(path, {}, ADMIN, preset="follett")


def test_a_long_column_name_left_out_is_listed_cut_short(small_db, tmp_path):
    path = write(tmp_path, "w.csv", "barcode,last_name," + "n" * 5000 + "\nN1,Ng,x\n")
    report = small_db.import_patrons(path, {}, ADMIN, ignore_unknown=True)
    assert report.ignored == ["n" * 59 + "…"]
    options = json.loads(small_db.operation(report.operation_id)["options"])
    assert options["ignored"] == report.ignored
