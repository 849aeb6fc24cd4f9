"""Opening the patron database: WAL, foreign keys, a busy timeout, the schema."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import sqlite_utils

from .money import format_money
from .schema import APPLICATION_ID, NewerSchema, migrate
from .selection import fold_name
from .usernames import fold_username

# How long a write waits for another technician's transaction to finish.
BUSY_TIMEOUT_MS = 10_000


BUSY = "the database is busy: another technician is applying a change; try again"
# A database the product creates is the owner's alone, or the owner's and their group's.
PRIVATE, GROUP = 0o600, 0o660


class Busy(RuntimeError):
    """The database stayed locked by another process for the whole busy timeout."""


class ReadOnly(Busy):
    """The database file (or its folder) cannot be written by this account (a kind of Busy,
    so every screen that says why a write did not happen says this too)."""


def begin_write(db: sqlite_utils.Database) -> None:
    """Take the write lock now (BEGIN IMMEDIATE): Busy when another write holds it past the
    busy timeout, so nothing is half-done waiting for it."""
    try:
        db.execute("BEGIN IMMEDIATE")
        # A read-only file lets BEGIN through; say so now rather than at the first write.
        if db.conn.execute("PRAGMA query_only").fetchone()[0] == 0 and _read_only(db):
            roll_back(db)
            raise ReadOnly(
                "the database cannot be written (its file or folder is read-only "
                "for this account); nothing was changed"
            )
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise Busy(BUSY) from exc
        if "readonly" in str(exc):
            raise ReadOnly(
                "the database cannot be written (its file or folder is read-only "
                "for this account); nothing was changed"
            ) from exc
        raise


def _read_only(db: sqlite_utils.Database) -> bool:
    name = db.conn.execute("PRAGMA database_list").fetchone()[2]
    return bool(name) and not os.access(name, os.W_OK)


def roll_back(db: sqlite_utils.Database) -> None:
    # A statement SQLite interrupted (or a failed COMMIT) may have ended it already.
    if db.conn.in_transaction:
        db.execute("ROLLBACK")


def create_file(path: str | os.PathLike, group: bool = False) -> None:
    """Create an empty database file readable by its owner only (0600), or by its group
    too (0660), whatever the umask: SQLite gives the -wal and -shm files the same mode."""
    mode = GROUP if group else PRIVATE
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def share_with_group(path: str | os.PathLike) -> None:
    """Let the file's group read and write an existing database (and its -wal and -shm)."""
    for suffix in ("", "-wal", "-shm"):
        name = os.fspath(path) + suffix
        if os.path.exists(name):
            os.chmod(name, GROUP)


def default_path() -> Path:
    """Where the demo database lives when no --db or PATRON_UTILS_DB is given."""
    from platformdirs import user_data_path

    return user_data_path("patron-utils", appauthor=False) / "patrons.db"


