"""read_roster refuses an export bad as a whole (BadRoster, nothing of it used): no
folder or zip, no users.csv, two exports, a header it cannot read, not UTF-8, too large,
a delta, an unknown version. Rows that are bad are tests/store/test_roster_reader.py."""

from __future__ import annotations

import zipfile

import pytest

from store.roster.model import BadRoster
from store.roster.reader import read_roster

from .roster_fixtures import (
    MANIFEST_1_2,
    USERS_1_1,
    csv_text,
    export_1_1,
    export_1_2,
    user_1_1,
    with_row,
    write,
    zipped,
)

HEADER_1_1 = USERS_1_1[0]


def bad(path, **kwargs) -> str:
    with pytest.raises(BadRoster) as caught:
        read_roster(path, **kwargs)
    return str(caught.value)


# --- Bad exports -------------------------------------------------------------------------


def test_a_path_that_is_neither_a_folder_nor_a_zip(tmp_path):
    users = write(tmp_path, "users.csv", USERS_1_1)
    assert "is neither a folder nor a .zip" in bad(users)
    assert "cannot be read" in bad(tmp_path / "nowhere")


def test_missing_users_csv(tmp_path):
    folder = export_1_1(tmp_path)
    (folder / "users.csv").unlink()
    assert "users.csv: is missing" in bad(folder)
    assert "users.csv: is missing" in bad(zipped(folder))


def test_a_zip_two_folders_down_has_no_users_csv(tmp_path):
    assert "users.csv: is missing" in bad(zipped(export_1_1(tmp_path), "a/b"))


def test_two_exports_in_one_folder(tmp_path):
    export_1_1(tmp_path)
    export_1_2(tmp_path)
    assert "holds several exports" in bad(tmp_path)


def test_users_csv_without_a_sourced_id_column(tmp_path):
    users = [["id", *HEADER_1_1[1:]], *USERS_1_1[1:]]
    message = bad(export_1_1(tmp_path, users=users))
    assert message.startswith("users.csv, row 1: has no sourcedId column")


def test_a_column_named_twice(tmp_path):
    users = [[*HEADER_1_1[:-1], "SourcedId"], *USERS_1_1[1:]]
    assert "names sourcedId twice ('sourcedid' and 'SourcedId')" in bad(
        export_1_1(tmp_path, users=users)
    )


def test_no_role_column_and_no_roles_csv(tmp_path):
    users = [[c if c != "role" else "rank" for c in HEADER_1_1], *USERS_1_1[1:]]
    assert "has no role column and the export has no roles.csv" in bad(
        export_1_1(tmp_path, users=users)
    )


def test_a_users_csv_that_is_not_utf8(tmp_path):
    folder = export_1_1(tmp_path)
    (folder / "users.csv").write_bytes(csv_text(USERS_1_1).replace("Ada", "Zoë").encode("cp1252"))
    assert "users.csv: is not UTF-8 text" in bad(folder)


def test_an_empty_users_csv(tmp_path):
    assert "users.csv: is empty" in bad(export_1_1(tmp_path, users=""))


def test_an_unclosed_quote_stops_the_whole_export(tmp_path):
    text = csv_text(USERS_1_1) + 'x,active,,true,s1,student,,,"Unclosed,Name\r\n'
    assert "row 7: cannot be read as CSV from here on" in bad(export_1_1(tmp_path, users=text))


def test_a_file_over_the_size_limit(tmp_path):
    users = with_row(USERS_1_1, *(user_1_1(f"n{i}", notes="x" * 900) for i in range(1300)))
    folder = export_1_1(tmp_path, users=users)
    assert "the largest file a roster sync reads is 1 MB" in bad(folder, max_mb=1)
    assert "the largest file a roster sync reads is 1 MB" in bad(zipped(folder), max_mb=1)
    assert len(read_roster(folder, max_mb=2).users) == 1305


def test_a_zip_that_lies_about_its_size_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("users.csv", csv_text(USERS_1_1) + " " * (3 * 1024 * 1024))
    data = bytearray(archive.read_bytes())
    size = (3 * 1024 * 1024 + len(csv_text(USERS_1_1))).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    # the declared uncompressed size, in the local header and in the central directory
    data = data.replace(size, small)
    archive.write_bytes(bytes(data))
    # zipfile stops at the declared size and finds the CRC wrong: refused, never inflated
    assert "users.csv: cannot be read from bomb.zip" in bad(archive, max_mb=1)


def test_a_delta_or_absent_users_file_in_the_manifest(tmp_path):
    manifest = [row if row[0] != "file.users" else ["file.users", "delta"] for row in MANIFEST_1_2]
    assert "file.users is delta" in bad(export_1_2(tmp_path, manifest=manifest))
    manifest = [row if row[0] != "file.users" else ["file.users", "absent"] for row in MANIFEST_1_2]
    assert "file.users is absent" in bad(export_1_2(tmp_path, manifest=manifest))


def test_an_unknown_oneroster_version(tmp_path):
    manifest = [["propertyName", "value"], ["oneroster.version", "2.0"]]
    assert "oneroster.version is '2.0'; this reads OneRoster 1.1 and 1.2" in bad(
        export_1_2(tmp_path, manifest=manifest)
    )


def test_not_a_zip_though_named_one(tmp_path):
    fake = tmp_path / "roster.zip"
    fake.write_text("users")
    assert "is neither a folder nor a .zip" in bad(fake)
