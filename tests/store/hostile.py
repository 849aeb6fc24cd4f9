"""Hostile input for the bad-input tests: quotes and SQL fragments, wildcards, control
characters, very long text, impossible dates and amounts, wrong types — and the hypothesis
strategies that draw from them."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import strategies as st

SQL = [
    "'; DROP TABLE patrons; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "';--",
    "1); DELETE FROM notes",
    "%",
    "_",
    "%_%",
    "\\",
    "\\'",
    "a\\",
    "*",
    "[a-z]*",
    "?",
    "'",
    '"',
    "''",
    "O'Brien",
]
CONTROL = [
    "\x00",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\r\n",
    "\t",
    "x\ry",
    "\x7f",
    "\x01\x08",
    "\u200b",
    "\u0301",
    "\ufeff",
    "\u2028",
    "\U0001f600",
    "İ",
    "ß",
    "\ud800",
]
LONG = ["x" * 16, "9" * 16, "x" * 101, "x" * 501, "y" * 10_000, "9" * 400]
DATES = [
    "02/30/2025",
    "13/01/2025",
    "00/00/0000",
    "0000-00-00",
    "2025-02-29",
    "9999-12-31",
    "10000-01-01",
    "today+99999999d",
    "today-999999999999y",
    "+999999999999w",
    "-999999999999m",
    "tomorrow",
    "today-30d",
    "01/31/2026",
    "2026-06-01",
]
AMOUNTS = [
    "1e30",
    "1" + "0" * 30,
    "-" + "9" * 19,
    "nan",
    "inf",
    "$",
    "-$",
    "$-1.00",
    "1,2,3",
    ".",
    "0.001",
    "99999999999.99",
    "1000000000.01",
    "-0",
    "0.99",
]
FILES = [
    "~nosuchuser",
    "~nosuchuser/list.txt",
    "/" + "a" * 5000,
    "a" * 5000,
    "/nonexistent/barcodes.txt",
    "barcodes.csv",
    "/dev/null",
    "a, b; c\nd",
]
HOSTILE_TEXT = ["", " ", "   padded   ", *SQL, *CONTROL, *LONG, *DATES, *AMOUNTS, *FILES]
HOSTILE_OTHER = [
    None,
    10**30,
    -(10**30),
    math.nan,
    math.inf,
    -math.inf,
    2**63,
    -1,
    0,
    1.5,
    True,
    [],
    ["a"],
    [None],
    {},
    {"a": 1},
    [["x"]],
    [{"x": None}],
    [SQL[0], 10**30],
]
HOSTILE = HOSTILE_TEXT + HOSTILE_OTHER
# Candidates a field keeps when they validate on their own (its "good" values).
GOOD_TEXT = [
    "",
    "A",
    "C",
    "Smith",
    "O'Brien",
    "20260001",
    "20260030",
    "STAFF001",
    "today",
    "today-1y",
    "+2w",
    "-6m",
    "01/31/2026",
    "2026-06-01",
    "2027-12-31",
    "0",
    "0.99",
    "$12.50",
    "1,250.75",
    "Room 101",
    "Bus 4",
    "Needs to meet with librarian",
]
TODAY = dt.date(2026, 6, 1)  # as conftest fixes it for each test
UNKNOWN_KEYS = ["'; DROP TABLE patrons; --", "barcode", "__class__", "note\x1b"]

NASTY = st.sampled_from("'\"%_\\;-*?[]/~,$. \x00\x01\t\n\r\x0b\x1b\x7f\x85\u2028\u200b\u0301")
TEXT = st.text(st.one_of(NASTY, st.characters()), max_size=24)
SCALAR = st.one_of(
    TEXT,
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(HOSTILE_OTHER),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
)
ANY = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=5,
)

# What the models strip from the ends of text (Unicode White_Space; Python's str.strip also
# takes \x1c-\x1f, which are kept).
WHITESPACE = "".join(
    c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\x1c\x1d\x1e\x1f"
)
