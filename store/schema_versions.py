"""The patron database's tables, version by version: the SQL script of each schema version
(V1 the tables as first made, V2… what each later version changed) and the values their
CHECK constraints allow.

store/schema.py runs them, in order, to migrate a database.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A patron's status, as the vendor manual lists them (the CHECK constraint's values)."""

    ACTIVE = "Active"
    CARD_LOST = "Card Lost"
    SUSPENDED = "Suspended"
    TRANSFERRED = "Transferred"
    INACTIVE = "Inactive"
    OTHER = "Other"


class NoteType(StrEnum):
    CONTACT = "Contact"
    GENERAL = "General"
    ALERT = "Alert"
    CATEGORY = "Category"


STATUSES = tuple(s.value for s in Status)
NOTE_TYPES = tuple(t.value for t in NoteType)
# Version 1 knew the first seven; version 2 adds 'forgiven' (Forgive Charges).
HISTORY_KINDS = ("payment", "credit", "renewal", "lost", "refund", "lexile", "returned", "forgiven")

_statuses = ", ".join(f"'{s}'" for s in STATUSES)
_note_types = ", ".join(f"'{t}'" for t in NOTE_TYPES)
_history_kinds = ", ".join(f"'{k}'" for k in HISTORY_KINDS[:7])
_history_kinds_v2 = ", ".join(f"'{k}'" for k in HISTORY_KINDS)

# Names (not ids) link patrons to grades, policies, groups and sites, so a
# before-image in the journal reads as the librarian sees it; ON UPDATE CASCADE
# keeps them right when one is renamed.
V1 = f"""
CREATE TABLE sites (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    is_union INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE grades (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    is_last INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE policies (
    name TEXT PRIMARY KEY,
    account_days INTEGER,
    loan_days INTEGER NOT NULL DEFAULT 14,
    fine_per_day INTEGER NOT NULL DEFAULT 0,
    max_fine INTEGER
);
CREATE TABLE security_groups (
    name TEXT PRIMARY KEY,
    level INTEGER NOT NULL CHECK (level >= 0),
    permissions TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE patrons (
    id INTEGER PRIMARY KEY,
    barcode TEXT NOT NULL UNIQUE CHECK (length(barcode) BETWEEN 1 AND 15),
    first_name TEXT NOT NULL DEFAULT '',
    middle_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL CHECK (last_name <> ''),
    nickname TEXT NOT NULL DEFAULT '',
    grade TEXT REFERENCES grades(name) ON UPDATE CASCADE,
    location TEXT,
    location2 TEXT,
    policy TEXT REFERENCES policies(name) ON UPDATE CASCADE,
    security_group TEXT REFERENCES security_groups(name) ON UPDATE CASCADE,
    status TEXT NOT NULL DEFAULT 'Active' CHECK (status IN ({_statuses})),
    site TEXT NOT NULL REFERENCES sites(code) ON UPDATE CASCADE,
    graduation_date TEXT,
    expiration_date TEXT,
    -- Logins ignore case, so two usernames may not differ only in case.
    username TEXT COLLATE NOCASE UNIQUE,
    password_hash TEXT,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX patrons_last_name ON patrons(last_name COLLATE NOCASE, first_name, barcode);
CREATE INDEX patrons_grade ON patrons(grade);
CREATE INDEX patrons_location ON patrons(location);
CREATE INDEX patrons_location2 ON patrons(location2);
CREATE INDEX patrons_policy ON patrons(policy);
CREATE INDEX patrons_status ON patrons(status);
CREATE INDEX patrons_site ON patrons(site);
CREATE INDEX patrons_security_group ON patrons(security_group);
CREATE INDEX patrons_graduation_date ON patrons(graduation_date);
CREATE INDEX patrons_expiration_date ON patrons(expiration_date);

CREATE TABLE patron_emails (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    position INTEGER NOT NULL,
    address TEXT NOT NULL,
    UNIQUE (patron_id, position)
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    type TEXT NOT NULL CHECK (type IN ({_note_types})),
    text TEXT NOT NULL CHECK (length(text) <= 500),
    created TEXT NOT NULL
);
CREATE INDEX notes_patron ON notes(patron_id, type);
CREATE TABLE pictures (
    patron_id INTEGER PRIMARY KEY REFERENCES patrons(id),
    image BLOB NOT NULL
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    barcode TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'Available',
    price INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE checkouts (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL UNIQUE REFERENCES items(id),
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    checked_out TEXT NOT NULL,
    due_date TEXT NOT NULL,
    -- Fines accrue from due_date until this day (set when a fine is forgiven).
    fines_from TEXT
);
CREATE INDEX checkouts_patron ON checkouts(patron_id);
CREATE TABLE holds (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    title TEXT NOT NULL,
    placed TEXT NOT NULL
);
CREATE INDEX holds_patron ON holds(patron_id);
CREATE TABLE reservations (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    title TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);
CREATE INDEX reservations_patron ON reservations(patron_id);
CREATE TABLE charges (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    description TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    transaction_date TEXT NOT NULL,
    is_credit INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX charges_patron ON charges(patron_id);
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    kind TEXT NOT NULL CHECK (kind IN ({_history_kinds})),
    detail TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL
);
CREATE INDEX history_patron ON history(patron_id);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX reviews_patron ON reviews(patron_id);
CREATE TABLE preferences (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER REFERENCES patrons(id),
    -- 'password-reset' messages get their single-use link when they are sent.
    kind TEXT NOT NULL DEFAULT 'message',
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    sent TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX outbox_unsent ON outbox(sent);
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    token_hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    used TEXT
);
CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until REAL
);

-- The journal: one row per operation, one per matched patron (the report),
-- and the before-images an undo restores.
CREATE TABLE operations (
    id INTEGER PRIMARY KEY,
    utility TEXT NOT NULL,
    title TEXT NOT NULL,
    operator TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    selection TEXT NOT NULL,
    options TEXT NOT NULL,
    matched INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    excluded INTEGER NOT NULL DEFAULT 0,
    undo_of INTEGER REFERENCES operations(id),
    undone_by INTEGER REFERENCES operations(id)
);
CREATE TABLE operation_changes (
    operation_id INTEGER NOT NULL REFERENCES operations(id),
    seq INTEGER NOT NULL,
    patron_id INTEGER NOT NULL,
    barcode TEXT NOT NULL,
    name TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('change', 'unchanged', 'skip')),
    reason TEXT,
    -- No declared type: a count stays a number, a name stays text.
    before,
    after,
    PRIMARY KEY (operation_id, seq)
) WITHOUT ROWID;
CREATE INDEX operation_changes_outcome ON operation_changes(operation_id, outcome);
CREATE TABLE operation_rows (
    id INTEGER PRIMARY KEY,
    operation_id INTEGER NOT NULL REFERENCES operations(id),
    table_name TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('update', 'insert', 'delete')),
    before TEXT,
    after TEXT
);
CREATE INDEX operation_rows_operation ON operation_rows(operation_id, table_name);
"""

