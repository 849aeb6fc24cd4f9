"""The Store's operators' SSH keys: logging in by a key, the session an SSH server starts
for an operator it has authenticated, and registering, listing and removing keys.

A mixin of ``Store`` (store/store.py), which supplies the open database and its lock.
"""

from __future__ import annotations

import threading

import sqlite_utils

from . import authority
from . import operator_keys as _keys
from .operator_keys import KeyInfo
from .security import Operator


class OperatorKeysMixin:
    """The operators' SSH keys methods of ``Store``."""

    db: sqlite_utils.Database
    lock: threading.RLock

    def login_by_key(self, username: str, public_key: str) -> Operator:
        """The Operator ``username`` is, when ``public_key`` — the OpenSSH one-line text of
        the key an SSH client proved it holds — is registered to them and they may log in:
        the status, lockout and "must change password" rules of ``login`` (which raises
        PasswordChangeRequired the same way). Every other refusal is LoginFailed with the
        message of a wrong password. A key that does not match is not counted towards the
        lockout (clients offer each of their keys in turn). Writes nothing."""
        with self.lock:
            return _keys.login(self.db, username, public_key)

    def session_operator(self, username: str) -> Operator:
        """The Operator ``username`` is now, with no password asked: for the process an SSH
        server starts for a user it has already authenticated (by ``login_by_key`` or
        ``login``). Status, permissions, lockout and "must change password" are as of now
        (LoginFailed, or PasswordChangeRequired, when they may no longer log in).

        This trusts its caller: it authenticates nobody. The trust is the database file's:
        only the service account can open the database (mode 0600, or 0660 for its group),
        so only a program running as it — the SSH server, after authenticating the user —
        can ask. Never call it with a username that was not authenticated."""
        with self.lock:
            return _keys.session(self.db, username)

    def add_key(self, operator: Operator, username: str, text: str) -> KeyInfo:
        """Register the OpenSSH public key in ``text`` to ``username``: an operator's own, or
        anyone's for level 0 (NotPermitted otherwise, nothing written). Invalid (field "key")
        says what is wrong with the text: a private key (never stored), a malformed line, a
        key already registered."""
        key = _keys.parse(text)  # before the write lock: asyncssh takes a moment to load
        with self.lock, authority.writing(self.db, operator, (), "add an SSH key"):
            return _keys.add(self.db, operator, username, key)

    def keys(self, operator: Operator, username: str) -> list[KeyInfo]:
        """The keys registered to ``username``, oldest first (same rule as ``add_key``)."""
        with self.lock:
            authority.authorize(self.db, operator, (), "see SSH keys")
            return _keys.listed(self.db, operator, username)

    def remove_key(self, operator: Operator, username: str, fingerprint: str) -> KeyInfo:
        """Remove one of ``username``'s keys by its fingerprint (SHA256:…), returning it (same
        rule as ``add_key``); Invalid (field "fingerprint") naming it when there is none."""
        with self.lock, authority.writing(self.db, operator, (), "remove an SSH key"):
            return _keys.remove(self.db, operator, username, fingerprint)
