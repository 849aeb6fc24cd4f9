"""Operators' SSH public keys: registering, listing and removing them (refused by name when
malformed, private, short or taken), a removed operator's keys and their undo, and the
migration to schema version 6 (logging in by key: test_operator_key_logins.py)."""

from __future__ import annotations

import re
import sqlite3

import asyncssh
import pytest

import store
from store.operator_keys import KeyInfo
from store.schema import MIGRATIONS, _statements

from ..operators import ADMIN, AIDE
from .operator_key_helpers import new_key, public

pytestmark = pytest.mark.usefixtures("fast")  # cheap logins (tests/conftest.py)
NOW = "2026-06-01 09:00:00"  # clock.now() while conftest fixes today


def key_rows(s: store.Store) -> list[tuple]:
    return s.db.execute(
        "SELECT patron_id, algorithm, key_base64, comment, fingerprint, added, added_by "
        "FROM operator_keys ORDER BY id"
    ).fetchall()


# -- add, list, remove -------------------------------------------------------------------------


def test_an_operator_adds_lists_and_removes_their_own_key(keyed):
    key = new_key(comment="alex@laptop")
    info = keyed.add_key(AIDE, "aide", public(key))
    assert info == KeyInfo(key.get_fingerprint(), "ssh-ed25519", "alex@laptop", NOW, "aide")
    assert info.fingerprint.startswith("SHA256:")
    assert key_rows(keyed) == [
        (
            AIDE.patron_id,
            "ssh-ed25519",
            public(key).split()[1],
            "alex@laptop",
            key.get_fingerprint(),
            NOW,
            "aide",
        )
    ]
    assert keyed.keys(AIDE, "AIDE") == [info]  # usernames ignore case
    assert keyed.remove_key(AIDE, "aide", info.fingerprint) == info
    assert key_rows(keyed) == []
    assert keyed.keys(AIDE, "aide") == []


def test_level_0_adds_and_removes_keys_of_another_operator(keyed):
    rsa = new_key("ssh-rsa")
    ecdsa = new_key("ecdsa-sha2-nistp256", comment="phone")
    first = keyed.add_key(ADMIN, "aide", public(rsa))
    second = keyed.add_key(ADMIN, "aide", public(ecdsa))
    assert (first.algorithm, first.comment, first.added_by) == ("ssh-rsa", "", "demo")
    assert first.fingerprint == rsa.get_fingerprint()
    assert second.algorithm == "ecdsa-sha2-nistp256"
    assert [k.fingerprint for k in keyed.keys(ADMIN, "aide")] == [
        first.fingerprint,
        second.fingerprint,
    ]
    assert [r[0] for r in key_rows(keyed)] == [AIDE.patron_id, AIDE.patron_id]
    # Without its "SHA256:" prefix, as some tools print it.
    keyed.remove_key(ADMIN, "aide", first.fingerprint.removeprefix("SHA256:"))
    assert [k.fingerprint for k in keyed.keys(AIDE, "aide")] == [second.fingerprint]


def test_an_operator_below_level_0_may_not_touch_anothers_keys(keyed):
    theirs = keyed.add_key(ADMIN, "demo", public(new_key()))
    before = key_rows(keyed)
    with pytest.raises(store.NotPermitted, match="aide may not add keys of demo"):
        keyed.add_key(AIDE, "demo", public(new_key()))
    with pytest.raises(store.NotPermitted, match="aide may not see the keys of demo"):
        keyed.keys(AIDE, "demo")
    with pytest.raises(store.NotPermitted, match="aide may not remove keys of demo"):
        keyed.remove_key(AIDE, "demo", theirs.fingerprint)
    # Nor of a name nobody has: refused the same way, so it says nothing of who exists.
    with pytest.raises(store.NotPermitted):
        keyed.keys(AIDE, "nobody")
    assert key_rows(keyed) == before


def test_keys_of_an_unknown_username_are_invalid_for_level_0(keyed):
    with pytest.raises(store.Invalid, match="no patron has the username 'nobody'"):
        keyed.add_key(ADMIN, "nobody", public(new_key()))
    assert key_rows(keyed) == []


def test_removing_an_unknown_fingerprint_names_it(keyed):
    keyed.add_key(AIDE, "aide", public(new_key()))
    before = key_rows(keyed)
    with pytest.raises(store.Invalid) as info:
        keyed.remove_key(AIDE, "aide", "SHA256:notakey")
    assert info.value.problems[0].field == "fingerprint"
    assert "aide has no key 'SHA256:notakey'" in info.value.problems[0].message
    assert key_rows(keyed) == before


@pytest.mark.parametrize("form", ["openssh", "pkcs1-pem", "pkcs8-pem"])
def test_a_private_key_is_refused_and_never_stored(keyed, form):
    key = new_key("ssh-rsa") if form != "openssh" else new_key()
    text = key.export_private_key(form).decode()
    # asyncssh would read the public half out of an OpenSSH private key: refused before.
    with pytest.raises(store.Invalid) as info:
        keyed.add_key(AIDE, "aide", text)
    (problem,) = info.value.problems
    assert problem.field == "key" and "this is a PRIVATE key" in problem.message
    assert "not stored" in problem.message
    assert key_rows(keyed) == []


