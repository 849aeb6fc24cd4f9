"""Undo: put back what an operation changed, from its journal, in one transaction.

The journal (operation_rows) holds, per row an operation touched, its image
before and after. Undo walks the operation's blocks of rows (one table and one
action each) newest first, so a removed patron comes back before their notes and
a moved review goes back after its patron. Each block is restored set-based:

- a row is a *conflict* when it no longer looks as the operation left it (changed
  again, removed, or its id or a unique value taken since), or when what it points
  to could not be restored; conflicts are not overwritten but listed with what
  changed, and everything else is restored;
- the undo is an operation itself: its journal holds the inverse images, its
  per-patron report says which patrons were restored and which were not, and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from . import authority, clock, credentials
from .database import begin_write, roll_back
from .plan import Counts
from .security import PASSWORDS, REMOVE_PATRONS, SECURITY_GROUPS, Operator
from .utilities import get

CONFLICTS = "temp.undo_conflicts"
IMAGES = "temp.undo_images"  # one update block's values, out of their JSON
GUARD = "temp.undo_guard"  # patrons this operator may not restore, with why
# Putting a column back is setting it: these need the permission that setting them needs,
# whichever utility changed them (an import can change a username or a group).
COLUMN_PERMISSIONS = {"security_group": SECURITY_GROUPS, "username": PASSWORDS,
                      "password_hash": PASSWORDS, "must_change_password": PASSWORDS}
# What a patron put back whole brings with them, when they had it.
RESTORED_WITH = {"security_group": SECURITY_GROUPS, "username": PASSWORDS,
                 "password_hash": PASSWORDS}
SHOWN_SKIPS = 20


class NotUndoable(RuntimeError):
    """This operation cannot be undone (already undone, itself an undo, or unknown)."""


@dataclass(frozen=True)
class Conflict:
    table: str
    row_id: int
    patron_id: int | None
    reason: str


@dataclass(frozen=True)
class UndoReport:
    """The undo's own operation id, the counts of its report, and the rows not restored."""

    operation_id: int
    undone_id: int
    title: str
    counts: Counts
    conflicts: list[Conflict]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UndoCheck:
    """What an undo would do, asked before the confirm: how many patrons the operation
    changed, and those this operator may not put back (the first few, with why)."""

    operation_id: int
    title: str
    changed: int
    skipped: int
    shown: list[tuple[str, str, str]]  # (barcode, name, reason)
    notes: list[str]

    @property
    def restored(self) -> int:
        return self.changed - self.skipped


def check(db: sqlite_utils.Database, operation_id: int, operator: Operator) -> UndoCheck:
    """May ``operator`` undo this operation, and whom would it leave as they are? Raises
    NotUndoable or NotPermitted (naming the missing permission); writes nothing."""
    authority.current(db, operator)  # a session that ended learns nothing of the journal
    op = _undoable(db, operation_id)
    blocks = _blocks(db, operation_id)
    authority.authorize(db, operator, needs(db, op, blocks, operator), f"undo {op['title']}")
    _guard(db, operation_id, operator)
    skipped = db.execute(f"SELECT count(*) FROM {GUARD} g JOIN operation_changes c "
                         "ON c.patron_id = g.patron_id WHERE c.operation_id = ? "
                         "AND c.outcome = 'change'", [operation_id]).fetchone()[0]
    shown = [tuple(r) for r in db.execute(
        f"SELECT c.barcode, c.name, g.reason FROM {GUARD} g JOIN operation_changes c "
        "ON c.patron_id = g.patron_id WHERE c.operation_id = ? AND c.outcome = 'change' "
        f"ORDER BY c.seq LIMIT {SHOWN_SKIPS}", [operation_id])]
    db.execute(f"DROP TABLE {GUARD}")
    notes = _notes(db, op, blocks)
    if skipped:
        notes.append(f"An operation is undone once: the {skipped:,} patron"
                     f"{'s' if skipped != 1 else ''} left as they are cannot be put back by "
                     "undoing it again later; an operator allowed to change them could undo "
                     "all of it.")
    return UndoCheck(operation_id, op["title"], op["changed"], skipped, shown, notes)


