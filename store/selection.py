"""Selections: which patrons a utility works on, and their compiler to SQL.

Every criterion is optional; an empty Selection matches every patron. Values
are kept as typed (a relative date stays "today-1y") so a saved run means the
same thing next year; they are resolved against the clock when compiled.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

from anyascii import anyascii
from pydantic import Field, ValidationInfo, field_validator

from . import clock
from .dates import ACCEPTED, parse_date
from .fields import choice, list_as_text
from .file_out import excerpt
from .money import BALANCE, parse_amount
from .schema import Status
from .validation import StoreModel

_DATE_HELP = f"Accepts {ACCEPTED}."


def fold_name(text: str | None) -> str:
    """How names compare in a range: accents folded, any case ('Østergaard' ~ 'ostergaard')."""
    return anyascii(text or "").casefold()


def _is_number(text: str | None) -> bool:
    # ASCII only: "²".isdigit() is True but int("²") fails (and SQL's GLOB knows only 0-9).
    return text is not None and text.isascii() and text.isdigit()


BARCODE_LIMIT = 1_000_000


def read_barcodes(text: str, files: bool = True) -> list[str]:
    """Barcodes from a file (one per line; blank lines and # comments ignored) or from
    pasted text (separated by spaces, commas, semicolons or new lines). Without ``files``
    (a session over SSH) a file's name is refused, never looked up: the files are the
    server's, which the operator may not read."""
    text = text.strip()
    if not text:
        return []
    # One word is a file when it exists or looks like a path; otherwise it is a barcode.
    looks_like_file = os.sep in text or re.search(r"\.(txt|csv|lst|dat)$", text, re.I)
    one_word = not re.search(r"[\s,;]", text)
    if one_word and not files and looks_like_file:
        raise ValueError(
            f"{excerpt(text, 60)} names a file, and this session cannot read the server's "
            "files: paste or type the barcodes instead"
        )
    if one_word and files and (looks_like_file or _is_file(text)):
        return read_barcode_file(text)
    return [b for b in re.split(r"[\s,;]+", text) if b]


def _is_file(name: str | os.PathLike) -> bool:
    """Whether ``name`` is a file's path; False, never an error, for what cannot be one
    (a name too long for the system, ~someone who is not a user here)."""
    try:
        return Path(name).expanduser().is_file()
    except (OSError, RuntimeError, ValueError):
        return False


def read_barcode_file(name: str | os.PathLike) -> list[str]:
    """The barcodes in a file, one per line; an empty list is an error, because selecting
    nobody by mistake must not turn into selecting everybody."""
    if not _is_file(name):
        raise ValueError(
            f"there is no file {str(name)!r} (give a file of barcodes, one per "
            "line, or the barcodes themselves)"
        )
    path = Path(name).expanduser()
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{str(name)!r} cannot be read as a text file: {exc}") from None
    barcodes = [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]
    if not barcodes:
        raise ValueError(f"{str(name)!r} lists no barcodes (only blank lines or # comments)")
    return barcodes


class Selection(StoreModel):
    """Which patrons: each filled criterion narrows the match; empty ones are ignored."""

    barcode_from: str = Field(
        "", title="Barcode from", max_length=15, description="Lowest barcode included."
    )
    barcode_to: str = Field(
        "",
        title="Barcode to",
        max_length=15,
        description="Highest included; all-digit barcodes compare as numbers.",
    )
    barcodes: list[str] = list_as_text(
        title="Barcode list",
        description="A file of barcodes (one per line, # comments), or barcodes typed or "
        "pasted. Barcodes not found are listed as 'not found'.",
    )

    last_name_from: str = Field(
        "", title="Last name from", max_length=100, description="First last name included, e.g. A."
    )
    last_name_to: str = Field(
        "", title="Last name to", max_length=100, description="A prefix: 'C' takes in every C name."
    )
    sites: list[str] = choice(
        "site", many=True, title="Patrons in Site", description="Any of these sites."
    )
    grades: list[str] = choice(
        "grade",
        many=True,
        title="Patrons in Grade",
        description="Any of these grades (from the grade table).",
    )
    locations: list[str] = choice(
        "location", many=True, title="Patrons in Location", description="Any of these locations."
    )
    locations2: list[str] = choice(
        "location2",
        many=True,
        title="Patrons in 2nd Location",
        description="Any of these 2nd locations.",
    )
    policies: list[str] = choice(
        "policy",
        many=True,
        title="Patrons with Policy",
        description="Any of these patron policies.",
    )
    statuses: list[Status] = Field(
        default_factory=list, title="Patrons with Status", description="Any of these statuses."
    )
    security_groups: list[str] = choice(
        "security_group",
        many=True,
        title="Patrons in Security Group",
        description="Any of these security groups.",
    )
    graduation_from: str = Field("", title="Graduation date from", description=_DATE_HELP)
    graduation_to: str = Field(
        "", title="Graduation date to", description="Both ends are included."
    )
    expiration_from: str = Field("", title="Expiration date from", description=_DATE_HELP)
    expiration_to: str = Field(
        "", title="Expiration date to", description="Both ends are included."
    )
    # Offered only by the utilities that ask for it (Forgive Charges): see OPT_IN.
    balance_from: str = Field(
        "",
        title="Patron Balance from",
        max_length=20,
        description="Lowest balance included, in dollars (e.g. 0.01). "
        "Balance = charges - credits + fines accruing today.",
    )
    balance_to: str = Field(
        "",
        title="Patron Balance to",
        max_length=20,
        description="Highest balance included: 0.99 takes balances under "
        "$1.00. Both ends are included.",
    )

    @field_validator("barcodes", mode="before")
    @classmethod
    def _barcode_list(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            value = read_barcodes(value, files=(info.context or {}).get("files", True))
        if isinstance(value, list):
            # Text, or a whole number (a barcode read from JSON); never str() of anything else
            # (None is not the barcode "None").
            odd = [v for v in value if isinstance(v, bool) or not isinstance(v, (str, int))]
            if odd:
                raise ValueError(
                    f"{odd[0]!r} is not a barcode: give barcodes as text "
                    f"({len(odd)} in the list are not)"
                )
            value = [str(v).strip() for v in value if str(v).strip()]
            if len(value) > BARCODE_LIMIT:
                raise ValueError(f"{len(value):,} barcodes: at most {BARCODE_LIMIT:,} at once")
            long = [b for b in value if len(b) > 15]
            if long:
                raise ValueError(
                    f"{excerpt(long[0])} is not a barcode: barcodes have at most "
                    f"15 characters ({len(long)} in the list are longer)"
                )
            # Each patron once: a barcode listed twice (in any case) counts once.
            seen: set[str] = set()
            unique = []
            for b in value:
                if b.casefold() not in seen:
                    seen.add(b.casefold())
                    unique.append(b)
            value = unique
        return value

    @field_validator("balance_from", "balance_to")
    @classmethod
    def _amount(cls, value: str, info: ValidationInfo) -> str:
        if value.strip():
            parse_amount(value)
            check_order(info, value, lambda a, b: parse_amount(a) <= parse_amount(b))
        return value.strip()

    @field_validator("graduation_from", "graduation_to", "expiration_from", "expiration_to")
    @classmethod
    def _date(cls, value: str, info: ValidationInfo) -> str:
        if value:
            parse_date(value)
            check_order(info, value, lambda a, b: parse_date(a) <= parse_date(b))
        return value

    @field_validator("barcode_to")
    @classmethod
    def _barcode_order(cls, value: str, info: ValidationInfo) -> str:
        low = info.data.get("barcode_from", "")
        if value and low:
            ordered = (
                (int(low) <= int(value))
                if _is_number(low) and _is_number(value)
                else low.casefold() <= value.casefold()
            )
            if not ordered:
                raise ValueError(f"{value!r} comes before the start of the range, {low!r}")
        return value

    @field_validator("last_name_from", "last_name_to")
    @classmethod
    def _name_compares(cls, value: str) -> str:
        # Names compare folded: a bound that folds to nothing (only zero-width or combining
        # characters) would take in every patron.
        if value and not fold_name(value):
            raise ValueError(f"{value!r} has no letters or digits to compare names with")
        return value

    @field_validator("last_name_to")
    @classmethod
    def _name_order(cls, value: str, info: ValidationInfo) -> str:
        # The end is a prefix ("C" takes in "Carter"), so compare that much of the start.
        check_order(info, value, lambda a, b: fold_name(a)[: len(fold_name(b))] <= fold_name(b))
        return value

    def is_empty(self) -> bool:
        return self == Selection()

    def describe(self) -> list[str]:
        """One line per criterion in use, as a librarian would read it."""
        lines = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value in ("", [], None):
                continue
            if name == "barcodes":  # a list of thousands reads as its size
                shown = f"{len(value):,} listed" if len(value) > 5 else ", ".join(value)
            else:
                shown = ", ".join(str(v) for v in value) if isinstance(value, list) else value
            lines.append(f"{field.title}: {shown}")
        return lines or ["Every patron (no selections)"]


# Criteria a utility offers only when it names them in ``extra_criteria``.
OPT_IN = ("balance_from", "balance_to")


def check_order(info: ValidationInfo, value: str, ordered) -> None:
    """For a *_to field: its *_from partner (already validated) must not come after it."""
    name = info.field_name or ""
    if not name.endswith("_to") or not value:
        return
    low = info.data.get(name.removesuffix("_to") + "_from", "")
    if low and not ordered(low, value):
        raise ValueError(f"{value!r} is before the start of the range, {low!r}")


# The Unknown Patron (patrons.is_unknown, made by Remove Patrons to keep removed patrons'
# reviews) is set aside by every selection: no utility, saved run or export touches it.
UNKNOWN_REASON = "the Unknown Patron keeps removed patrons' reviews"


class Compiled:
    """A WHERE clause over ``patrons p`` with its named parameters.

    ``clauses`` are the criteria the operator chose; ``set_aside`` are the patrons no
    selection may take in whatever it says, each (condition, reason SQL): a listed barcode
    of one of them is reported with the reason, never silently dropped."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.set_aside: list[tuple[str, str]] = [("p.is_unknown", sql_text(UNKNOWN_REASON))]
        self.params: dict[str, Any] = {}
        self.listed: str | None = None  # the barcode list's parameter, when there is one

    def param(self, value: Any) -> str:
        name = f"s{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def add(self, clause: str) -> None:
        self.clauses.append(clause)

    def set_apart(self, condition: str, reason: str) -> None:
        """Never match patrons for whom ``condition`` (SQL over ``p``) holds; why, in SQL."""
        self.set_aside.append((condition, reason))

    @property
    def chosen(self) -> str:
        """The operator's own criteria alone."""
        return " AND ".join(self.clauses) or "1"

    @property
    def where(self) -> str:
        kept = [f"NOT coalesce({cond}, 0)" for cond, _ in self.set_aside]
        return " AND ".join([*self.clauses, *kept]) or "1"

    @property
    def set_aside_condition(self) -> str:
        return " OR ".join(f"coalesce({cond}, 0)" for cond, _ in self.set_aside)

    @property
    def set_aside_reason(self) -> str:
        return "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in self.set_aside) + " END"


def sql_text(text: str) -> str:
    """``text`` as an SQL string literal (for reasons written by the program, never input)."""
    return "'" + text.replace("'", "''") + "'"


def compile_selection(sel: Selection, today: dt.date | None = None) -> Compiled:
    """Turn a Selection into parameterized SQL; values never enter the SQL text."""
    today = today or clock.today()
    out = Compiled()

    if sel.barcodes:
        # Barcodes compare as the range does (any case); json_each keeps a long list one
        # parameter. The plan also lists those no patron has (compiled.listed).
        out.listed = out.param(json.dumps(sel.barcodes))
        out.add(f"p.barcode COLLATE NOCASE IN (SELECT value FROM json_each({out.listed}))")

    low, high = sel.barcode_from, sel.barcode_to
    if (low or high) and all(_is_number(b) for b in (low, high) if b):
        # All-digit bounds compare numerically, as a technician reads them.
        out.add("p.barcode NOT GLOB '*[^0-9]*'")
        if low:
            out.add(f"CAST(p.barcode AS INTEGER) >= {out.param(int(low))}")
        if high:
            out.add(f"CAST(p.barcode AS INTEGER) <= {out.param(int(high))}")
    else:
        if low:
            out.add(f"p.barcode >= {out.param(low)} COLLATE NOCASE")
        if high:
            out.add(f"p.barcode <= {out.param(high)} COLLATE NOCASE")

    # Names compare folded (fold_name is registered on every connection), so "o" to "p"
    # takes in "Østergaard"; the end is a prefix: "C" takes in "Carter".
    if sel.last_name_from:
        out.add(f"fold_name(p.last_name) >= {out.param(fold_name(sel.last_name_from))}")
    if sel.last_name_to:
        end = fold_name(sel.last_name_to)
        out.add(f"substr(fold_name(p.last_name), 1, {len(end)}) <= {out.param(end)}")

    for values, column in (
        (sel.sites, "site"),
        (sel.grades, "grade"),
        (sel.locations, "location"),
        (sel.locations2, "location2"),
        (sel.policies, "policy"),
        ([str(s) for s in sel.statuses], "status"),
        (sel.security_groups, "security_group"),
    ):
        if values:
            marks = ", ".join(out.param(v) for v in values)
            out.add(f"p.{column} IN ({marks})")

    for low, high, column in (
        (sel.graduation_from, sel.graduation_to, "graduation_date"),
        (sel.expiration_from, sel.expiration_to, "expiration_date"),
    ):
        if low:
            out.add(f"p.{column} >= {out.param(parse_date(low, today).isoformat())}")
        if high:
            out.add(f"p.{column} <= {out.param(parse_date(high, today).isoformat())}")
    # The balance needs the fines accruing today: one subquery per patron, only when asked.
    if sel.balance_from or sel.balance_to:
        out.params["today"] = today.isoformat()
        if sel.balance_from:
            out.add(f"{BALANCE} >= {out.param(parse_amount(sel.balance_from))}")
        if sel.balance_to:
            out.add(f"{BALANCE} <= {out.param(parse_amount(sel.balance_to))}")
    return out
