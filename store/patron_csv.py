"""Reading a patron file: a real CSV reader that distrusts the file.

Only a regular file, no larger than the library's limit, read as it streams; every row
must have as many fields as the header names; an unterminated quote, a control
character or an over-long cell is a problem with its row and column, never a silent
guess. Messages quote the file only in short, escaped excerpts.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, TypeVar

from .control_chars import control_character, has_control
from .file_out import csv_cell

MAX_CELL = 1_000  # characters in one cell (the longest patron field is 100)
MAX_PROBLEMS = 1_000  # reported from one file; the rest are counted
DEFAULT_MAX_MB = 200
# The reader's own limit, far above MAX_CELL: a longer cell is reported by row, not by
# the csv module's error (which would stop the reading).
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


@dataclass
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class Resolved(Protocol):
    @property
    def fields(self) -> list[str | None]: ...


C = TypeVar("C", bound=Resolved)


class BadFile(ValueError):
    """The file as a whole cannot be imported (no header, an unknown column, bad rows)."""

    def __init__(self, message: str, problems: list[RowProblem] | None = None):
        self.problems = problems or []
        super().__init__(message)


def open_text(path: str | os.PathLike[str], max_mb: int = DEFAULT_MAX_MB) -> tuple[Path, IO[str]]:
    """A regular file of at most ``max_mb`` MB, opened as UTF-8 text (a byte-order mark is
    skipped); BadFile says why not."""
    path = Path(path).expanduser()
    try:
        info = os.stat(path)
    except OSError as exc:
        raise BadFile(f"{path} cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadFile(f"{path} is not a file (a directory, a device or a pipe cannot be imported)")
    if info.st_size > max_mb * 1024 * 1024:
        raise BadFile(
            f"{path} is {info.st_size / 1024 / 1024:,.0f} MB; the largest file an "
            f"import reads is {max_mb:,} MB (Preferences: Largest import file)"
        )
    try:
        return path, open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadFile(f"{path} cannot be read: {exc.strerror or exc}") from None


def read(
    path: str | os.PathLike[str],
    resolve: Callable[[list[str], str], C],
    max_mb: int = DEFAULT_MAX_MB,
) -> tuple[C, Iterator[tuple[int, dict | None, list[RowProblem]]]]:
    """What ``resolve`` makes of the header (``columns.fields``: the field each column is
    read as, None for a column not read) and the rows: (row number, values by field or
    None, the row's problems). Comma or tab separated."""
    path, handle = open_text(path, max_mb)
    try:
        first = handle.readline()
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise BadFile(f"{path} is not UTF-8 text; save it as CSV UTF-8 and try again") from None
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(_capped(handle, path, max_mb), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise BadFile(f"{path} is empty: the first row must name the columns") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise BadFile(f"{path}: its first row cannot be read as CSV ({exc})") from None
    try:
        resolved = resolve(header, path.name)
    except BadFile:
        handle.close()
        raise
    columns = resolved.fields
    allowed = "\t" if delimiter == "\t" else ""
    heading = [h.strip().casefold() for h in header]
    every = None not in columns  # every column is read: a plain row needs no cell by cell look

    def rows() -> Iterator[tuple[int, dict | None, list[RowProblem]]]:
        # Numbered as a spreadsheet shows them (the header is row 1; blank rows count).
        number = 1
        try:
            while True:
                number += 1
                try:
                    line = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield number, None, [_unreadable(number, exc)]
                    return
                text = "".join(line)
                if not text.strip():  # no cell holds anything but spaces
                    continue
                if (
                    len(line) == len(heading)
                    and line[0].strip().casefold() == heading[0]
                    and [c.strip().casefold() for c in line] == heading
                ):
                    yield (
                        number,
                        None,
                        [
                            RowProblem(
                                number,
                                "(file)",
                                "repeats the header row (two files joined into one?)",
                            )
                        ],
                    )
                    continue
                if every and len(line) == len(columns) and _plain(line, text):
                    yield number, dict(zip(columns, line, strict=True)), []
                    continue
                problems = _check(number, line, columns, allowed)
                values = {
                    c: _unquoted(v) for c, v in zip(columns, line, strict=False) if c is not None
                }
                yield number, None if problems else values, problems
        except UnicodeDecodeError:
            yield (
                number,
                None,
                [
                    RowProblem(
                        number,
                        "(file)",
                        "is not UTF-8 text from here on; save the file as CSV UTF-8",
                    )
                ],
            )
        finally:
            handle.close()

    return resolved, rows()


def _capped(handle: IO[str], path: Path, max_mb: int) -> Iterator[str]:
    """The file's lines, stopping at the size limit while reading: a file that grows after
    it was measured (or reports no size, as /proc does) is never read into memory whole."""
    budget, used = max_mb * 1024 * 1024, 0
    while line := handle.readline(budget - used + 1):
        used += len(line)
        if used > budget:
            raise BadFile(
                f"{path} grew past {max_mb:,} MB while it was read, the largest file "
                "an import reads (Preferences: Largest import file); nothing was "
                "imported"
            )
        yield line


def _plain(line: list[str], text: str) -> bool:
    """No cell too long, no control character and no quote anywhere in the row (``text``,
    its cells joined): then ``_check`` finds nothing and ``_unquoted`` changes nothing (one
    scan of the whole row, not one per cell)."""
    return max(map(len, line)) <= MAX_CELL and "'" not in text and not has_control(text)


def _unquoted(cell: str) -> str:
    """A cell as the product's own export wrote it: the quote that keeps a spreadsheet from
    running a formula ('=1+1) is taken off again, so an export imported changes nothing."""
    return cell[1:] if cell[:1] == "'" and csv_cell(cell[1:]) == cell else cell


def _check(
    number: int, line: list[str], columns: list[str | None], allowed: str
) -> list[RowProblem]:
    if len(line) != len(columns):
        where = (
            columns[len(line)] or f"{len(line) + 1} (not read)"
            if len(line) < len(columns)
            else f"{len(columns) + 1} (extra)"
        )
        return [
            RowProblem(
                number,
                where,
                f"the row has {len(line)} fields where the header "
                f"names {len(columns)}; a value holding a comma must be in double "
                "quotes",
            )
        ]
    out = []
    for column, cell in zip(columns, line, strict=True):
        if column is None:  # a column not read is not judged either
            continue
        if len(cell) > MAX_CELL:
            out.append(
                RowProblem(
                    number,
                    column,
                    f"at most {MAX_CELL:,} characters are "
                    f"allowed in a cell; this has {len(cell):,}",
                )
            )
        elif bad := control_character(cell, allowed):
            out.append(
                RowProblem(
                    number,
                    column,
                    f"contains a control character ({bad}); "
                    "letters, digits, spaces and punctuation only",
                )
            )
    return out


def _unreadable(number: int, exc: csv.Error) -> RowProblem:
    if "end of data" in str(exc):
        return RowProblem(
            number,
            "(file)",
            "a double quote opened in this row is never "
            "closed: the rest of the file would be read as one value",
        )
    return RowProblem(number, "(file)", f"cannot be read as CSV ({exc})")
