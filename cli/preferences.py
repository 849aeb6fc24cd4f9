"""``patron-utils preferences``: the library's preferences without a screen — shown, or set
(a term, a switch, a number) through the store call the app's Preferences screen saves
with, so the permission (Library Preferences: Edit) and every rule are the same; a
refusal saves nothing.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from store import Invalid
from store.file_out import printable
from store.preferences import LibraryPreferences

from .run import DONE, INVALID, common, fail, guarded, log_in, open_store, whole

# --term WORD=NEW: the words a library may rename, as the vendor manual names them.
TERMS = {"Grade": "grade_term", "Location": "location_term", "2nd Location": "location2_term"}
SWITCH_VALUES = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}
FIELDS = LibraryPreferences.model_fields


def setting(name: str) -> str:
    """A preference as --set names it: credential_retention_days → credential-retention-days."""
    return name.replace("_", "-")


def _bounds(name: str) -> tuple[int, int]:
    """A number's lowest and highest allowed values, from the model's constraints."""
    low = next(m.ge for m in FIELDS[name].metadata if hasattr(m, "ge"))
    high = next(m.le for m in FIELDS[name].metadata if hasattr(m, "le"))
    return low, high


def _allowed(name: str) -> str:
    kind = FIELDS[name].annotation
    if kind is bool:
        return "on|off"
    if kind is int:
        low, high = _bounds(name)
        return f"{low}…{high}"
    return "…"


def parser() -> argparse.ArgumentParser:
    names = ", ".join(f"{setting(n)}={_allowed(n)}" for n in FIELDS if n not in TERMS.values())
    p = argparse.ArgumentParser(
        prog="patron-utils preferences",
        description="The library's preferences: without --term or --set, shown (any "
        "operator); with them, saved (Library Preferences: Edit, as in the app). Nothing "
        "is saved unless every value given is allowed.",
    )
    common(p)
    p.add_argument(
        "--term",
        action="append",
        default=[],
        metavar="WORD=NEW",
        help="what the library calls one of its words: Grade, Location or 2nd Location "
        "(--term Grade=Level, --term '2nd Location=Bus Route'); repeat for more",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a preference: {names} (or a term: grade-term=Level); repeat for more",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def preferences(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    return guarded(lambda: _preferences(args))


def _preferences(args: argparse.Namespace) -> int:
    changes = given(args.term, args.set)  # a typo is said before a password is asked
    store = open_store(args)
    try:
        operator = log_in(store, args)
        read = store.library_preferences().model_dump()
        if changes:
            values = {name: value for name, (value, _) in changes.items()}
            try:
                store.save_preferences({**read, **values}, operator, read)
            except Invalid as exc:
                raise fail(INVALID, _refusal(exc, changes)) from None
            now = store.library_preferences().model_dump()
    finally:
        store.close()
    if not changes:
        _show(read, args.format)
        return DONE
    if args.format == "json":
        print(json.dumps(now, indent=1))
        return DONE
    for name in changes:
        was, is_now = _shown(read[name]), _shown(now[name])
        said = f"{was} → {is_now}" if was != is_now else f"{is_now} (as it was)"
        print(f"{FIELDS[name].title}: {printable(said)}")
    print("Preferences saved.")
    return DONE


def given(terms: list[str], sets: list[str]) -> dict[str, tuple[Any, str]]:
    """field → (value, how it was given: '--term Grade', '--set centralized-catalog')."""
    changes: dict[str, tuple[Any, str]] = {}

    def add(name: str, value: Any, label: str) -> None:
        if name in changes:
            raise fail(
                INVALID,
                f"{label}: {FIELDS[name].title} is given twice (also as {changes[name][1]}); "
                "give it once",
            )
        changes[name] = (value, label)

    for text in terms:
        word, new = _split(text, "--term", "WORD=NEW, as in --term Grade=Level")
        term = next((t for t in TERMS if t.casefold() == word.casefold()), None)
        if term is None:
            raise fail(
                INVALID,
                f"--term: {printable(word)!r} is not a term; one of: {', '.join(TERMS)} "
                "(the vendor's words, whatever the library calls them now)",
            )
        add(TERMS[term], new.strip(), f"--term {term}")
    by_setting = {setting(n): n for n in FIELDS}
    for text in sets:
        key, value = _split(text, "--set", "NAME=VALUE, as in --set centralized-catalog=on")
        name = by_setting.get(key.strip().lower().replace("_", "-"))
        if name is None:
            raise fail(
                INVALID,
                f"--set: {printable(key)!r} is not a preference; one of: {', '.join(by_setting)}",
            )
        label = f"--set {setting(name)}"
        add(name, _value(name, value.strip(), label), label)
    return changes


def _split(text: str, flag: str, form: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise fail(INVALID, f"{flag}: {printable(text)!r} is not {form}")
    return key.strip(), value


def _value(name: str, text: str, label: str) -> Any:
    """A --set value as the preference holds it; what is allowed said when it is not."""
    kind = FIELDS[name].annotation
    if kind is bool:
        if text.lower() not in SWITCH_VALUES:
            raise fail(
                INVALID,
                f"{label} ({FIELDS[name].title}): {printable(text)!r} is not allowed; on or off",
            )
        return SWITCH_VALUES[text.lower()]
    if kind is int:
        try:
            return whole(*_bounds(name))(text)
        except argparse.ArgumentTypeError as exc:
            raise fail(INVALID, f"{label} ({FIELDS[name].title}): {exc}") from None
    return text


def _refusal(exc: Invalid, changes: dict[str, tuple[Any, str]]) -> str:
    """The store's problems, each said of the --term or --set that gave it."""
    said = []
    for p in exc.problems:
        if p.field in changes:
            said.append(f"{changes[p.field][1]} ({p.title}): {p.message}")
        else:  # a rule over several (the terms must differ): with what was given
            given = ", ".join(f"{label}={_shown(v)}" for v, label in changes.values())
            said.append(f"{p.title}: {p.message} (given: {given})")
    return "; ".join(said) + "; nothing was saved"


def _shown(value: Any) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


def _show(values: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(values, indent=1))
        return
    terms = {field: word for word, field in TERMS.items()}
    width = max(len(field.title or "") for field in FIELDS.values())
    for name, field in FIELDS.items():
        how = f"--term '{terms[name]}=…'" if name in terms else f"--set {setting(name)}="
        how += "" if name in terms else _allowed(name)
        print(f"{field.title:<{width}}  {printable(_shown(values[name])):<14}  {how}")
