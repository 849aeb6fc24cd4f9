"""Hostile text kept and matched literally: a note stored, journaled and restored as typed, a
last name and listed barcodes matched as themselves (no wildcard, no escape, nothing cut).

The refusals by name are in test_bad_input.py."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import (
    assume,
    example,
    given,
)
from hypothesis import strategies as st

from store.control_chars import control_character, is_control
from store.selection import Selection, fold_name

from .bad_input_helpers import BARCODE, PID, examples, open_copy, outcome
from .hostile import (
    CONTROL,
    HOSTILE_OTHER,
    HOSTILE_TEXT,
    LONG,
    SQL,
    TEXT,
    WHITESPACE,
)


@pytest.fixture
def fresh(hostile_demo, hostile_operators, tmp_path):
    s = open_copy(hostile_demo, tmp_path / "demo.db")
    yield s, hostile_operators[0]
    s.close()


def _unstorable(text: str) -> bool:
    """What the models refuse in any text: a control character left once the ends are
    stripped (a NUL, an escape, a line break), or a lone surrogate (not UTF-8)."""
    return control_character(text.strip(WHITESPACE)) is not None or any(
        0xD800 <= ord(c) <= 0xDFFF for c in text
    )


def _notes(s, kind: str) -> list[str]:
    return [
        t
        for (t,) in s.db.execute(
            "SELECT text FROM notes WHERE patron_id = ? AND type = ? ORDER BY id", [PID, kind]
        )
    ]


@examples(20)
@given(
    text=st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        TEXT,
        st.tuples(st.sampled_from(SQL + CONTROL), TEXT).map("".join),
        st.integers(495, 505).map(lambda n: "'" * n),
    ),
    kind=st.sampled_from(["Contact", "General", "Alert", "Category"]),
)
@example(text="\x1f", kind="Alert")  # Python's strip takes it; the models keep and refuse it
@example(text="N\x00te", kind="Alert")  # undo restores through SQLite JSON, which stops at NUL
@example(text="'; DROP TABLE notes; --\x1b[31m\r\n%_\\", kind="General")
def test_hostile_note_is_stored_journaled_and_restored_literally(fresh, text, kind):
    s, admin = fresh
    options = {"note": text, "note_type": kind, "replace_existing": True}
    valid = outcome(
        s.utility("add-notes").Options,
        options,
        lambda: s.validate_options("add-notes", options, admin),
    )
    note = text.strip(WHITESPACE)
    if valid is None:  # refused only for a reason the model states
        assert not note or len(note) > 500 or _unstorable(text)
        return
    report = s.apply(s.plan("add-notes", {"barcodes": [BARCODE]}, options, admin))
    assert _notes(s, kind) == [note]
    assert json.loads(s.operation(report.operation_id)["options"])["note"] == note
    removed = s.apply(s.plan("remove-notes", {"barcodes": [BARCODE]}, {"note_type": kind}, admin))
    assert _notes(s, kind) == []
    undo = s.undo(removed.operation_id, admin)
    assert undo.conflicts == [] and _notes(s, kind) == [note]


@examples(25)
@given(
    name=st.one_of(
        st.sampled_from(SQL + CONTROL + LONG),
        TEXT,
        st.tuples(st.sampled_from(SQL), TEXT).map("".join),
    )
)
@example(name="\u200b")  # folds to nothing: would take in every patron
@example(name="'; DROP TABLE patrons; --")
@example(name="%")
def test_hostile_last_name_is_matched_literally(fresh, name):
    s, admin = fresh
    name = name.strip()  # as a technician would type it: the form strips the ends
    assume(name and not _unstorable(name))
    s.db.execute("UPDATE patrons SET last_name = ? WHERE id = ?", [name, PID])
    data = {"last_name_from": name, "last_name_to": name}
    sel = outcome(Selection, data, lambda: s.validate_selection(data))
    if not fold_name(name) or len(name) > 100:  # would compare as nothing (everyone) / too long
        assert sel is None
        return
    assert sel is not None
    plan = s.plan("renew-accounts", data, {}, admin)
    rows = {r.patron_id: r for r in s.page(plan, 0, 1000)}
    # Names compare folded, the end as a prefix: exactly those starting with the name.
    want = {
        pid
        for pid, last in s.db.execute("SELECT id, last_name FROM patrons")
        if fold_name(last).startswith(fold_name(name))
    }
    assert PID in rows and set(rows) == want
    if not fold_name(name)[0].isalnum():  # no demo name starts like this: only that patron
        assert set(rows) == {PID}
    first = s.db.execute("SELECT first_name FROM patrons WHERE id = ?", [PID]).fetchone()[0]
    assert rows[PID].name == f"{name}, {first}"


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@examples(20)
@given(
    listed=st.lists(
        st.one_of(
            st.sampled_from(SQL + CONTROL + LONG[:2]),
            TEXT,
            st.integers(-(10**30), 10**30),
            st.sampled_from(HOSTILE_OTHER),
        ),
        min_size=1,
        max_size=6,
    )
)
@example(listed=["a\x00b"])  # json_each would cut it to "a"
@example(listed=[None, {"a": 1}])  # not the barcode "None"
@example(listed=["%", "_", "\\", "';--", "\x1b[0m", "x\ry"])
def test_hostile_barcodes_are_listed_not_found_literally(fresh, listed):
    s, admin = fresh
    data = {"barcodes": [BARCODE, *listed]}
    sel = outcome(Selection, data, lambda: s.validate_selection(data))
    typed = [
        str(b).strip() for b in listed if not isinstance(b, bool) and isinstance(b, (str, int))
    ]
    if sel is None:  # refused: not text, longer than a barcode, or unstorable
        assert len(typed) < len(listed) or any(len(b) > 15 or _unstorable(b) for b in typed)
        return
    seen: set[str] = set()
    assert sel.barcodes == [
        b for b in [BARCODE, *typed] if b and not (b.casefold() in seen or seen.add(b.casefold()))
    ]
    # SQLite's NOCASE folds ASCII letters only.
    patrons = {
        b.translate(_ASCII_LOWER): pid for pid, b in s.db.execute("SELECT id, barcode FROM patrons")
    }
    missing = [b for b in sel.barcodes if b.translate(_ASCII_LOWER) not in patrons]
    options = {"note": "Listed", "note_type": "General"}
    report = s.apply(s.plan("add-notes", data, options, admin))
    journal = s.operation_changes(report.operation_id)
    assert [
        (r["barcode"], r["name"], r["outcome"], r["reason"])
        for r in journal
        if r["patron_id"] is None
    ] == [(b, "(not found)", "skip", "not found") for b in missing]
    assert {r["patron_id"] for r in journal if r["patron_id"] is not None} == {
        patrons[b.translate(_ASCII_LOWER)] for b in sel.barcodes if b not in missing
    }
    assert report.counts.not_found == len(missing)


def test_the_control_character_scan_finds_exactly_what_is_control_says_over_all_of_unicode():
    """control_character scans with one regular expression (every cell of an import goes
    through it); it must find exactly the characters the Unicode categories name."""
    found = [c for c in range(0x110000) if control_character(chr(c)) is not None]
    assert found == [c for c in range(0x110000) if is_control(chr(c))]
    assert control_character("Núñez\tGarcía", allowed="\t") is None
    assert control_character("Zoë\u202eevil") == "\\u202e"