MALFORMED = {
    "words": ("hello world", "does not start with a key type"),
    "type only": ("ssh-ed25519", "has the key type 'ssh-ed25519' but no key data"),
    "bad data": ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbad me", "is not a valid ssh-ed25519 key"),
    "empty": ("\n\n# a comment only\n", "is empty"),
    "options": ('from="10.0.0.1" {key}', "begins with options"),
    "two keys": ("{key}\n{key}", "holds 2 lines"),
    "wrong type": ("ssh-rsa {data}", "is not a valid ssh-rsa key"),
    "binary": ("\x00\x01\x02", "NUL"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_key_says_what_is_wrong_and_writes_nothing(keyed, case):
    text, expected = MALFORMED[case]
    line = public(new_key()).strip()
    text = text.format(key=line, data=line.split()[1])
    with pytest.raises(store.Invalid) as info:
        keyed.add_key(AIDE, "aide", text)
    (problem,) = info.value.problems
    assert (problem.field, problem.title) == ("key", "Public key")
    assert expected in problem.message
    assert key_rows(keyed) == []


def test_a_short_rsa_key_is_refused(keyed):
    weak = asyncssh.generate_private_key("ssh-rsa", key_size=1024)
    with pytest.raises(store.Invalid, match="1024 bits; at least 2048"):
        keyed.add_key(AIDE, "aide", public(weak))
    assert key_rows(keyed) == []


def test_a_key_already_registered_is_refused_by_name(keyed):
    key = new_key()
    info = keyed.add_key(AIDE, "aide", public(key))
    before = key_rows(keyed)
    # Again, even with another comment: the same key.
    again = public(key).split()[:2] + ["another-comment"]
    with pytest.raises(
        store.Invalid, match=re.escape(f"{info.fingerprint} is already registered to aide")
    ):
        keyed.add_key(AIDE, "aide", " ".join(again))
    with pytest.raises(store.Invalid, match="already registered to aide"):
        keyed.add_key(ADMIN, "demo", public(key))  # level 0 is told whose it is
    mine = keyed.add_key(ADMIN, "demo", public(new_key()))
    with pytest.raises(store.Invalid, match="already registered to another operator"):
        keyed.add_key(AIDE, "aide", public_of(keyed, mine.fingerprint))
    assert len(key_rows(keyed)) == len(before) + 1


def public_of(s: store.Store, fingerprint: str) -> str:
    algorithm, data = s.db.execute(
        "SELECT algorithm, key_base64 FROM operator_keys WHERE fingerprint = ?", [fingerprint]
    ).fetchone()
    return f"{algorithm} {data}"


def test_a_refused_session_adds_nothing(keyed):
    keyed.db.execute("UPDATE patrons SET status = 'Suspended' WHERE id = ?", [AIDE.patron_id])
    with pytest.raises(store.SessionEnded, match="Suspended"):
        keyed.add_key(AIDE, "aide", public(new_key()))
    assert key_rows(keyed) == []


# -- a removed operator's keys go with them, and come back with an undo --------------------------


def test_removing_an_operator_removes_their_keys_and_undo_puts_them_back(keyed):
    key = new_key()
    keyed.add_key(AIDE, "aide", public(key))
    before = key_rows(keyed)
    plan = keyed.plan("remove-patrons", {"barcodes": ["STAFF002"]}, {}, ADMIN)
    report = keyed.apply(plan)
    assert report.counts.change == 1
    assert key_rows(keyed) == []
    assert keyed.db.execute(
        "SELECT count(*) FROM operation_rows WHERE operation_id = ? AND table_name = "
        "'operator_keys' AND action = 'delete'",
        [report.operation_id],
    ).fetchone() == (1,)
    keyed.undo(report.operation_id, ADMIN)
    assert key_rows(keyed) == before
    assert keyed.login_by_key("aide", public(key)).patron_id == AIDE.patron_id


# -- the migration to schema version 6 ----------------------------------------------------------


def test_a_version_5_database_gains_operator_keys_and_how_operations_were_made(tmp_path):
    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for script in MIGRATIONS[:5]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 5")
    conn.execute(
        "INSERT INTO operations (id, utility, title, operator, started, finished, selection, "
        "options, matched, changed, unchanged, skipped) VALUES (1, 'change-status', "
        "'Change Patron Status', 'demo', 's', 'f', '{}', '{}', 0, 0, 0, 0)"
    )
    assert "via" not in [r[1] for r in conn.execute("PRAGMA table_info(operations)")]
    conn.close()

    db = store.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == store.schema.VERSION == 8
        # An operation made before says nothing of how: not recorded, not guessed.
        assert db.execute("SELECT id, via FROM operations").fetchall() == [(1, None)]
        assert [r[1] for r in db.execute("PRAGMA table_info(operator_keys)")] == [
            "id",
            "patron_id",
            "algorithm",
            "key_base64",
            "comment",
            "fingerprint",
            "added",
            "added_by",
        ]
        assert [
            tuple(fk)[2:4] for fk in db.execute("PRAGMA foreign_key_list('operator_keys')")
        ] == [("patrons", "patron_id")]
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
            db.execute(
                "INSERT INTO operator_keys (patron_id, algorithm, key_base64, fingerprint, "
                "added, added_by) VALUES (99, 'ssh-ed25519', 'AAAA', 'SHA256:x', 'a', 'b')"
            )
    finally:
        db.conn.close()
    # Opened again: not migrated twice.
    db = store.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8
        assert db.execute("SELECT count(*) FROM operations").fetchone()[0] == 1
    finally:
        db.conn.close()


def test_a_database_of_a_newer_version_is_still_refused(small_db):
    path = small_db.path
    small_db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()
    with pytest.raises(store.NotADatabase, match="schema 9, this program knows 8"):
        store.connect(path)