def needs(db: sqlite_utils.Database, op: dict, blocks: list[tuple[str, str, int, int, str | None]],
          operator: Operator) -> tuple[str, ...]:
    """The permissions undoing ``op`` needs: its utility's, and those of what it would do to
    patrons — each column it would set back (a group, a username, a password), removing a
    patron the operation added (unless the operator added them: taking back one's own
    import), putting back a removed patron with their username, password and group."""
    needed = list(get(op["utility"]).permissions)

    def need(permission: str) -> None:
        if permission not in needed:
            needed.append(permission)

    for table, action, low, high, shape in blocks:
        if table != "patrons":
            continue
        if action == "update":
            for column in (shape or "").split(","):
                if column in COLUMN_PERMISSIONS:
                    need(COLUMN_PERMISSIONS[column])
        elif action == "insert":  # undone, the added patrons are removed
            if op["operator_id"] != operator.patron_id:
                need(REMOVE_PATRONS)
        else:  # undone, the removed patrons come back with what their images hold
            held = db.execute(
                f"""SELECT {", ".join(f"max(json_extract(before, '$.{c}') IS NOT NULL)"
                                      for c in RESTORED_WITH)}
                    FROM operation_rows WHERE id BETWEEN ? AND ?""", [low, high]).fetchone()
            for column, present in zip(RESTORED_WITH, held):
                if present:
                    need(RESTORED_WITH[column])
    return tuple(needed)


def _notes(db: sqlite_utils.Database, op: dict,
           blocks: list[tuple[str, str, int, int, str | None]]) -> list[str]:
    """What the undo cannot do whatever happens: passwords whose hashes were erased."""
    if op["credentials_erased"] is None:
        return []
    passwords = set(credentials.COLUMNS["patrons"])
    if any(table == "patrons" and (action == "delete" or passwords & set((shape or "").split(",")))
           for table, action, _, _, shape in blocks):
        return [f"Passwords can no longer be restored: the journal keeps password hashes for "
                f"{credentials.retention_days(db)} days, and this operation's were erased "
                f"on {op['credentials_erased'][:10]}."]
    return []


def undo(db: sqlite_utils.Database, operation_id: int, operator: Operator) -> UndoReport:
    """Undo operation ``operation_id``, or raise NotUndoable / NotPermitted / Busy.

    Patrons this operator may not change (their own account; below level 0, anyone whose
    group — now, or as it would be put back — is at or above their level) are left as
    they are and reported as skipped, with the reason."""
    check(db, operation_id, operator)  # a refusal before the write lock is even asked for
    begin_write(db)
    try:
        op = _undoable(db, operation_id)  # again, under the lock: someone may just have undone it
        blocks = _blocks(db, operation_id)
        authority.authorize(db, operator, needs(db, op, blocks, operator), f"undo {op['title']}")
        if operation_id in credentials.erase_expired(db):
            op = _undoable(db, operation_id)
        notes = _notes(db, op, blocks)
        now = clock.now()
        title = f"Undo of {op['title']} (#{operation_id})"
        undo_id = db.execute(
            """INSERT INTO operations (utility, title, operator, operator_id, started, finished,
                   selection, options, matched, changed, unchanged, skipped, undo_of)
               VALUES (:utility, :title, :operator, :operator_id, :now, :now, :selection,
                       :options, 0, 0, 0, 0, :op)""",
            {"utility": op["utility"], "title": title, "operator": operator.username,
             "operator_id": operator.patron_id, "now": now,
             "selection": op["selection"], "options": op["options"], "op": operation_id},
        ).lastrowid
        db.execute(f"DROP TABLE IF EXISTS {CONFLICTS}")
        db.execute(f"CREATE TEMP TABLE {CONFLICTS.split('.')[1]} (journal_id INTEGER PRIMARY KEY, "
                   "table_name TEXT NOT NULL, row_id INTEGER NOT NULL, reason TEXT NOT NULL)")
        _guard(db, operation_id, operator)
        _forbid(db, operation_id)
        erased = op["credentials_erased"] is not None
        for table, action, low, high, _ in blocks:
            _Block(db, operation_id, undo_id, table, action, low, high, erased).restore()
        counts = _report(db, operation_id, undo_id)
        conflicts = [Conflict(*row) for row in db.execute(
            f"SELECT c.table_name, c.row_id, {_patron_of(db)}, c.reason FROM {CONFLICTS} c "
            "JOIN operation_rows j ON j.id = c.journal_id ORDER BY c.journal_id",
            {"op": operation_id})]
        db.execute("UPDATE operations SET undone_by = :undo WHERE id = :op",
                   {"undo": undo_id, "op": operation_id})
        db.execute("UPDATE operations SET finished = :t WHERE id = :id",
                   {"t": clock.now(), "id": undo_id})
        db.execute(f"DROP TABLE {CONFLICTS}")
        db.execute(f"DROP TABLE {GUARD}")
        # Neither can be undone again: their password hashes have served their purpose.
        if op["credentials_erased"] is None:
            credentials.erase(db, operation_id)
            credentials.erase(db, undo_id)
        else:  # none were kept (or they are gone already): the undo copied none
            credentials.nothing_to_erase(db, undo_id)
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise
    return UndoReport(undo_id, operation_id, title, counts, conflicts, notes)


