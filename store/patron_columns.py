"""Which field each column of a patron file is read as: the fields' own names, ``--map``,
a preset (store/import_presets.py), ``--ignore`` and ``--ignore-unknown``.

Everything here is decided from the header alone, before a row is read; a refusal names the
column and what is allowed, and nothing is imported. The same rules hold at every door that
imports, because every door goes through store/patron_file.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .file_out import excerpt, printable
from .import_presets import PRESETS, Preset
from .patron_csv import BadFile
from .patron_record import FIELDS, REQUIRED

# A patron's email addresses: email (the first listed, "the" email), email2, email3, …
EMAIL = "email"
EMAIL_COLUMN = re.compile(r"email([2-9]|[1-9][0-9])")
FIELD_NAMES = ", ".join(FIELDS) + ", email, email2, email3 … email99"


def is_field(name: str) -> bool:
    """A field a file may carry: a patron column, or one of the email columns."""
    return name in FIELDS or name == EMAIL or EMAIL_COLUMN.fullmatch(name) is not None


def email_position(name: str) -> int:
    """email → 1, email2 → 2, …"""
    return 1 if name == EMAIL else int(name[len(EMAIL) :])


def _key(name: str) -> str:
    return name.strip().casefold()


@dataclass(frozen=True)
class Columns:
    """What the header says: the field each column is read as (None: not read)."""

    fields: list[str | None]
    ignored: list[str] = field(default_factory=list)  # as the file names them, in file order

    @property
    def read(self) -> list[str]:
        return [f for f in self.fields if f is not None]

    @property
    def emails(self) -> list[str]:
        """The email fields the file carries, in order (email before email2 …)."""
        return sorted((f for f in self.read if f not in FIELDS), key=email_position)


@dataclass(frozen=True)
class ColumnRule:
    """How an import reads a header: ``mapping`` (SOURCE → FIELD), the columns to
    ``ignore``, whether every column that is no field is ignored, and a preset."""

    mapping: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    ignore_unknown: bool = False
    preset: str | None = None

    def __post_init__(self) -> None:
        # The options themselves, before the file is opened.
        for source, target in self.mapping.items():
            if not source.strip() or not is_field(target.strip()):
                raise BadFile(
                    f"--map: {source}={target} should be SOURCE=FIELD, FIELD one of {FIELD_NAMES}"
                )
        for name in self.ignore:
            if not name.strip():
                raise BadFile("--ignore: give the name of a column of the file")
        both = sorted({_key(s) for s in self.mapping} & {_key(n) for n in self.ignore})
        if both:
            raise BadFile(
                f"--ignore: {', '.join(map(repr, both))} is also given to --map; a column "
                "is either read as a field or ignored"
            )
        if self.preset is not None and self.preset not in PRESETS:
            raise BadFile(
                f"--preset: {self.preset!r} is not a preset; presets: {', '.join(PRESETS)}"
            )

    @property
    def chosen(self) -> Preset | None:
        return PRESETS[self.preset] if self.preset else None

    def resolve(self, header: list[str], name: str) -> Columns:
        """The field each column of ``header`` is read as; BadFile says why the file
        cannot be read that way (``name``: the file's name, for messages)."""
        preset = self.chosen
        mapping = {_key(s): t.strip() for s, t in self.mapping.items()}
        ignore = {_key(n) for n in self.ignore}
        keys = [_key(h) for h in header]
        fields: list[str | None] = []
        ignored: list[str] = []
        unknown: list[str] = []
        left_out: list[tuple[str, str]] = []  # (column, the field it would have been)
        for raw, key in zip(header, keys, strict=True):
            target: str | None
            if key in ignore:
                target = None
                would = mapping.get(key) or (preset.mapping.get(key) if preset else None) or key
                left_out.append((raw, would))
            elif key in mapping:
                target = mapping[key]
            elif preset and key in preset.mapping:
                target = preset.mapping[key]
            elif preset and key in preset.ignored:
                target = None
            elif is_field(key):
                target = key
            else:
                target = None
                unknown.append(raw)
            fields.append(target)
            if target is None:
                ignored.append(_cut(raw.strip()))
        # A required field is never left out, however its column is named (ignoring one of
        # two last-name columns is choosing the other).
        for raw, would in left_out:
            if would in REQUIRED and would not in fields:
                raise BadFile(_required(raw, would))
        if not any(f is not None for f in fields):
            # Not one patron field: no header at all, or not a patron file (a line of a system
            # file has no business in a message).
            raise BadFile(
                f"the first row names none of the patron fields, so {name} is not a "
                f"patron file (its first row must name columns, e.g. barcode,last_name; "
                f"--map SOURCE=FIELD renames others); the fields are {FIELD_NAMES}"
            )
        # Only now that the file is a patron file are its other columns named in a message.
        for given, what in ((self.mapping, "--map"), (self.ignore, "--ignore")):
            absent = [s for s in given if _key(s) not in keys]
            if absent:
                raise BadFile(
                    f"{what}: {name} has no column {excerpt(absent[0].strip())}; its columns "
                    f"are {_shown(header)}"
                )
        if unknown and not self.ignore_unknown:
            raise BadFile(
                f"unknown column(s) {_shown(unknown, 5)}: use --map SOURCE=FIELD to read one "
                "as a field, --ignore COLUMN to leave one out, or --ignore-unknown to leave "
                f"out every column that is not a field; the fields are {FIELD_NAMES}"
            )
        read = [f for f in fields if f is not None]
        if missing := [f for f in REQUIRED if f not in read]:
            raise BadFile(f"the file needs a column for {', '.join(missing)} (or --map one to it)")
        if doubled := sorted({f for f in read if read.count(f) > 1}):
            raise BadFile(
                f"more than one column is {', '.join(doubled)} (--ignore one of them, or "
                "--map it to another field)"
            )
        return Columns(fields, ignored)

    def journaled(self, ignored: list[str]) -> dict[str, object]:
        """The rule as the operation's options record it, with the columns not read (a
        file's header is shown, never sent, to a terminal: escaped)."""
        return {
            "mapping": [printable(f"{k}={v}") for k, v in self.mapping.items()],
            "preset": self.preset or "",
            "ignore": [printable(n) for n in self.ignore],
            "ignore_unknown": self.ignore_unknown,
            "ignored": [printable(n) for n in ignored],
        }


def _required(column: str, field_name: str) -> str:
    return (
        f"--ignore: {excerpt(column.strip())} cannot be ignored: it is the file's "
        f"{field_name} column, and every patron needs a barcode and a last name"
    )


def _cut(name: str, most: int = 60) -> str:
    """A column's name as a report lists it: a header cell can be as long as the file."""
    return name if len(name) <= most else name[: most - 1] + "…"


def _shown(names: Iterable[str], most: int = 40) -> str:
    names = list(names)
    return ", ".join(excerpt(n.strip()) for n in names[:most]) + (" …" if len(names) > most else "")
