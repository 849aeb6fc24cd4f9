"""The files of a OneRoster export, from a folder or a .zip, read as CSV that is distrusted.

Vendors put the files at the top of the zip or inside one folder (``export_2026/users.csv``);
both are accepted, and a Mac's ``__MACOSX`` shadow folder is ignored. File names are matched
in any case. Only the files the sync reads are opened, each at most ``max_mb`` MB (a size a
zip declares and the bytes it really inflates are both held to it, so a zip bomb is never
inflated whole). A file that is not UTF-8, cannot be parsed as CSV to its end or lacks a
required column is a BadRoster: a half-read users.csv would make everyone after the break
look as if they had left. A bad cell (over 1,000 characters, a control character) is a
problem of its row, as in the patron import (store/patron_csv.py).
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..control_chars import control_character
from ..patron_csv import MAX_CELL
from .model import BadRoster, RosterProblem

DEFAULT_MAX_MB = 200
# The csv module's own limit, far above MAX_CELL: a longer cell is a problem of its row,
# not an error that stops the reading.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))

# What store.control_chars.is_control finds (C0 and C1 controls, line and paragraph
# separators, bidirectional controls), as one pattern: a whole row is searched at once.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def fail(file: str, message: str, row: int | None = None, column: str | None = None) -> BadRoster:
    return BadRoster([RosterProblem(file, row, column, message)])


_DROPPED = dict.fromkeys(map(ord, " \t\r\n\u00a0_-"))


def normal(name: str) -> str:
    """A column name as compared: any case, without spaces, underscores or hyphens."""
    return name.translate(_DROPPED).casefold()


class Source:
    """The export's files by their lower-case names, from a folder or a zip."""

    def __init__(self, path: str | os.PathLike[str], max_mb: int = DEFAULT_MAX_MB):
        self.path = Path(path).expanduser()
        self.max_bytes = max_mb * 1024 * 1024
        self.max_mb = max_mb
        self._zip: zipfile.ZipFile | None = None
        self._files: dict[str, str] = {}  # lower-case name -> member name or file path
        shown = str(self.path)
        try:
            info = os.stat(self.path)
        except OSError as exc:
            raise fail(shown, f"cannot be read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(info.st_mode):
            self._files = self._folder_files()
        elif stat.S_ISREG(info.st_mode) and zipfile.is_zipfile(self.path):
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise fail(shown, f"is not a readable .zip ({exc})") from None
            self._files = self._zip_files()
        else:
            raise fail(
                shown,
                "is neither a folder nor a .zip; give the folder or the .zip that holds "
                "the OneRoster CSV files (users.csv, orgs.csv, …)",
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def has(self, name: str) -> bool:
        return name in self._files

    def _folder_files(self) -> dict[str, str]:
        def listing(folder: Path) -> dict[str, str]:
            try:
                return {p.name.lower(): str(p) for p in folder.iterdir() if p.is_file()}
            except OSError as exc:
                raise fail(str(folder), f"cannot be read: {exc.strerror or exc}") from None

        top = listing(self.path)
        if _roster_files(top):
            return top
        nested = {}
        for sub in sorted(self.path.iterdir()):
            if sub.is_dir() and not _ignored(sub.name):
                files = listing(sub)
                if _roster_files(files):
                    nested[sub.name] = files
        return self._one_of(nested, top)

    def _zip_files(self) -> dict[str, str]:
        assert self._zip is not None
        levels: dict[str, dict[str, str]] = {}
        for member in self._zip.infolist():
            if member.is_dir():
                continue
            parts = member.filename.replace("\\", "/").strip("/").split("/")
            if len(parts) > 2 or any(_ignored(p) for p in parts[:-1]):
                continue
            folder = parts[0] if len(parts) == 2 else ""
            levels.setdefault(folder, {})[parts[-1].lower()] = member.filename
        top = levels.pop("", {})
        if _roster_files(top):
            return top
        return self._one_of({k: v for k, v in levels.items() if _roster_files(v)}, top)

    def _one_of(self, nested: dict[str, dict[str, str]], top: dict[str, str]) -> dict[str, str]:
        if len(nested) > 1:
            raise fail(
                str(self.path),
                f"holds several exports (folders {', '.join(sorted(nested))}); give the "
                "folder or the .zip of one",
            )
        return next(iter(nested.values())) if nested else top

    def lines(self, name: str) -> Iterator[str]:
        """The text of one file as lines (a BOM skipped, CRLF kept for the csv module),
        held to the size limit while it is read."""
        where = self._files[name]
        handle: IO[bytes]
        try:
            if self._zip is not None:
                member = self._zip.getinfo(where)
                self._check_size(name, member.file_size)
                handle = self._zip.open(member)
            else:
                info = os.stat(where)
                if not stat.S_ISREG(info.st_mode):
                    raise fail(name, "is not a regular file")
                self._check_size(name, info.st_size)
                handle = open(where, "rb")  # noqa: SIM115 (closed by the wrapper)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as exc:
            # an encrypted member, a compression zipfile lacks (Deflate64), a damaged zip
            raise fail(name, f"cannot be read from {self.path.name} ({exc})") from None
        text = io.TextIOWrapper(_Capped(handle, self, name), encoding="utf-8-sig", newline="")
        try:
            yield from text
        except UnicodeDecodeError:
            raise fail(
                name, "is not UTF-8 text; export it again as CSV UTF-8 (the OneRoster encoding)"
            ) from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise fail(name, f"cannot be read from {self.path.name} ({exc})") from None
        finally:
            text.close()

    def _check_size(self, name: str, size: int) -> None:
        if size > self.max_bytes:
            raise self.too_big(name, f"is {size / 1024 / 1024:,.0f} MB")

    def too_big(self, name: str, what: str) -> BadRoster:
        return fail(name, f"{what}; the largest file a roster sync reads is {self.max_mb:,} MB")


class _Capped(io.RawIOBase):
    """A byte stream that stops at the size limit: a zip that lies about its sizes, or a
    file that grows while it is read, is never read into memory whole."""

    def __init__(self, raw: IO[bytes], source: Source, name: str):
        self.raw, self.source, self.name, self.used = raw, source, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.used += len(data)
        if self.used > self.source.max_bytes:
            raise self.source.too_big(self.name, "grew past the size limit while it was read")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _roster_files(files: dict[str, str]) -> bool:
    return "users.csv" in files or "manifest.csv" in files


def _ignored(folder: str) -> bool:
    return folder == "__MACOSX" or folder.startswith(".")


@dataclass
class Table:
    """One CSV file: the header as written for each column read (by its OneRoster name),
    and its rows as (row number, values by OneRoster name, the row's problems)."""

    file: str
    header: dict[str, str]
    rows: Iterator[tuple[int, dict[str, str], list[RosterProblem]]]


def read_table(
    source: Source,
    file: str,
    columns: tuple[str, ...],
    aliases: dict[str, str],
    required: tuple[str, ...] = (),
) -> Table:
    """``file`` of the source with the ``columns`` it knows (OneRoster names; a header in
    any case, or one of the ``aliases``, means the same), the others ignored."""
    reader = csv.reader(source.lines(file), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise fail(file, "is empty: its first row must name the columns") from None
    except csv.Error as exc:
        raise fail(file, f"its first row cannot be read as CSV ({exc})", 1) from None
    known = {normal(c): c for c in columns} | {normal(k): v for k, v in aliases.items()}
    fields: list[str | None] = []
    named: dict[str, str] = {}
    for written in header:
        field = known.get(normal(written))
        if field in named:
            raise fail(
                file,
                f"names {field} twice ({named[field]!r} and {written!r}); keep one",
                1,
            )
        if field is not None:
            named[field] = written.strip()
        fields.append(field)
    missing = [c for c in required if c not in named]
    if missing:
        raise fail(
            file,
            f"has no {', '.join(missing)} column; its first row must name the "
            f"OneRoster columns ({', '.join(columns)})",
            1,
        )
    return Table(file, named, _rows(file, reader, header, fields, named))


def _rows(
    file: str,
    reader: Iterator[list[str]],
    header: list[str],
    fields: list[str | None],
    named: dict[str, str],
) -> Iterator[tuple[int, dict[str, str], list[RosterProblem]]]:
    heading = [normal(h) for h in header]
    width = len(fields)
    number = 1  # as a spreadsheet numbers them: the header is row 1, blank rows count
    while True:
        number += 1
        try:
            line = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise fail(
                file,
                "cannot be read as CSV from here on"
                + (
                    ": a double quote opened in this row is never closed"
                    if "end of data" in str(exc)
                    else f" ({exc})"
                )
                + "; nothing of the export was used",
                number,
            ) from None
        if not "".join(line).strip():
            continue
        if len(line) > width and not any(c.strip() for c in line[width:]):
            line = line[:width]  # trailing commas some exports add to every row
        if len(line) != width:
            yield (
                number,
                {},
                [
                    RosterProblem(
                        file,
                        number,
                        None,
                        f"the row has {len(line)} fields where the header names {width}; "
                        "a value holding a comma must be in double quotes",
                    )
                ],
            )
            continue
        if normal(line[0]) == heading[0] and [normal(c) for c in line] == heading:
            yield number, {}, [RosterProblem(file, number, None, "repeats the header row")]
            continue
        values = {f: cell for f, cell in zip(fields, line, strict=True) if f is not None}
        yield number, values, _checked(file, number, values, named)


def _checked(
    file: str, number: int, values: dict[str, str], named: dict[str, str]
) -> list[RosterProblem]:
    """Cells over the import's length limit or with a control character (only columns
    read are judged: a password column is neither read nor quoted)."""
    joined = "".join(values.values())
    if len(joined) <= MAX_CELL and not _CONTROL.search(joined):
        return []
    out = []
    for field, cell in values.items():
        if len(cell) > MAX_CELL:
            message = (
                f"at most {MAX_CELL:,} characters are allowed in a cell; this has {len(cell):,}"
            )
        elif bad := control_character(cell):
            message = (
                f"contains a control character ({bad}); letters, digits, spaces and "
                "punctuation only"
            )
        else:
            continue
        out.append(RosterProblem(file, number, named[field], message))
    return out
