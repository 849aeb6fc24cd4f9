"""A Store opened for a session over SSH (server_files=False) never reads or writes a file of
the server on the operator's word: the files are the service account's, not the operator's."""

from __future__ import annotations

import pytest

from store import Invalid, NotPermitted, Store

from ..databases import everything
from ..operators import ADMIN


@pytest.fixture
def served(small_db):
    s = Store(small_db.path, via="ssh from 127.0.0.1", server_files=False)
    yield s
    s.close()


def test_a_barcode_list_naming_a_file_is_refused_not_read(served, tmp_path, monkeypatch):
    codes = tmp_path / "codes.txt"
    codes.write_text("20260001\n", encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        served.validate_selection({"barcodes": str(codes)})
    [problem] = refused.value.problems
    assert problem.field == "barcodes"
    assert "cannot read the server's files: paste or type the barcodes" in problem.message
    # A bare word is a barcode, even when a file of that name is where the service runs.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "20260001").write_text("20260002\n", encoding="utf-8")
    assert served.validate_selection({"barcodes": "20260001"}).barcodes == ["20260001"]


def test_the_same_list_is_read_from_a_file_on_this_computer(small_db, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("20260001\n20260002 # two\n", encoding="utf-8")
    assert small_db.validate_selection({"barcodes": str(codes)}).barcodes == [
        "20260001",
        "20260002",
    ]


def test_a_report_is_not_written_to_the_servers_files(served, tmp_path):
    report = served.plan("change-status", {"grades": ["12"]}, {"status": "Inactive"}, ADMIN)
    done = served.apply(report, ADMIN)
    target = tmp_path / "report.txt"
    with pytest.raises(NotPermitted, match="not possible in a session over SSH"):
        served.write_report(done.operation_id, target, ADMIN)
    assert not target.exists()


def test_a_patron_file_of_the_server_is_not_imported(served, small_db, tmp_path):
    """As a roster: the file named is the server's, not the operator's."""
    path = tmp_path / "people.csv"
    path.write_text("barcode,last_name\nNEW5,Newman\n", encoding="utf-8")
    before = everything(small_db.path)
    for dry_run in (True, False):
        with pytest.raises(NotPermitted, match="an import is not run over SSH"):
            served.import_patrons(path, {}, ADMIN, dry_run=dry_run)
    assert everything(small_db.path) == before
    assert small_db.import_patrons(path, {}, ADMIN).new == 1  # on this computer it is