def _guard(db: sqlite_utils.Database, operation_id: int, operator: Operator) -> None:
    """temp.undo_guard: the patrons of this operation that ``operator`` may not put back —
    their own account, and below level 0 anyone whose group is at or above their level now
    or would be once restored (restoring a group is assigning it; removing an account is
    removing a patron)."""
    params = {"op": operation_id, "me": operator.patron_id, "level": operator.level}
    db.execute(f"DROP TABLE IF EXISTS {GUARD}")
    db.execute(f"CREATE TEMP TABLE {GUARD.split('.')[1]} "
               "(patron_id INTEGER PRIMARY KEY, reason TEXT NOT NULL)")
    db.execute(f"""INSERT INTO {GUARD} SELECT :me, '{authority.OWN_ACCOUNT}'
                   WHERE EXISTS (SELECT 1 FROM operation_changes WHERE operation_id = :op
                                 AND patron_id = :me AND outcome = 'change')""", params)
    if operator.level == 0:
        return
    not_below = "'), not below your level ' || :level"
    db.execute(f"""INSERT OR IGNORE INTO {GUARD}
                   SELECT c.patron_id, 'in ' || g.name || ' (level ' || g.level || {not_below}
                   FROM operation_changes c JOIN patrons p ON p.id = c.patron_id
                   JOIN security_groups g ON g.name = p.security_group
                   WHERE c.operation_id = :op AND c.outcome = 'change' AND g.level <= :level""",
               params)
    db.execute(f"""INSERT OR IGNORE INTO {GUARD}
                   SELECT j.row_id, 'would be put back in ' || g.name || ' (level ' || g.level
                          || {not_below}
                   FROM operation_rows j
                   JOIN security_groups g ON g.name = json_extract(j.before, '$.security_group')
                   WHERE j.operation_id = :op AND j.table_name = 'patrons' AND g.level <= :level""",
               params)


def _forbid(db: sqlite_utils.Database, operation_id: int) -> None:
    """Every journal row of a guarded patron is left as it is (a conflict with the reason)."""
    if db.execute(f"SELECT 1 FROM {GUARD} LIMIT 1").fetchone() is None:
        return
    db.execute(f"""INSERT OR IGNORE INTO {CONFLICTS} (journal_id, table_name, row_id, reason)
                   SELECT j.id, j.table_name, j.row_id, g.reason
                   FROM operation_rows j JOIN {GUARD} g ON g.patron_id = ({_patron_of(db)})
                   WHERE j.operation_id = :op""", {"op": operation_id})


def _undoable(db: sqlite_utils.Database, operation_id: int) -> dict:
    row = db.execute("SELECT * FROM operations WHERE id = ?", [operation_id]).fetchone()
    if row is None:
        raise NotUndoable(f"there is no operation #{operation_id}")
    op = dict(zip([d[0] for d in db.execute("SELECT * FROM operations LIMIT 0").description], row))
    if op["undone_by"] is not None:
        raise NotUndoable(f"operation #{operation_id} was already undone by operation "
                          f"#{op['undone_by']}")
    if op["undo_of"] is not None:
        raise NotUndoable(f"operation #{operation_id} is itself an undo (of #{op['undo_of']}); "
                          "to make that change again, run the utility again")
    return op


# An update row's shape: the columns its images hold.
_SHAPE = "CASE WHEN action = 'update' THEN (SELECT group_concat(key) FROM json_each(after)) END"


