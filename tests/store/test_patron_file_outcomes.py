"""What an import's summary says of each row: a new patron's site, grade and security group
(those they have), in the file's order, between the patrons it changes."""

from __future__ import annotations

from ..operators import ADMIN
from .patron_file_helpers import patron, write
from .runs import rows_of


def test_each_new_patron_is_said_with_the_fields_they_have(small_db, tmp_path):
    path = write(
        tmp_path,
        "mixed.csv",
        "barcode,first_name,last_name,grade,site,security_group\n"
        "N1,Ada,Lovelace,3,ELM,Student\n"  # row 2: new, all three
        "N2,,Byron,,HIGH,\n"  # row 3: new, a site only
        "10,Ben,Carter,6,ELM,Student\n"  # row 4: Ben's grade changes
        "N3,Cy,Clerk,K,,\n"  # row 5: new, no site: the Union Site
        "9,Ann,Adams,K,ELM,Student\n"  # row 6: the same
        "N4,Di,Dunn,Graduated,ELM,Librarian\n",  # row 7: new again, after the others
    )
    report = small_db.import_patrons(path, {}, ADMIN)
    assert (report.new, report.updated, report.unchanged) == (4, 1, 1)
    ids = {b: patron(small_db, b)["id"] for b in ("N1", "N2", "N3", "N4", "10", "9")}
    assert ids["N2"] == ids["N1"] + 1 and ids["N4"] == ids["N3"] + 1
    changes = small_db.operation_changes(report.operation_id)
    assert [
        (c["seq"], c["patron_id"], c["barcode"], c["name"], c["outcome"], c["reason"])
        + (c["before"], c["after"])
        for c in sorted(changes, key=lambda c: c["seq"])
    ] == [
        (1, ids["N1"], "N1", "Lovelace, Ada", "change", "new patron (row 2)")
        + (None, "Site ELM; Grade 3; Security group Student"),
        (2, ids["N2"], "N2", "Byron", "change", "new patron (row 3)") + (None, "Site HIGH"),
        (3, ids["10"], "10", "Carter, Ben", "change", "updated Grade (row 4)")
        + ("Grade 5", "Grade 6"),
        (4, ids["N3"], "N3", "Clerk, Cy", "change", "new patron (row 5)")
        + (None, "Site UNION; Grade K"),
        (5, ids["9"], "9", "Adams, Ann", "unchanged", "already the same (row 6)") + (None, None),
        (6, ids["N4"], "N4", "Dunn, Di", "change", "new patron (row 7)")
        + (None, "Site ELM; Grade Graduated; Security group Librarian"),
    ]
    journal = rows_of(small_db, "operation_rows", "operation_id = ?", report.operation_id)
    assert [(j["row_id"], j["action"]) for j in journal] == [
        (ids["N1"], "insert"),
        (ids["N2"], "insert"),
        (ids["10"], "update"),
        (ids["N3"], "insert"),
        (ids["N4"], "insert"),
    ]
