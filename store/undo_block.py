"""Undo, one block at a time: a run of journal rows (one table, one action) put back
set-based, with every row that no longer looks as the operation left it (or whose parent
could not come back) kept as a conflict instead of overwritten. store/undo.py walks the
blocks newest first."""

from __future__ import annotations

import sqlite_utils

from . import credentials
from .undo_rules import CONFLICTS, patron_of

IMAGES = "temp.undo_images"  # one update block's values, out of their JSON
RESTORING = "temp.undo_restoring"  # the values an update block puts back, by row


class Block:
    """One run of journal rows (one table, one action) and how to put it back."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        operation_id: int,
        undo_id: int,
        table: str,
        action: str,
        low: int,
        high: int,
        now: str,
        erased: bool = False,
        again: bool = False,
    ):
        self.db, self.table, self.action = db, table, action
        self.erased = erased  # the journal's password hashes are gone
        self.params = {"op": operation_id, "undo": undo_id, "low": low, "high": high, "now": now}
        self.block = "j.id BETWEEN :low AND :high"
        self.rows = f"operation_rows j WHERE {self.block}"
        self.source = "operation_rows"  # where conflict() and value() read the images
        self.kept = f"j.id NOT IN (SELECT journal_id FROM {CONFLICTS})"
        if again:  # undone once in part: the rows put back then are not touched again
            self.kept += (
                " AND j.id NOT IN (SELECT journal_id FROM undo_restored "
                "WHERE journal_id BETWEEN :low AND :high)"
            )
        info = db.execute(f"PRAGMA table_info('{table}')").fetchall()
        self.types = {r[1]: (r[2] or "").upper() for r in info}
        # A row this undo writes is stamped with the undo's time, as any change is.
        self.stamped = "modified" in self.types

    def restore(self) -> None:
        # A patron whose own record could not be put back keeps everything else as it is
        # too (their items stay Lost, their loans are not half restored).
        if self.db.execute(
            f"SELECT 1 FROM {CONFLICTS} WHERE table_name = 'patrons' LIMIT 1"
        ).fetchone():
            patron = patron_of(self.db)
            self.conflict(
                f"{patron} IN (SELECT c.row_id FROM {CONFLICTS} c WHERE c.table_name = 'patrons')",
                f"'patron ' || {patron} || ' could not be restored'",
            )
        secret = set(credentials.COLUMNS.get(self.table, ()))
        if self.action == "update" and self.erased and secret & set(self.keys()):
            self.conflict(
                "1",
                "'its password can no longer be restored (the journal''s "
                "password hashes were erased)'",
            )
        {"update": self._update, "insert": self._remove, "delete": self._reinsert}[self.action]()

    # -- images ----------------------------------------------------------------------------
    def value(self, image: str, column: str) -> str:
        """SQL for ``column``'s value in a JSON image (BLOBs are journaled as hex)."""
        if self.source == IMAGES:
            return f'j."{image}.{column}"'  # already taken out of the JSON (and unhexed)
        sql = f"json_extract(j.{image}, '$.{column}')"
        return f"unhex({sql})" if self.types.get(column) == "BLOB" else sql

    def same(self, image: str, column: str) -> str:
        """SQL: the live row ``t`` holds what the image says for ``column``."""
        return f"t.{column} IS {self.value(image, column)}"

    def keys(self) -> list[str]:
        """The columns an update block's images hold (the same for every row of a block)."""
        row = self.db.execute(f"SELECT j.after FROM {self.rows} LIMIT 1", self.params).fetchone()
        return [k for (k,) in self.db.execute("SELECT key FROM json_each(?)", [row[0]])]

    def conflict(self, condition: str, reason: str, join: str = "") -> None:
        """Record rows of this block matching ``condition`` (not already conflicts)."""
        self.db.execute(
            f"""INSERT OR IGNORE INTO {CONFLICTS} (journal_id, table_name, row_id, reason)
                SELECT j.id, j.table_name, j.row_id, {reason} FROM {self.source} j {join}
                WHERE {self.block} AND {self.kept} AND ({condition})""",
            self.params,
        )

    def parents_missing(self, image: str, columns: list[str]) -> None:
        """Rows whose restored values would point at something gone, or not put back."""
        for parent, source, target in _foreign_keys(self.db, self.table):
            if source not in columns:
                continue
            value = self.value(image, source)
            unrestored = (
                (
                    f" OR EXISTS (SELECT 1 FROM {CONFLICTS} u WHERE u.table_name = '{parent}' "
                    f"AND u.row_id = {value})"
                )
                if target == "id"
                else ""
            )
            self.conflict(
                f"{value} IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM {parent} "
                f"WHERE {target} = {value}){unrestored})",
                f"'its {_singular(parent)} ' || {value} || ' could not be restored'",
            )

    # -- the three actions -------------------------------------------------------------------
    def _update(self) -> None:
        """Put back the before values, unless one of them changed again since.

        'modified' is not compared: a later change to another column does not stop this
        one being undone; it goes back only if nothing changed the row since."""
        keys = [k for k in self.keys() if k != "modified"]
        stamp = self.stamped and "modified" in self.keys()
        # A 'modified' the table does not stamp is carried over as the image held it.
        carried = keys + (["modified"] if "modified" in self.keys() and not stamp else [])
        self._take_out_values(carried, live="modified" if stamp else None)
        join = f"LEFT JOIN {self.table} t ON t.rowid = j.row_id"
        secret = credentials.COLUMNS.get(self.table, ())
        # What changed, column by column (a password hash is never written into a report).
        changed = " || ".join(
            f"CASE WHEN NOT ({self.same('after', k)}) THEN "
            + (
                f"'{k} was changed again since; '"
                if k in secret
                else f"'{k} is now ' || coalesce(quote(t.{k}), 'NULL') || "
                "' (the operation set ' || "
                f"coalesce(quote({self.value('after', k)}), 'NULL') || '); '"
            )
            + " ELSE '' END"
            for k in keys
        )
        changed = f"rtrim({changed}, '; ')"
        # One pass over the block for both: the row is gone, or a column changed since.
        self.conflict(
            "t.rowid IS NULL OR " + " OR ".join(f"NOT ({self.same('after', k)})" for k in keys),
            f"CASE WHEN t.rowid IS NULL THEN '{_singular(self.table)} ' || j.row_id || "
            f"' was removed since' ELSE {changed} END",
            join,
        )
        self.parents_missing("before", keys)
        stamping = ", modified = :now" if stamp else ""
        # OR IGNORE: a unique value (a username) taken since leaves the row as it is.
        # Correlated values and an IN rather than UPDATE … FROM, which SQLite materializes
        # first (twice the cost at a million rows): the values to put back go into a table
        # keyed by row (a row journaled twice in the block gets its earliest image back).
        self.db.execute(f"DROP TABLE IF EXISTS {RESTORING}")
        declared = ", ".join(f'"{k}" {self.types.get(k, "")}' for k in keys)
        self.db.execute(
            f"CREATE TEMP TABLE {RESTORING.split('.')[1]} (row_id INTEGER PRIMARY KEY, {declared})"
        )
        self.db.execute(
            f"""INSERT OR IGNORE INTO {RESTORING}
                SELECT j.row_id, {", ".join(self.value("before", k) for k in keys)}
                FROM {IMAGES} j WHERE {self.kept} ORDER BY j.row_id, j.id""",
            self.params,
        )
        sets = ", ".join(
            f'{k} = (SELECT r."{k}" FROM {RESTORING} r WHERE r.row_id = {self.table}.rowid)'
            for k in keys
        )
        self.db.execute(
            f"""UPDATE OR IGNORE {self.table} SET {sets}{stamping}
                WHERE rowid IN (SELECT row_id FROM {RESTORING})""",
            self.params,
        )
        self.db.execute(f"DROP TABLE {RESTORING}")
        # Again, for the rows a unique value kept back (below): joined, as they are few.
        sets = ", ".join(f"{k} = {self.value('before', k)}" for k in keys)
        restore = f"""UPDATE OR IGNORE {self.table} SET {sets}{stamping}
                            FROM (SELECT * FROM {IMAGES} j WHERE {self.kept} ORDER BY j.row_id) j
                            WHERE j.row_id = {self.table}.rowid"""
        if set(keys) & _unique_columns(self.db, self.table):
            # A value that moved between rows of this block (a username one patron gave up
            # and another took) goes back only once the row now holding it has given it back:
            # again, over the rows not yet put back, until a pass puts back none.
            pending = (
                restore
                + " AND NOT ("
                + " AND ".join(
                    f"{self.table}.{k} IS {self.value('before', k)} COLLATE BINARY" for k in keys
                )
                + ")"
            )
            while True:
                done = self.db.conn.total_changes
                self.db.execute(pending, self.params)
                if self.db.conn.total_changes == done:
                    break
            # OR IGNORE left a row whose unique value is taken: say so.
            self.conflict(
                " OR ".join(f"NOT ({self.same('before', k)})" for k in keys),
                "'a value it had is now used by another row'",
                join,
            )
        # The journal holds exactly what this undo wrote: the row as it was just before
        # (its 'modified' read off the live row) and as it is now.
        # Built from the values already taken out (each declared as its column is, so a
        # value comes back as the JSON held it) rather than by parsing each image again.
        before, after = self._image(carried, "after"), self._image(carried, "before")
        if stamp:
            before = before[:-1] + """, 'modified', j."live.modified")"""
            after = after[:-1] + ", 'modified', :now)"
        self.db.execute(
            f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
                SELECT :undo, j.table_name, j.row_id, 'update', {before}, {after}
                FROM {IMAGES} j WHERE {self.block} AND {self.kept} ORDER BY j.id""",
            self.params,
        )
        self.source = "operation_rows"
        self.db.execute(f"DROP TABLE {IMAGES}")

    def _image(self, keys: list[str], image: str) -> str:
        """SQL: a JSON image of ``keys`` from the taken-out values (BLOBs as hex again)."""
        return (
            "json_object("
            + ", ".join(
                f"'{k}', "
                + (
                    f"hex({self.value(image, k)})"
                    if self.types.get(k) == "BLOB"
                    else self.value(image, k)
                )
                for k in keys
            )
            + ")"
        )

    def _take_out_values(self, columns: list[str], live: str | None = None) -> None:
        """The block's before and after values as plain columns of a temporary table, read
        from the JSON once: a million rows are then compared and restored without parsing
        each image again for every column, and the journal is read front to back first
        rather than between writes to the table being restored. With ``live``, that
        column's value in the live row too ("live.<column>")."""
        pairs = [(image, c) for c in columns for image in ("before", "after")]
        # Each value column declared as its table's column is, so comparisons apply the
        # same type affinity as they would against the table itself.
        declared = ", ".join(f'"{image}.{c}" {self.types.get(c, "")}' for image, c in pairs)
        values = ", ".join(self.value(image, c) for image, c in pairs)
        source = self.rows
        if live:
            declared += f', "live.{live}"'
            values += f", t.{live}"
            source = (
                f"operation_rows j LEFT JOIN {self.table} t ON t.rowid = j.row_id "
                f"WHERE {self.block}"
            )
        self.db.execute(f"DROP TABLE IF EXISTS {IMAGES}")
        self.db.execute(
            f"CREATE TEMP TABLE {IMAGES.split('.')[1]} "
            f"(id INTEGER, table_name TEXT, row_id INTEGER, {declared})"
        )
        self.db.execute(
            f"""INSERT INTO {IMAGES} SELECT j.id, j.table_name, j.row_id, {values}
                            FROM {source} ORDER BY j.id""",
            self.params,
        )
        self.source = IMAGES

    def _remove(self) -> None:
        """Remove a row the operation added, unless it changed since or is still used."""
        columns = list(self.types)
        join = f"LEFT JOIN {self.table} t ON t.rowid = j.row_id"
        self.conflict("t.rowid IS NULL", "'already removed'", join)
        self.conflict(
            " OR ".join(f"NOT ({self.same('after', c)})" for c in columns),
            "'changed since the operation'",
            join,
        )
        for child, source, target in _children(self.db, self.table):
            self.conflict(
                f"EXISTS (SELECT 1 FROM {child} x WHERE x.{source} = t.{target})",
                f"'still used by {child}'",
                join,
            )
        self.db.execute(
            f"DELETE FROM {self.table} WHERE rowid IN "
            f"(SELECT j.row_id FROM {self.rows} AND {self.kept})",
            self.params,
        )
        self._journal("delete", "j.after", "NULL")

    def _reinsert(self) -> None:
        """Insert a removed row again with its own id, unless that id or a unique value is taken."""
        columns = list(self.types)
        self.conflict(
            f"EXISTS (SELECT 1 FROM {self.table} t WHERE t.rowid = j.row_id)",
            "'its id is used by a row added since'",
        )
        self.parents_missing("before", columns)
        values = ", ".join(":now" if c == "modified" else self.value("before", c) for c in columns)
        self.db.execute(
            f"""INSERT OR IGNORE INTO {self.table} ({", ".join(columns)})
                            SELECT {values} FROM {self.rows} AND {self.kept} ORDER BY j.id""",
            self.params,
        )
        self.conflict(
            f"NOT EXISTS (SELECT 1 FROM {self.table} t WHERE t.rowid = j.row_id)",
            "'a unique value it had (such as a barcode) is now used by another row'",
        )
        self._journal(
            "insert",
            "NULL",
            "json_set(j.before, '$.modified', :now)" if self.stamped else "j.before",
        )

    def _journal(self, action: str, before: str, after: str) -> None:
        self.db.execute(
            f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
                SELECT :undo, j.table_name, j.row_id, '{action}', {before}, {after}
                FROM {self.rows} AND {self.kept} ORDER BY j.id""",
            self.params,
        )


def _foreign_keys(db: sqlite_utils.Database, table: str) -> list[tuple[str, str, str]]:
    """(parent table, column here, parent column) for each foreign key of ``table``."""
    return [
        (fk[2], fk[3], fk[4] or "rowid")
        for fk in db.execute(f"PRAGMA foreign_key_list('{table}')").fetchall()
    ]


def _unique_columns(db: sqlite_utils.Database, table: str) -> set[str]:
    """Columns of ``table`` in a UNIQUE constraint or index (an update may collide on them)."""
    return {
        column[2]
        for index in db.execute(f"PRAGMA index_list('{table}')").fetchall()
        if index[2]
        for column in db.execute(f"PRAGMA index_info('{index[1]}')").fetchall()
    }


def _children(db: sqlite_utils.Database, table: str) -> list[tuple[str, str, str]]:
    """(child table, its column, column here) for each foreign key pointing at ``table``."""
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return [
        (child, source, target)
        for child in tables
        for parent, source, target in _foreign_keys(db, child)
        if parent == table
    ]


def _singular(table: str) -> str:
    return {
        "patrons": "patron",
        "items": "item",
        "checkouts": "loan",
        "history": "history entry",
        "charges": "charge",
        "notes": "note",
        "reviews": "review",
    }.get(table, table + " row")
