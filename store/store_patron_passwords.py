"""The Store's patrons choosing their own passwords (store/patron_passwords.py): what the
password page (web/) asks of the database, and all it may write.

A mixin of ``Store`` (store/store.py), which supplies the open database, its lock and
``via`` (how the journal says the change was made).
"""

from __future__ import annotations

import threading

import sqlite_utils

from . import mail
from . import patron_passwords as _passwords
from . import preferences as _preferences
from .patron_passwords import PatronLogin


class PatronPasswordsMixin:
    """The patron password methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock
    via: str

    def library_name(self) -> str:
        with self.lock:
            return _preferences.read(self.db)["library_name"]

    def reset_greeting(self, token: str) -> str:
        """The name a reset link's patron is greeted by; ResetRefused (one plain message)
        when the link is unknown, spent or expired. Writes nothing."""
        with self.lock:
            return _passwords.reset_greeting(self.db, token)

    def redeem_reset(self, token: str, new_password: str, again: str) -> int:
        """Spend a reset link on a new password (journaled: the operation's id).
        ResetRefused for a link that cannot be used; Invalid (new_password, again) for a
        password the rules refuse, leaving the link usable."""
        with self.lock:
            return _passwords.redeem(self.db, token, new_password, again, self.via)

    def patron_login(self, username: str, password: str) -> PatronLogin:
        """A patron's credentials, with the operators' lockout; LoginFailed otherwise."""
        with self.lock:
            return _passwords.login(self.db, username, password)

    def change_patron_password(self, signed_in: PatronLogin, new_password: str, again: str) -> int:
        """A signed-in patron's new password (journaled: the operation's id); LoginFailed
        when the password they signed in with is no longer theirs, Invalid as above."""
        with self.lock:
            return _passwords.change(self.db, signed_in, new_password, again, self.via)

    def patron_password_verifies(self, username: str, password: str) -> bool:
        with self.lock:
            return _passwords.verifies(self.db, username, password)

    def note_reset_url(self, url: str) -> None:
        """Where reset links point when no other reset URL is set: the served page."""
        with self.lock:
            mail.note_served_reset_url(self.db, url)