def _blocks(db: sqlite_utils.Database,
            operation_id: int) -> list[tuple[str, str, int, int, str | None]]:
    """Runs of consecutive journal rows of one table and action (and, for updates, the same
    columns: a username change then a password change of one patron are two runs), newest
    run first.

    Walked run by run in id order (an operation's rows are consecutive: it wrote them in
    one transaction), so a million rows are read once and never sorted."""
    first, last = db.execute("SELECT min(id), max(id) FROM operation_rows WHERE operation_id = ?",
                             [operation_id]).fetchone()
    blocks = []
    low = first
    while low is not None:
        table, action, shape = db.execute(
            f"SELECT table_name, action, {_SHAPE} FROM operation_rows WHERE id = ?", [low]).fetchone()
        # +operation_id: walk the rowid from low, not the (operation_id, table) index.
        after = db.execute(
            f"""SELECT id FROM operation_rows
                WHERE id > :low AND id <= :last AND +operation_id = :op
                  AND NOT (table_name = :table AND action = :action AND {_SHAPE} IS :shape)
                ORDER BY id LIMIT 1""",
            {"low": low, "last": last, "op": operation_id, "table": table, "action": action,
             "shape": shape}).fetchone()
        high = after[0] - 1 if after else last
        blocks.append((table, action, low, high, shape))
        low = after[0] if after else None
    return blocks[::-1]


# Which patron a journal row ``j`` belongs to: the row itself, the patron_id its image
# holds, the patron_id of the live row (an image of a loan's due date holds no patron), or
# — for an item declared lost — the patron whose loan of it the same operation removed.
_PATRON_OF = """CASE
    WHEN j.table_name = 'patrons' THEN j.row_id
    WHEN json_extract(coalesce(j.before, j.after), '$.patron_id') IS NOT NULL
        THEN json_extract(coalesce(j.before, j.after), '$.patron_id')
    {live}
    ELSE (SELECT json_extract(k.before, '$.patron_id') FROM operation_rows k
          WHERE k.operation_id = :op AND k.table_name = 'checkouts'
            AND json_extract(k.before, '$.item_id') = CASE j.table_name
                WHEN 'items' THEN j.row_id ELSE json_extract(j.after, '$.item_id') END)
END"""


