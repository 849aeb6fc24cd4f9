"""Operators' SSH keys in store/ tests: a freshly generated key, its public line, and the
password the ``keyed`` fixture (conftest) gives small_db's two operators."""

from __future__ import annotations

import asyncssh

PASSWORD = "Correct-Horse-7"


def new_key(algorithm: str = "ssh-ed25519", comment: str | None = None):
    """A freshly generated private key (its public half via public())."""
    if algorithm == "ssh-rsa":
        return asyncssh.generate_private_key(algorithm, key_size=2048, comment=comment)
    return asyncssh.generate_private_key(algorithm, comment=comment)


def public(key) -> str:
    return key.export_public_key("openssh").decode()
