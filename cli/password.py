"""``patron-utils password``: an operator chooses a new password, on a terminal.

The way in for an operator whose password was reset (the command line refuses them
until they have chosen one), and for anyone who wants to change theirs.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from store import Invalid
from store.security import MIN_PASSWORD_LENGTH

from .run import DONE, INVALID, REFUSED, common, fail, guarded, open_store


def change_password(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils password",
        description="Choose a new password (at least "
                    f"{MIN_PASSWORD_LENGTH} characters, not the current one). Asks for the "
                    "current password and the new one twice, on a terminal.")
    common(parser)
    args = parser.parse_args(argv)

    def _change() -> int:
        if not args.operator:
            raise fail(INVALID, "--operator: required (or set PATRON_UTILS_OPERATOR)")
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise fail(REFUSED, "patron-utils password asks for the passwords on a terminal; "
                                "run it in one (a script cannot choose a password)")
        current = getpass.getpass(f"Current password for {args.operator}: ")
        new = getpass.getpass("New password: ")
        if getpass.getpass("New password again: ") != new:
            raise fail(INVALID, "New password: the two new passwords differ; nothing was changed")
        store = open_store(args)
        try:
            try:
                operator = store.change_password(args.operator, current, new)
            except Invalid as exc:
                raise fail(INVALID, f"{exc}; nothing was changed") from None
        finally:
            store.close()
        print(f"The password of {operator.username} is changed.")
        return DONE

    return guarded(_change)
