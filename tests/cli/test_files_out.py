"""What the product writes: no overwrite without consent, no link followed, never the
database, whole or nothing; no formula a spreadsheet would run, no escape a terminal would."""

from __future__ import annotations

import csv
import io
import os

import pytest

import store
from store import file_out

from ..databases import demo_db
from ..operators import ADMIN
from .commands import count

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x.example","y")', "+1+1", "@SUM(A1)", "-2+3"]


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("-$0.60", "-$0.60"),
        ("-1,234.50", "-1,234.50"),
        ("Smith", "Smith"),
        (-5, -5),
        (None, None),
        ("'=1+1", "''=1+1"),
        ("'-5", "''-5"),
        ("O'Brien", "O'Brien"),
        ("'", "'"),
    ],
)
def test_a_cell_that_would_start_a_formula_is_written_as_text(value, written):
    assert file_out.csv_cell(value) == written


def test_control_characters_are_shown_not_sent():
    assert file_out.printable("Red\x1b[31m\x07") == "Red\\x1b[31m\\x07"
    assert file_out.printable("Zoë, O'Brien") == "Zoë, O'Brien"


def formula_patrons(path) -> None:
    s = store.Store(path)
    try:
        for n, name in enumerate(FORMULAS):
            s.db.execute("UPDATE patrons SET last_name = ? WHERE id = ?", [name, n + 1])
        s.db.execute("UPDATE patrons SET first_name = ? WHERE id = 10", ["\x1b]0;owned\x07Ann"])
    finally:
        s.close()


def cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


def test_every_csv_the_product_writes_neutralises_formulas(db, cli, tmp_path):
    formula_patrons(db)
    exported = cli("export", "--format", "csv")
    ran = cli("run", "change-location", "--location", "Room 9", "--format", "csv", "--yes")
    assert exported.code == ran.code == 0, (exported.err, ran.err)
    s = store.Store(db)
    try:
        report = tmp_path / "op.csv"
        s.write_report(1, report, s.login("demo", "demo-librarian"))
    finally:
        s.close()
    for text in (exported.out, ran.out, report.read_text(encoding="utf-8")):
        found = cells(text)
        for name in FORMULAS[:4]:
            assert name not in found and not any(c.startswith(name) for c in found)
            assert any(c.startswith("'" + name) for c in found), name
        assert any(c.startswith("'-2+3") for c in found)


def test_the_text_output_never_sends_the_datas_escapes(db, cli):
    formula_patrons(db)
    out = cli("run", "change-location", "--location", "Room 9", "--barcodes", "20260010").out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;owned\\x07Ann" in out


# -- files: never over something without consent -------------------------------------------------


def test_export_does_not_replace_a_file_without_force(db, cli, tmp_path):
    target = tmp_path / "patrons.csv"
    target.write_text("keep me")
    refused = cli("export", "--output", target)
    assert refused.code == 2 and "already exists; add --force" in refused.err
    assert target.read_text() == "keep me"
    assert cli("export", "--output", target, "--force").code == 0
    assert target.read_text().startswith("barcode,")


def test_no_file_is_written_through_a_symbolic_link(db, cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    result = cli("export", "--output", link, "--force")
    assert result.code == 2 and "symbolic link" in result.err
    assert victim.read_text() == "precious" and link.is_symlink()


def test_the_database_itself_is_never_written_over(tmp_path):
    path = demo_db(tmp_path)
    s = store.Store(path)
    try:
        s.apply(s.plan("change-status", {"grades": ["12"]}, {"status": "Inactive"}, ADMIN))
        before = path.read_bytes()
        for target in (path, f"{path}-wal", tmp_path / "." / path.name):
            with pytest.raises(OSError, match="the patron database itself"):
                s.write_report(1, target, ADMIN, overwrite=True)
        assert path.read_bytes() == before
    finally:
        s.close()


def test_a_write_that_fails_half_way_leaves_no_file(tmp_path):
    target = tmp_path / "half.txt"
    with pytest.raises(RuntimeError), file_out.writing(target) as out:
        out.write("the first half")
        raise RuntimeError("the disk is full")
    assert os.listdir(tmp_path) == []


def test_written_files_are_the_owners_alone(tmp_path):
    with file_out.writing(tmp_path / "report.txt") as out:
        out.write("names")
    assert os.stat(tmp_path / "report.txt").st_mode & 0o777 == 0o600


def test_nothing_was_written_to_the_database_by_writing_files(db, cli, tmp_path):
    before = count(db, "SELECT count(*) FROM operations")
    cli("export", "--output", tmp_path / "a.csv")
    assert count(db, "SELECT count(*) FROM operations") == before


def test_the_undo_dry_run_never_sends_the_datas_escapes(db, cli):
    assert (
        cli(
            "run", "change-location", "--location", "Room 9", "--barcodes", "20260010", "--yes"
        ).code
        == 0
    )
    s = store.Store(db)
    try:  # a title as an older release or another writer might have stored it
        s.db.execute("UPDATE operations SET title = ? WHERE id = 1", ["Move\x1b]0;owned\x07"])
    finally:
        s.close()
    dry = cli("undo", "1")
    assert dry.code == 0, dry.err
    assert "\x1b" not in dry.out and "Move\\x1b]0;owned\\x07" in dry.out


@pytest.mark.parametrize("appears", ["a file", "a symbolic link"])
def test_a_name_taken_while_writing_is_not_replaced(tmp_path, appears):
    # Between the check and the rename another program creates the file (or a link to one
    # of yours): the write is refused and what is there stays as it was.
    path = tmp_path / "report.csv"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    with pytest.raises(file_out.FileExists), file_out.writing(path) as out:
        out.write("barcode\n")
        if appears == "a file":
            path.write_text("theirs")
        else:
            path.symlink_to(victim)
    assert victim.read_text() == "keep me"
    assert path.read_text() == ("theirs" if appears == "a file" else "keep me")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report.csv", "victim.txt"])


def test_csv_sent_to_a_terminal_shows_the_datas_escapes(db, cli):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen, pipe = Terminal(), io.StringIO()
    for out in (screen, pipe):
        writer = file_out.csv_writer(file_out.for_terminal(out))
        writer.writerow(["B1", "Red\x1b[31m", "Ann"])
    assert screen.getvalue() == "B1,Red\\x1b[31m,Ann\r\n"
    assert pipe.getvalue() == "B1,Red\x1b[31m,Ann\r\n"  # a file or a pipe gets the data as it is


def test_export_output_must_name_a_file(db, cli):
    result = cli("export", "--output", "")
    assert result.code == 2 and "--output: give a file name" in result.err
    assert result.out == ""