def _patron_of(db: sqlite_utils.Database) -> str:
    """_PATRON_OF with a live-row lookup for every table that has a patron_id column."""
    tables = [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'operation%'")]
    owned = [t for t in tables
             if any(c[1] == "patron_id" for c in db.execute(f"PRAGMA table_info('{t}')"))]
    return _PATRON_OF.format(live=" ".join(
        f"WHEN j.table_name = '{t}' THEN (SELECT x.patron_id FROM {t} x WHERE x.rowid = j.row_id)"
        for t in owned))


def _report(db: sqlite_utils.Database, operation_id: int, undo_id: int) -> Counts:
    """The undo's per-patron report: each patron the operation changed, restored or not."""
    db.execute(
        f"""INSERT INTO operation_changes
                (operation_id, seq, patron_id, barcode, name, outcome, reason, before, after)
            SELECT :undo, ch.seq, ch.patron_id, ch.barcode, ch.name,
                   CASE WHEN bad.reason IS NULL THEN 'change' ELSE 'skip' END,
                   bad.reason, ch.after, ch.before
            FROM operation_changes ch
            LEFT JOIN (SELECT patron_id, 'not restored: ' || group_concat(reason, '; ') AS reason
                       FROM (SELECT {_patron_of(db)} AS patron_id, c.reason,
                                    max(c.journal_id) AS latest
                             FROM {CONFLICTS} c JOIN operation_rows j ON j.id = c.journal_id
                             GROUP BY 1, 2 ORDER BY latest DESC)  -- each reason once, the
                       GROUP BY patron_id) bad                    -- patron's own first
                 ON bad.patron_id = ch.patron_id
            WHERE ch.operation_id = :op AND ch.outcome = 'change'""",
        {"op": operation_id, "undo": undo_id})
    by = dict(db.execute("SELECT outcome, count(*) FROM operation_changes WHERE operation_id = ? "
                         "GROUP BY outcome", [undo_id]).fetchall())
    counts = Counts(matched=sum(by.values()), change=by.get("change", 0), unchanged=0,
                    skip=by.get("skip", 0))
    db.execute("UPDATE operations SET matched = :m, changed = :c, skipped = :s WHERE id = :id",
               {"m": counts.matched, "c": counts.change, "s": counts.skip, "id": undo_id})
    return counts


class _Block:
    """One run of journal rows (one table, one action) and how to put it back."""

    def __init__(self, db: sqlite_utils.Database, operation_id: int, undo_id: int,
                 table: str, action: str, low: int, high: int, erased: bool = False):
        self.db, self.table, self.action = db, table, action
        self.erased = erased  # the journal's password hashes are gone
        self.params = {"op": operation_id, "undo": undo_id, "low": low, "high": high}
        self.block = "j.id BETWEEN :low AND :high"
        self.rows = f"operation_rows j WHERE {self.block}"
        self.source = "operation_rows"  # where conflict() and value() read the images
        self.kept = f"j.id NOT IN (SELECT journal_id FROM {CONFLICTS})"
        info = db.execute(f"PRAGMA table_info('{table}')").fetchall()
        self.types = {r[1]: (r[2] or "").upper() for r in info}

    def restore(self) -> None:
        # A patron whose own record could not be put back keeps everything else as it is
        # too (their items stay Lost, their loans are not half restored).
        if self.db.execute(f"SELECT 1 FROM {CONFLICTS} WHERE table_name = 'patrons' LIMIT 1").fetchone():
            patron = _patron_of(self.db)
            self.conflict(f"{patron} IN (SELECT c.row_id FROM {CONFLICTS} c "
                          "WHERE c.table_name = 'patrons')",
                          f"'patron ' || {patron} || ' could not be restored'")
        secret = set(credentials.COLUMNS.get(self.table, ()))
        if self.action == "update" and self.erased and secret & set(self.keys()):
            self.conflict("1", "'its password can no longer be restored (the journal''s "
                               "password hashes were erased)'")
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
            self.params)

    def parents_missing(self, image: str, columns: list[str]) -> None:
        """Rows whose restored values would point at something gone, or not put back."""
        for parent, source, target in _foreign_keys(self.db, self.table):
            if source not in columns:
                continue
            value = self.value(image, source)
            unrestored = (f" OR EXISTS (SELECT 1 FROM {CONFLICTS} u WHERE u.table_name = '{parent}' "
                          f"AND u.row_id = {value})") if target == "id" else ""
            self.conflict(
                f"{value} IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM {parent} "
                f"WHERE {target} = {value}){unrestored})",
                f"'its {_singular(parent)} ' || {value} || ' could not be restored'")

    # -- the three actions -------------------------------------------------------------------
    def _update(self) -> None:
        """Put back the before values, unless one of them changed again since.

        'modified' is not compared: a later change to another column does not stop this
        one being undone; it goes back only if nothing changed the row since."""
        keys = [k for k in self.keys() if k != "modified"]
        stamp = "modified" in self.types and "modified" in self.keys()
        self._take_out_values(keys + (["modified"] if stamp else []))
        join = f"LEFT JOIN {self.table} t ON t.rowid = j.row_id"
        secret = credentials.COLUMNS.get(self.table, ())
        # What changed, column by column (a password hash is never written into a report).
        changed = " || ".join(
            f"CASE WHEN NOT ({self.same('after', k)}) THEN " + (
                f"'{k} was changed again since; '" if k in secret else
                f"'{k} is now ' || coalesce(quote(t.{k}), 'NULL') || ' (the operation set ' || "
                f"coalesce(quote({self.value('after', k)}), 'NULL') || '); '") + " ELSE '' END"
            for k in keys)
        changed = f"rtrim({changed}, '; ')"
        # One pass over the block for both: the row is gone, or a column changed since.
        self.conflict("t.rowid IS NULL OR " + " OR ".join(f"NOT ({self.same('after', k)})" for k in keys),
                      f"CASE WHEN t.rowid IS NULL THEN '{_singular(self.table)} ' || j.row_id || "
                      f"' was removed since' ELSE {changed} END", join)
        self.parents_missing("before", keys)
        sets = ", ".join(f"{k} = {self.value('before', k)}" for k in keys)
        if stamp:
            sets += (f", modified = CASE WHEN modified IS {self.value('after', 'modified')} "
                     f"THEN {self.value('before', 'modified')} ELSE modified END")
        # OR IGNORE: a unique value (a username) taken since leaves the row as it is.
        # From a subquery sorted by row: SQLite then writes the table front to back (a third
        # faster at a million rows than joining the images directly).
        self.db.execute(f"""UPDATE OR IGNORE {self.table} SET {sets}
                            FROM (SELECT * FROM {IMAGES} j WHERE {self.kept} ORDER BY j.row_id) j
                            WHERE j.row_id = {self.table}.rowid""",
                        self.params)
        if set(keys) & _unique_columns(self.db, self.table):
            # OR IGNORE left a row whose unique value is taken: say so.
            self.conflict(" OR ".join(f"NOT ({self.same('before', k)})" for k in keys),
                          "'a value it had is now used by another row'", join)
        self.source = "operation_rows"
        self.db.execute(f"DROP TABLE {IMAGES}")
        self._journal("update", "j.after", "j.before")

    def _take_out_values(self, columns: list[str]) -> None:
        """The block's before and after values as plain columns of a temporary table, read
        from the JSON once: a million rows are then compared and restored without parsing
        each image again for every column, and the journal is read front to back first
        rather than between writes to the table being restored."""
        pairs = [(image, c) for c in columns for image in ("before", "after")]
        # Each value column declared as its table's column is, so comparisons apply the
        # same type affinity as they would against the table itself.
        declared = ", ".join(f'"{image}.{c}" {self.types.get(c, "")}' for image, c in pairs)
        values = ", ".join(self.value(image, c) for image, c in pairs)
        self.db.execute(f"DROP TABLE IF EXISTS {IMAGES}")
        self.db.execute(f"CREATE TEMP TABLE {IMAGES.split('.')[1]} "
                        f"(id INTEGER, table_name TEXT, row_id INTEGER, {declared})")
        self.db.execute(f"""INSERT INTO {IMAGES} SELECT j.id, j.table_name, j.row_id, {values}
                            FROM {self.rows} ORDER BY j.id""", self.params)
        self.source = IMAGES

    def _remove(self) -> None:
        """Remove a row the operation added, unless it changed since or is still used."""
        columns = list(self.types)
        join = f"LEFT JOIN {self.table} t ON t.rowid = j.row_id"
        self.conflict("t.rowid IS NULL", "'already removed'", join)
        self.conflict(" OR ".join(f"NOT ({self.same('after', c)})" for c in columns),
                      "'changed since the operation'", join)
        for child, source, target in _children(self.db, self.table):
            self.conflict(f"EXISTS (SELECT 1 FROM {child} x WHERE x.{source} = t.{target})",
                          f"'still used by {child}'", join)
        self.db.execute(f"DELETE FROM {self.table} WHERE rowid IN "
                        f"(SELECT j.row_id FROM {self.rows} AND {self.kept})", self.params)
        self._journal("delete", "j.after", "NULL")

    def _reinsert(self) -> None:
        """Insert a removed row again with its own id, unless that id or a unique value is taken."""
        columns = list(self.types)
        self.conflict(f"EXISTS (SELECT 1 FROM {self.table} t WHERE t.rowid = j.row_id)",
                      "'its id is used by a row added since'")
        self.parents_missing("before", columns)
        values = ", ".join(self.value("before", c) for c in columns)
        self.db.execute(f"""INSERT OR IGNORE INTO {self.table} ({", ".join(columns)})
                            SELECT {values} FROM {self.rows} AND {self.kept} ORDER BY j.id""",
                        self.params)
        self.conflict(f"NOT EXISTS (SELECT 1 FROM {self.table} t WHERE t.rowid = j.row_id)",
                      "'a unique value it had (such as a barcode) is now used by another row'")
        self._journal("insert", "NULL", "j.before")

    def _journal(self, action: str, before: str, after: str) -> None:
        self.db.execute(
            f"""INSERT INTO operation_rows (operation_id, table_name, row_id, action, before, after)
                SELECT :undo, j.table_name, j.row_id, '{action}', {before}, {after}
                FROM {self.rows} AND {self.kept} ORDER BY j.id""",
            self.params)


def _foreign_keys(db: sqlite_utils.Database, table: str) -> list[tuple[str, str, str]]:
    """(parent table, column here, parent column) for each foreign key of ``table``."""
    return [(fk[2], fk[3], fk[4] or "rowid")
            for fk in db.execute(f"PRAGMA foreign_key_list('{table}')").fetchall()]


def _unique_columns(db: sqlite_utils.Database, table: str) -> set[str]:
    """Columns of ``table`` in a UNIQUE constraint or index (an update may collide on them)."""
    return {column[2] for index in db.execute(f"PRAGMA index_list('{table}')").fetchall()
            if index[2] for column in db.execute(f"PRAGMA index_info('{index[1]}')").fetchall()}


def _children(db: sqlite_utils.Database, table: str) -> list[tuple[str, str, str]]:
    """(child table, its column, column here) for each foreign key pointing at ``table``."""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return [(child, source, target) for child in tables
            for parent, source, target in _foreign_keys(db, child) if parent == table]


def _singular(table: str) -> str:
    return {"patrons": "patron", "items": "item", "checkouts": "loan", "history": "history entry",
            "charges": "charge", "notes": "note", "reviews": "review"}.get(table, table + " row")
