"""Usernames Reset Patron Accounts makes from names: lower case, letters and digits only
(barcode and email usernames keep their case: logins ignore it, store/security.py)."""

from __future__ import annotations

import re

from anyascii import anyascii

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]*$")


def fold_username(text: str | None) -> str:
    """'Darla Anderson' → 'darlaanderson'; accents folded ('Nguyễn' → 'nguyen')."""
    if not text:
        return ""
    return _NOT_ALNUM.sub("", anyascii(text).lower())


def typeable(text: str) -> bool:
    """Can this be typed in the password field (printable ASCII only)?"""
    return bool(_PRINTABLE_ASCII.match(text))


def as_password(last_name: str) -> str:
    """The last name as a typeable password: accents and other letters folded to ASCII."""
    return last_name if typeable(last_name) else anyascii(last_name)
