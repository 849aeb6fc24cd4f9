"""``patron-utils password``: an operator chooses a new password, on a terminal.

The way in for an operator whose password was reset (the command line refuses them
until they have chosen one), and for anyone who wants to change theirs.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys

from store import Invalid, LoginFailed, PasswordChangeRequired
from store.security import MIN_PASSWORD_LENGTH

from .run import DONE, INVALID, REFUSED, common, fail, guarded, open_store

TRIES = 3  # new passwords refused in a row before giving up


def change_password(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="patron-utils password",
        description="Choose a new password (at least "
        f"{MIN_PASSWORD_LENGTH} characters, not the current one). Asks for the "
        "current password, then the new one twice, on a terminal.",
    )
    common(parser)
    args = parser.parse_args(argv)

    def _change() -> int:
        if not args.operator:
            raise fail(INVALID, "--operator: required (or set PATRON_UTILS_OPERATOR)")
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise fail(
                REFUSED,
                "patron-utils password asks for the passwords on a terminal; "
                "run it in one (a script cannot choose a password)",
            )
        store = open_store(args)
        try:
            current = getpass.getpass(f"Current password for {args.operator}: ")
            # the current password first: a typo is told before the new one is typed;
            # PasswordChangeRequired is right, and the reason we are here
            with contextlib.suppress(PasswordChangeRequired):
                store.login(args.operator, current)
            for attempt in range(1, TRIES + 1):
                new = getpass.getpass("New password: ")
                if getpass.getpass("New password again: ") != new:
                    problem = "New password: the two new passwords differ"
                else:
                    try:
                        operator = store.change_password(args.operator, current, new)
                        break
                    except Invalid as exc:
                        problem = str(exc)
                if attempt == TRIES:
                    raise fail(INVALID, f"{problem}; nothing was changed")
                print(f"{problem}; try again.", file=sys.stderr)
        except LoginFailed as exc:
            raise fail(REFUSED, str(exc)) from None
        finally:
            store.close()
        print(f"The password of {operator.username} is changed.")
        return DONE

    return guarded(_change)
