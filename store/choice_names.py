"""How a value offered as a choice may be typed: as titled, in any case ('inactive'), or in
kebab case ('card-lost', 'first-initial-last-name', 'overdue-fines-only').

One resolving for the fixed choices (a model's Enum) and the database's (grades, sites,
policies…), used by validation (store/validation.py) at every door — a command's flags, a
saved run, an imported file — so a value means the same wherever it is typed. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from anyascii import anyascii


def kebab(text: str) -> str:
    """'First Initial + Last Name' → 'first-initial-last-name' (accents dropped: 'Élan' →
    'elan'); '' for text with no letter or digit."""
    return re.sub(r"[^0-9a-z]+", "-", anyascii(text).casefold()).strip("-")


def shown(value: str) -> str:
    """'Card Lost (card-lost)': a value with the kebab form a script may type, when that
    differs from the value itself."""
    form = kebab(value)
    return value if not form or form == value else f"{value} ({form})"


class Names:
    """The allowed values of one field, indexed for resolving what is typed."""

    def __init__(self, allowed: Iterable[str]):
        self.allowed = list(dict.fromkeys(allowed))
        self._exact = set(self.allowed)
        self._folded: dict[str, list[str]] = {}
        self._kebab: dict[str, list[str]] = {}
        for value in self.allowed:
            self._folded.setdefault(value.casefold(), []).append(value)
            if form := kebab(value):
                self._kebab.setdefault(form, []).append(value)

    def resolve(self, typed: str) -> str | None:
        """The allowed value ``typed`` names, as spelled where it is defined: itself, else the
        one equal to it in any case or in kebab form. None when none is; ValueError naming
        them when more than one is (never a guess between two)."""
        if typed in self._exact:
            return typed
        named = {*self._folded.get(typed.casefold(), []), *self._kebab.get(kebab(typed), [])}
        found = [v for v in self.allowed if v in named] if len(named) > 1 else list(named)
        if len(found) > 1:
            raise ValueError(
                f"{typed!r} could be any of {', '.join(repr(v) for v in found)}; "
                "type the one meant as it is spelled"
            )
        return found[0] if found else None