# Version 2: forgiven charges leave a 'forgiven' history entry (SQLite cannot alter a
# CHECK, so the table is rebuilt); items keep a history of their own (declared lost when
# a removed patron had them); the Unknown Patron, who keeps removed patrons' reviews, is
# marked so it is never removed; saved runs keep a utility's selections and options
# under a name.
V2 = f"""
CREATE TABLE history_v2 (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    kind TEXT NOT NULL CHECK (kind IN ({_history_kinds_v2})),
    detail TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL
);
INSERT INTO history_v2 (id, patron_id, kind, detail, date)
    SELECT id, patron_id, kind, detail, date FROM history;
DROP TABLE history;
ALTER TABLE history_v2 RENAME TO history;
CREATE INDEX history_patron ON history(patron_id);
CREATE TABLE item_history (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL
);
CREATE INDEX item_history_item ON item_history(item_id);
ALTER TABLE patrons ADD COLUMN is_unknown INTEGER NOT NULL DEFAULT 0;
-- A listed barcode no patron has is reported too, without a patron (patron_id NULL).
CREATE TABLE operation_changes_v2 (
    operation_id INTEGER NOT NULL REFERENCES operations(id),
    seq INTEGER NOT NULL,
    patron_id INTEGER,
    barcode TEXT NOT NULL,
    name TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('change', 'unchanged', 'skip')),
    reason TEXT,
    before,
    after,
    PRIMARY KEY (operation_id, seq)
) WITHOUT ROWID;
INSERT INTO operation_changes_v2 SELECT * FROM operation_changes;
DROP TABLE operation_changes;
ALTER TABLE operation_changes_v2 RENAME TO operation_changes;
CREATE INDEX operation_changes_outcome ON operation_changes(operation_id, outcome);
CREATE TABLE saved_runs (
    id INTEGER PRIMARY KEY,
    utility TEXT NOT NULL,
    name TEXT NOT NULL,
    selection TEXT NOT NULL,
    options TEXT NOT NULL,
    operator TEXT NOT NULL,
    saved TEXT NOT NULL,
    UNIQUE (utility, name COLLATE NOCASE)
);
"""