def resolve_path(arg: str | os.PathLike | None) -> Path:
    """--db wins, then PATRON_UTILS_DB, then the per-user data directory."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("PATRON_UTILS_DB")
    if env:
        return Path(env).expanduser()
    return default_path()


class NotADatabase(ValueError):
    """The path is not a Patron Utilities database (missing, empty, another program's, not
    a file at all): refused before anything is written to it."""


def check_ours(path: str | os.PathLike) -> None:
    """NotADatabase unless ``path`` is an existing Patron Utilities database. Read-only: a
    file that is not ours is not touched (no table added, no version set)."""
    name = os.fspath(path)
    try:
        info = os.stat(name)
    except OSError as exc:
        raise NotADatabase(f"there is no database at {name} ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise NotADatabase(f"{name} is not a file (a directory or a device is no database)")
    if info.st_size == 0:
        raise NotADatabase(
            f"{name} is empty, not a Patron Utilities database; nothing was "
            "changed (`patron-utils demo --db PATH` makes a demo database)"
        )
    # With no -wal or -shm beside it no connection is open on it, and immutable lets the
    # check read without making them (a refused file is left exactly as it was).
    quiet = not any(os.path.lexists(name + suffix) for suffix in ("-wal", "-shm"))
    try:
        # A file: URI from the path, percent-encoded ('#', '?' and '%' are a name's letters).
        conn = sqlite3.connect(uri(name, "ro") + ("&immutable=1" if quiet else ""), uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:  # an SQLite file it could not open
        raise NotADatabase(
            f"{name} cannot be opened ({exc}): the file and its folder must be "
            "readable, and the folder writable for its -wal and -shm files"
        ) from None
    except sqlite3.DatabaseError:
        raise NotADatabase(
            f"{name} is not a Patron Utilities database (not an SQLite file); nothing was changed"
        ) from None
    if app_id != APPLICATION_ID and not (version >= 1 and tables >= OUR_TABLES):
        raise NotADatabase(f"{name} is not a Patron Utilities database; nothing was changed")
    if missing := sorted(OUR_TABLES - tables):
        raise NotADatabase(
            f"{name} is a damaged Patron Utilities database (no table "
            f"{', '.join(missing)}); nothing was changed: restore it from a backup"
        )
    _check_writable(name)


def _check_writable(name: str) -> None:
    """Every command writes (a login counts failures), so a file this account can only read
    is refused before SQLite opens it for writing — which would leave -wal and -shm files
    of this account beside it, locking out the database's owner."""
    folder = os.path.dirname(os.path.abspath(name))
    for suffix in ("", "-wal", "-shm"):
        if os.path.lexists(name + suffix) and not os.access(name + suffix, os.W_OK):
            raise ReadOnly(
                f"{name + suffix} cannot be written by this account"
                + (
                    ""
                    if not suffix
                    else " (it belongs to another account: the "
                    "database's owner should remove it when no one is using it)"
                )
                + "; nothing was changed"
            )
    if not all(os.path.lexists(name + s) for s in ("-wal", "-shm")) and not os.access(
        folder, os.W_OK
    ):
        raise ReadOnly(
            f"the folder {folder} cannot be written by this account (SQLite keeps "
            f"{os.path.basename(name)}-wal and -shm there); nothing was changed"
        )


# Tables every Patron Utilities database has had since its first schema.
OUR_TABLES = {
    "sites",
    "grades",
    "policies",
    "security_groups",
    "patrons",
    "operations",
    "operation_changes",
    "operation_rows",
}


def uri(path: str | os.PathLike, mode: str | None = None) -> str:
    """An SQLite file: URI for ``path`` that names exactly that file."""
    return Path(os.path.abspath(os.fspath(path))).as_uri() + (f"?mode={mode}" if mode else "")


def connect(
    path: str | os.PathLike, group: bool = False, create: bool = False
) -> sqlite_utils.Database:
    """Open and migrate the Patron Utilities database at ``path`` (NotADatabase if it is
    not one). With ``create`` a missing file is made (0600, or with ``group`` 0660).

    Autocommit mode: store/ issues BEGIN IMMEDIATE itself, so a write takes the
    lock up front instead of failing half-way. ``check_same_thread`` is off
    because the TUI works in threads; callers serialise access (see Store).
    """
    if os.fspath(path) != ":memory:":
        if create and not os.path.exists(path):
            create_file(path, group)
        elif not (create and os.path.isfile(path) and os.path.getsize(path) == 0):
            check_ours(path)
    memory = os.fspath(path) == ":memory:"
    conn = sqlite3.connect(
        ":memory:" if memory else uri(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
        uri=not memory,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Set-based SQL that needs Python's Unicode: name ranges, usernames from names.
    conn.create_function("fold_name", 1, fold_name, deterministic=True)
    conn.create_function("fold_username", 1, fold_username, deterministic=True)
    # Amounts in cents read as currency in previews and history entries.
    conn.create_function("money", 1, format_money, deterministic=True)
    # Undo puts journaled BLOBs (kept as hex) back; SQLite has unhex() only from 3.41.
    conn.create_function(
        "unhex", 1, lambda text: None if text is None else bytes.fromhex(text), deterministic=True
    )
    try:
        migrate(conn)  # each step in its own transaction: a failed one leaves nothing
        if not memory:  # WAL only once the file is known to be ours and up to date
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if "readonly" not in str(exc):  # read-only: it is read as it is
                    raise
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise Busy("the database is busy: another program is writing to it") from exc
        if "readonly" in str(exc):
            raise NotADatabase(
                f"{os.fspath(path)} cannot be written (the file or its folder "
                "is read-only); nothing was changed"
            ) from exc
        raise NotADatabase(
            f"{os.fspath(path)} could not be brought up to date ({exc}); nothing was changed"
        ) from exc
    except NewerSchema as exc:
        conn.close()
        raise NotADatabase(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise NotADatabase(
            f"{os.fspath(path)} could not be opened ({exc}); nothing was changed"
        ) from exc
    return sqlite_utils.Database(conn)
