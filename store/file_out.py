"""Files and text the product writes, made safe for whoever opens them next.

A file is written whole or not at all (a temporary file renamed into place), never over
an existing file unless asked, never through a symbolic link, never over the database.
A CSV cell a spreadsheet would run as a formula is written as text; text for a terminal
never carries the data's control characters.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .control_chars import has_control, is_control

# What a spreadsheet starts a formula with (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain (possibly negative) number or amount: a spreadsheet reads it as a number.
_NUMBER = re.compile(r"^-?\$?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?$")
FILE_MODE = 0o600  # reports and exports name patrons: the owner's, like the database


class FileExists(FileExistsError):
    """The file is there already and overwriting it was not asked for."""


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text that starts like a formula gets a leading quote."""
    if isinstance(value, str) and (
        (value.startswith(FORMULA_STARTS) and not _NUMBER.match(value))
        or (value[:1] == "'" and value[1:2] in FORMULA_STARTS and value[1:2])
    ):
        # The second case: text that already looks quoted ('=1) keeps its quote through an
        # import, which takes one quote off.
        return "'" + value
    return value


def csv_writer(out: IO[str]) -> Any:
    """A csv.writer whose rows are neutralised cell by cell."""
    writer = csv.writer(out)

    class Safe:
        def writerow(self, row: list[Any]) -> None:
            writer.writerow([csv_cell(cell) for cell in row])

    return Safe()


def printable(text: Any) -> str:
    """``text`` for a terminal: control characters shown escaped (\\x1b), never sent."""
    text = "" if text is None else str(text)
    if not has_control(text):  # one regular-expression scan: every cell printed
        return text
    return "".join(ascii(ch)[1:-1] if is_control(ch) else ch for ch in text)  # input refuses these


class _Shown:
    """A text stream whose writes have their control characters escaped (line breaks
    kept): CSV sent to a terminal is read there, not by a spreadsheet."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        lines = text.split("\n")  # a CSV row ends in \r\n: its line end is kept too
        return self.out.write(
            "\n".join(
                printable(line[:-1]) + "\r" if line.endswith("\r") else printable(line)
                for line in lines
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def for_terminal(out: IO[str]) -> IO[str]:
    """``out`` as it is for a file or a pipe; escaping control characters on a terminal."""
    try:
        return _Shown(out) if out.isatty() else out  # type: ignore[return-value]
    except (AttributeError, ValueError):
        return out


def excerpt(text: str, limit: int = 30) -> str:
    """A piece of someone's file fit for a message: quoted, control characters escaped, cut
    at ``limit`` (a message never repeats a file's contents at length)."""
    return repr(printable(text[:limit]) + ("…" if len(text) > limit else ""))


@contextmanager
def writing(
    path: str | Path, overwrite: bool = False, protect: tuple[str | os.PathLike, ...] = ()
) -> Iterator[IO[str]]:
    """An open text file that becomes ``path`` when the block ends without an error.

    FileExists if ``path`` exists and ``overwrite`` is false; OSError (with a plain
    strerror) for a symbolic link, something that is not a regular file, or one of the
    ``protect`` files (the database and its -wal and -shm)."""
    path = Path(path).expanduser()
    if path.is_symlink():
        raise OSError(f"{path} is a symbolic link; it is not followed (give the real path)")
    if any(_same(path, other) for other in protect):
        raise OSError(f"{path} is the patron database itself; choose another file")
    if path.exists():
        if not path.is_file():
            raise OSError(f"{path} is not a regular file")
        if not overwrite:
            raise FileExists(f"{path} already exists")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        with open(fd, "w", newline="", encoding="utf-8") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if overwrite:
            os.replace(temp, path)  # replaces the name, never follows it
        else:
            _link_new(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _link_new(temp: Path, path: Path) -> None:
    """``temp`` becomes ``path`` only if no file took that name meanwhile (a hard link
    fails where a rename would replace); on a file system without hard links, a last check
    and a rename."""
    try:
        os.link(temp, path, follow_symlinks=False)
    except FileExistsError:
        raise FileExists(f"{path} already exists") from None
    except OSError:
        if path.exists() or path.is_symlink():
            raise FileExists(f"{path} already exists") from None
        os.replace(temp, path)
        return
    temp.unlink()


def _same(path: Path, other: str | os.PathLike) -> bool:
    try:
        return os.path.realpath(path) in {
            os.path.realpath(os.fspath(other) + suffix)
            for suffix in ("", "-wal", "-shm", "-journal")
        }
    except OSError:
        return False
