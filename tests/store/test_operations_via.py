"""Every operation of the journal says how it was made: the Store's ``via`` ("terminal" unless
told otherwise; the SSH server's child says "ssh from …"), at every door that writes one."""

from __future__ import annotations

from pathlib import Path

import pytest

import store

from ..operators import ADMIN

SSH = "ssh from 127.0.0.1"


@pytest.fixture
def over_ssh(small_db):
    """A second Store on small_db's file, as the SSH server's child process opens it."""
    s = store.Store(small_db.path, via=SSH)
    yield s
    s.close()


def via(s: store.Store) -> list[tuple[int, str | None]]:
    return s.db.execute("SELECT id, via FROM operations ORDER BY id").fetchall()


def test_an_apply_and_its_undo_record_the_store_they_were_made_from(small_db, over_ssh):
    plan = over_ssh.plan("change-status", {"grades": ["12"]}, {"status": "Inactive"}, ADMIN)
    applied = over_ssh.apply(plan)
    assert applied.counts.change > 0
    undone = small_db.undo(applied.operation_id, ADMIN)  # undone at the terminal
    assert via(small_db) == [(applied.operation_id, SSH), (undone.operation_id, "terminal")]
    assert over_ssh.operation(applied.operation_id)["via"] == SSH


def test_the_written_report_says_where_the_operation_was_made_from(over_ssh, tmp_path):
    plan = over_ssh.plan("change-status", {"grades": ["12"]}, {"status": "Inactive"}, ADMIN)
    operation_id = over_ssh.apply(plan).operation_id
    written = Path(over_ssh.write_report(operation_id, tmp_path / "op.txt", ADMIN))
    head = written.read_text(encoding="utf-8").partition("\n\n")[0].splitlines()
    assert head[:2] == [f"Operation #{operation_id}: Change Patron Status", head[1]]
    assert head[1].startswith("By demo at ")
    assert head[-1] == f"Made from: {SSH}"


def test_a_grade_table_edit_and_its_undo_record_how_they_were_made(small_db, over_ssh):
    edit = over_ssh.edit_grades(ADMIN, "add", "13", "12")
    undo = small_db.undo(edit, ADMIN)
    assert via(small_db) == [(edit, SSH), (undo.operation_id, "terminal")]


def test_an_import_records_how_it_was_made(over_ssh, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("barcode,last_name\nNEW1,Newman\n", encoding="utf-8")
    report = over_ssh.import_patrons(path, {}, ADMIN)
    assert report.new == 1
    assert via(over_ssh) == [(report.operation_id, SSH)]


def test_an_operation_made_before_version_6_says_nothing_of_how(small_db):
    plan = small_db.plan("change-status", {"grades": ["12"]}, {"status": "Inactive"}, ADMIN)
    operation_id = small_db.apply(plan).operation_id
    assert via(small_db) == [(operation_id, "terminal")]
    small_db.db.execute("UPDATE operations SET via = NULL")  # as the migration leaves one
    header = store.report.header(small_db.operation(operation_id))
    assert not any(line.startswith("Made from") for line in header)
