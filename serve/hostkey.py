"""The service's host key: made on first start, the service account's alone (0600)."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh


class HostKeyProblem(Exception):
    """The host key file cannot be used; the message says why and what to do."""


def load_or_create(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The private key at ``path`` and whether it was just made (an Ed25519 key, written
    0600 and never replaced: clients remember it, and a new one makes them warn)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        key = asyncssh.generate_private_key("ssh-ed25519", comment="patron-utils")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise HostKeyProblem(f"--host-key: cannot create {path}: {exc.strerror}") from None
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
        return key, True
    if mode & 0o077:
        raise HostKeyProblem(
            f"--host-key: {path} may be read by others (mode {mode & 0o777:o}); "
            f"it must be the service account's alone: chmod 600 {path}"
        )
    try:
        return asyncssh.read_private_key(path), False
    except (OSError, asyncssh.KeyImportError) as exc:
        raise HostKeyProblem(f"--host-key: {path} is not a private key ({exc})") from None
