"""A summary written to a file (the app's Operations screen, Store.write_report) says the
library's words, as the screen that wrote it does: "Change Patron Level", "Patrons in Level"."""

from __future__ import annotations

import csv
from pathlib import Path

from ..operators import ADMIN


def test_a_written_summary_says_the_librarys_terms(small_db, tmp_path):
    small_db.db["preferences"].upsert({"key": "term.grade", "value": "Level"}, pk="key")
    plan = small_db.plan("change-grade", {"grades": ["5"]}, {"grade": "6"}, ADMIN)
    done = small_db.apply(plan)
    written = small_db.write_report(done.operation_id, tmp_path / "op.txt", ADMIN)
    text = Path(written).read_text()
    head = text.split("\n\n")[0]
    assert f"Operation #{done.operation_id}: Change Patron Level" in head
    assert "Selections: Patrons in Level: 5" in head and "Change Level to: 6" in head
    assert "Grade" not in head
    with open(small_db.write_report(done.operation_id, tmp_path / "op.csv", ADMIN)) as f:
        heading = next(csv.reader(f))
    assert heading[-2:] == ["Level before", "Level after"]
