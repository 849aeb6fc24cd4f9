"""An import's journal and undo; who may import or export (permission, security groups)."""

from __future__ import annotations

import io
import json

import pytest

import store
from store.patron_file import BadFile
from store.security import PREFERENCES, Operator

from ..operators import ADMIN, AIDE, enrol
from .patron_file_helpers import dump, patron, problems, write
from .runs import NOW, STAMP, rows_of

# An operator whose security group grants preferences only (so no import or export).
TEACHER = Operator(900, "teacher", "Test Teacher", "Teacher", 2, frozenset({PREFERENCES}))


# -- the journal and undo ------------------------------------------------------------------------
def test_an_import_is_journaled_and_undone_exactly(small_db, tmp_path):
    before = dump(small_db.db, journal=False)
    path = write(
        tmp_path,
        "people.csv",
        "barcode,first_name,last_name,grade,site\n"
        "N1,Ada,Lovelace,3,ELM\n"  # row 2: new
        "10,Ben,Carter,6,ELM\n"  # row 3: grade
        "9,Ann,Adams,K,ELM\n"  # row 4: the same
        "P123,Paul,Eluard,10,HIGH\n",
    )  # row 5: last name and grade
    report = small_db.import_patrons(path, {}, AIDE)
    op = small_db.operation(report.operation_id)
    assert {
        k: op[k]
        for k in (
            "utility",
            "title",
            "operator",
            "started",
            "finished",
            "selection",
            "matched",
            "changed",
            "unchanged",
            "skipped",
            "undo_of",
            "undone_by",
        )
    } == {
        "utility": "import-patrons",
        "title": "Import Patrons (people.csv)",
        "operator": "aide",
        "started": NOW,
        "finished": NOW,
        "selection": "{}",
        "matched": 4,
        "changed": 3,
        "unchanged": 1,
        "skipped": 0,
        "undo_of": None,
        "undone_by": None,
    }
    assert json.loads(op["options"]) == {
        "file": "people.csv",
        "mapping": [],
        "preset": "",
        "ignore": [],
        "ignore_unknown": False,
        "ignored": [],
        "site": "",
    }
    assert [
        (c["seq"], c["patron_id"], c["barcode"], c["name"], c["outcome"], c["reason"])
        for c in small_db.operation_changes(report.operation_id)
    ] == [
        (1, 303, "N1", "Lovelace, Ada", "change", "new patron (row 2)"),
        (2, 2, "10", "Carter, Ben", "change", "updated Grade (row 3)"),
        (3, 1, "9", "Adams, Ann", "unchanged", "already the same (row 4)"),
        (4, 5, "P123", "Eluard, Paul", "change", "updated Last name, Grade (row 5)"),
    ]
    # What the summary's before and after columns show: the fields that changed.
    assert [(c["before"], c["after"]) for c in small_db.operation_changes(report.operation_id)][
        1:
    ] == [
        ("Grade 5", "Grade 6"),
        (None, None),
        ("Last name Éluard; Grade 9", "Last name Eluard; Grade 10"),
    ]
    journal = rows_of(small_db, "operation_rows", "operation_id = ?", report.operation_id)
    assert [(j["table_name"], j["row_id"], j["action"]) for j in journal] == [
        ("patrons", 303, "insert"),
        ("patrons", 2, "update"),
        ("patrons", 5, "update"),
    ]
    assert json.loads(journal[1]["before"]) == {"grade": "5", "modified": STAMP}
    assert json.loads(journal[1]["after"]) == {"grade": "6", "modified": NOW}
    assert json.loads(journal[2]["before"]) == {
        "last_name": "Éluard",
        "grade": "9",
        "modified": STAMP,
    }

    undo = small_db.undo(report.operation_id, AIDE)
    assert undo.conflicts == []
    assert (undo.counts.matched, undo.counts.change, undo.counts.skip) == (3, 3, 0)
    after = dump(small_db.db, journal=False)
    # Every value back; the two rows it wrote carry the undo's time.
    at = [c.name for c in small_db.db["patrons"].columns].index("modified")
    unstamp = lambda rows: sorted(r[:at] + r[at + 1 :] for r in rows)  # noqa: E731
    assert {t: r for t, r in after.items() if t not in ("patrons", "undo_restored")} == {
        t: r for t, r in before.items() if t not in ("patrons", "undo_restored")
    }
    assert unstamp(after["patrons"]) == unstamp(before["patrons"])
    assert {r[0]: r[at] for r in after["patrons"] if r[at] == NOW} == {2: NOW, 5: NOW}
    assert small_db.operation(report.operation_id)["undone_by"] == undo.operation_id
    undo_op = small_db.operation(undo.operation_id)
    assert (undo_op["utility"], undo_op["title"], undo_op["undo_of"]) == (
        "import-patrons",
        f"Undo of Import Patrons (people.csv) (#{report.operation_id})",
        report.operation_id,
    )


# -- permission --------------------------------------------------------------------------------
def test_an_operator_without_the_utilities_permission_is_refused(small_db, tmp_path):
    enrol(small_db.db, TEACHER)
    before = dump(small_db.db)
    path = write(tmp_path, "new.csv", "barcode,last_name,site\nN1,Ada,ELM\n")
    with pytest.raises(store.NotPermitted, match="Import Patrons"):
        small_db.import_patrons(path, {}, TEACHER)
    with pytest.raises(store.NotPermitted, match="Import Patrons"):
        small_db.import_patrons(path, {}, TEACHER, dry_run=True)
    out = io.StringIO()
    with pytest.raises(store.NotPermitted, match="Export Patrons"):
        small_db.export_patrons({}, TEACHER, out, "csv")
    assert out.getvalue() == ""
    assert dump(small_db.db) == before


# -- security groups follow Change Patron Security Group's rules ---------------------------------


def test_an_import_cannot_raise_a_security_group_beyond_the_operators_rights(small_db, tmp_path):
    """An aide (level 2, utilities only) may not import anyone into a group, least of all
    their own account into a powerful one; a level-1 librarian with the permission may not
    assign level 1; nothing is written either way."""
    before = dump(small_db.db)
    path = write(
        tmp_path,
        "groups.csv",
        "barcode,last_name,security_group\n2,Carter,Librarian\nNEW1,Newman,Student\n",
    )
    with pytest.raises(BadFile) as info:
        small_db.import_patrons(path, {}, AIDE)
    assert problems(info) == [(2, "security_group"), (3, "security_group")]
    assert "Patron Security Groups: Assign" in str(info.value.problems[0])
    librarian = enrol(
        small_db.db,
        Operator(
            7,
            "bell",
            "Bea Bell",
            "Librarian",
            1,
            frozenset({"Patrons: Import, Export and Utilities", "Patron Security Groups: Assign"}),
        ),
    )
    before = dump(small_db.db)
    with pytest.raises(BadFile) as info:
        small_db.import_patrons(path, {}, librarian)
    assert problems(info) == [(2, "security_group")]  # Librarian is level 1: not below 1
    assert "you may assign only groups of level 2 or higher" in str(info.value.problems[0])
    assert dump(small_db.db) == before
    # The same file from a district administrator goes through.
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.updated) == (1, 1)
    assert patron(small_db, "2")["security_group"] == "Librarian"