# V3: the preview's order (last, first name ignoring case, then barcode) as an index, so
# its first page is read straight off the index instead of sorting every matched patron.
V3 = """
DROP INDEX patrons_last_name;
CREATE INDEX patrons_preview_order ON patrons(last_name COLLATE NOCASE, \
first_name COLLATE NOCASE, barcode);
"""

# V4: a saved run belongs to the operator who saved it (by patron id: a username can be
# given to someone else); an operation says when the password hashes in its journal were
# erased (NULL: it may still hold some), indexed for the retention sweep; and which patron
# ran it (the username alone can later belong to someone else); an undo that could not put
# everything back leaves its operation partly undone, to be undone again later.
V4 = """
ALTER TABLE saved_runs ADD COLUMN owner_id INTEGER;
UPDATE saved_runs
   SET owner_id = (SELECT p.id FROM patrons p WHERE p.username = saved_runs.operator);
ALTER TABLE operations ADD COLUMN credentials_erased TEXT;
ALTER TABLE operations ADD COLUMN operator_id INTEGER;
ALTER TABLE operations ADD COLUMN partly_undone_by INTEGER REFERENCES operations(id);
-- Journal rows an undo put back while others of the same operation could not be: a later
-- undo of that operation restores only the rest.
CREATE TABLE undo_restored (
    journal_id INTEGER PRIMARY KEY REFERENCES operation_rows(id),
    undo_id INTEGER NOT NULL REFERENCES operations(id)
);
CREATE INDEX operations_credentials ON operations(started) WHERE credentials_erased IS NULL;
"""

# V5: what an operation did besides the patrons' own rows (loans re-dated, notes removed,
# money forgiven), said once at the moment of writing so its summary can say it again.
V5 = """
ALTER TABLE operations ADD COLUMN effects TEXT;
"""

# V6: operators' SSH public keys (the key, as OpenSSH writes it, and its SHA256 fingerprint,
# each registered once, to one operator), and how each operation was made: "terminal" (the
# app on this computer), "command line", "ssh from 203.0.113.5"; NULL for one made before.
V6 = """
CREATE TABLE operator_keys (
    id INTEGER PRIMARY KEY,
    patron_id INTEGER NOT NULL REFERENCES patrons(id),
    algorithm TEXT NOT NULL,
    key_base64 TEXT NOT NULL UNIQUE,
    comment TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL UNIQUE,
    added TEXT NOT NULL,
    added_by TEXT NOT NULL
);
CREATE INDEX operator_keys_patron ON operator_keys(patron_id);
ALTER TABLE operations ADD COLUMN via TEXT;
"""

# V7: a loan keeps the fine terms it was checked out under (the vendor manual: newly changed
# patron policies do not affect the fines of items already checked out; Recompute Due Dates
# gives them the new policy's). Loans already out get their patron's policy as it is now;
# a loan inserted without terms (a door that does not say them, or an undo restoring a loan
# journaled before this version) gets its patron's policy at that moment. fine_per_day 0: no
# fine; max_fine NULL: no maximum.
V7 = """
ALTER TABLE checkouts ADD COLUMN fine_per_day INTEGER CHECK (fine_per_day >= 0);
ALTER TABLE checkouts ADD COLUMN max_fine INTEGER CHECK (max_fine >= 0);
UPDATE checkouts SET
    fine_per_day = coalesce((SELECT pol.fine_per_day FROM patrons p
                             JOIN policies pol ON pol.name = p.policy
                             WHERE p.id = checkouts.patron_id), 0),
    max_fine = (SELECT pol.max_fine FROM patrons p JOIN policies pol ON pol.name = p.policy
                WHERE p.id = checkouts.patron_id);
CREATE TRIGGER checkouts_terms AFTER INSERT ON checkouts WHEN NEW.fine_per_day IS NULL
BEGIN
    UPDATE checkouts SET
        fine_per_day = coalesce((SELECT pol.fine_per_day FROM patrons p
                                 JOIN policies pol ON pol.name = p.policy
                                 WHERE p.id = NEW.patron_id), 0),
        max_fine = (SELECT pol.max_fine FROM patrons p JOIN policies pol ON pol.name = p.policy
                    WHERE p.id = NEW.patron_id)
    WHERE id = NEW.id;
END;
"""

# V8: the school roster's id of a patron (OneRoster's sourcedId), kept by Sync from Roster so
# a changed barcode or name is an update of the same patron, not a new patron plus a
# transfer. NULL for patrons no roster made; each id names one patron.
V8 = """
ALTER TABLE patrons ADD COLUMN roster_id TEXT;
CREATE UNIQUE INDEX patrons_roster_id ON patrons(roster_id) WHERE roster_id IS NOT NULL;
"""
