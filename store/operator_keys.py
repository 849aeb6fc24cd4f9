"""Operators' SSH public keys: registered, listed and removed, and a login by one.

A key is read as OpenSSH writes it (``ssh-ed25519 AAAA… comment``, one line of a .pub
file) and parsed by asyncssh, which also gives its fingerprint as OpenSSH prints it
(``SHA256:…``): the product never decodes key material itself. A private key given by
mistake is refused and never stored. Each key is registered once, to one operator.

asyncssh is imported only when a key is read, so opening a database does not load it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from . import clock, security
from .security import LOGIN_FAILED, LoginFailed, NotPermitted, Operator, PasswordChangeRequired
from .validation import Invalid, Problem

MAX_KEY_TEXT = 64 * 1024  # a .pub file is a line; anything this long is not one
# Marks of a private key file: OpenSSH, PEM (PKCS#1, PKCS#8, SEC1) and PuTTY.
PRIVATE_MARKS = ("PRIVATE KEY", "PuTTY-User-Key-File")
# DSA keys are refused by OpenSSH itself since 7.0; not worth registering.
REFUSED_ALGORITHMS = {"ssh-dss": "DSA keys (ssh-dss) are no longer accepted by OpenSSH"}
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class KeyInfo:
    """A registered key as the operator sees it (the key itself stays in the database)."""

    fingerprint: str  # SHA256:… as `ssh-keygen -l` prints it
    algorithm: str  # ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, …
    comment: str
    added: str
    added_by: str


@dataclass(frozen=True)
class PublicKey:
    """A parsed public key: what is stored of it."""

    algorithm: str
    key_base64: str
    comment: str
    fingerprint: str


def _bad(message: str) -> Invalid:
    return Invalid([Problem("key", "Public key", message)])


def _shown(text: str, width: int = 24) -> str:
    """A short, printable piece of the input, to say what was found."""
    piece = "".join(ch if ch.isprintable() else "?" for ch in text[:width])
    return repr(piece + ("…" if len(text) > width else ""))


def parse(text: str) -> PublicKey:
    """The one OpenSSH public key in ``text`` (blank lines and # comments ignored); Invalid
    (field "key") saying what is wrong otherwise — a private key above all."""
    import asyncssh

    if len(text) > MAX_KEY_TEXT:
        raise _bad(
            f"is {len(text):,} characters long; a public key is one line of a .pub file "
            f"(at most {MAX_KEY_TEXT:,} characters)"
        )
    if "\x00" in text:
        raise _bad("contains NUL characters: this is not a text file (a .pub file is one line)")
    if _is_private(text):
        raise _bad(
            "this is a PRIVATE key, which must never leave its owner's computer; it was not "
            "stored. Give the public key instead: the .pub file beside it (e.g. id_ed25519.pub)"
        )
    if text.lstrip().startswith("---- BEGIN SSH2 PUBLIC KEY"):
        line = text  # RFC 4716, as PuTTY and ssh-keygen -e write it: asyncssh reads it whole
    else:
        lines = [ln.strip() for ln in text.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if not lines:
            raise _bad("is empty: give one public key line, e.g. the contents of id_ed25519.pub")
        if len(lines) > 1:
            raise _bad(
                f"holds {len(lines)} lines; give one public key (one line, as in a .pub "
                "file), and add others one at a time"
            )
        line = lines[0]
        _check_shape(line)
    try:
        key = asyncssh.import_public_key(line)
    except (asyncssh.KeyImportError, ValueError, TypeError) as exc:
        kind = line.split()[0] if line.split() else ""
        raise _bad(
            f"the key data after {kind!r} is not a valid {kind} key ({exc}); "
            "was it cut short or copied with a line break in it?"
        ) from None
    algorithm = key.get_algorithm()
    if algorithm in REFUSED_ALGORITHMS:
        raise _bad(REFUSED_ALGORITHMS[algorithm] + "; use an ssh-ed25519 key")
    bits = _rsa_bits(key)
    if bits is not None and bits < MIN_RSA_BITS:
        raise _bad(f"this RSA key has {bits} bits; at least {MIN_RSA_BITS} are needed")
    exported = key.export_public_key("openssh").decode("ascii").split()
    return PublicKey(
        algorithm=algorithm,
        key_base64=exported[1],
        comment=(key.get_comment() or "").strip(),
        fingerprint=key.get_fingerprint("sha256"),
    )


def _is_private(text: str) -> bool:
    import asyncssh

    if any(mark in text for mark in PRIVATE_MARKS):
        return True
    try:
        asyncssh.import_private_key(text)
    except asyncssh.KeyEncryptionError:
        return True  # a private key, encrypted
    except (asyncssh.KeyImportError, ValueError, TypeError) as exc:
        return "passphrase" in str(exc).lower()  # encrypted: asyncssh needs it to look
    return True


def _check_shape(line: str) -> None:
    """Say plainly what is wrong with a line that is not ``TYPE BASE64 [COMMENT]``."""
    from asyncssh.public_key import get_public_key_algs

    known = {a.decode() for a in get_public_key_algs()}
    words = line.split()
    if words[0] in known:
        if len(words) < 2:
            raise _bad(f"has the key type {words[0]!r} but no key data after it")
        return
    if words[0].endswith("-cert-v01@openssh.com"):
        raise _bad("is a certificate; give the plain public key (the .pub file without -cert)")
    if any(w in known for w in words[1:]):
        raise _bad(
            "begins with options (as in an authorized_keys file, e.g. from=…); "
            "give the key alone, starting with its type (ssh-ed25519, ssh-rsa, …)"
        )
    raise _bad(
        f"does not start with a key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, …): "
        f"it begins {_shown(line)}"
    )


def _rsa_bits(key: object) -> int | None:
    pyca = getattr(key, "pyca_key", None)
    size = getattr(pyca, "key_size", None) if pyca is not None else None
    algorithm = getattr(key, "get_algorithm", lambda: "")()
    return size if algorithm == "ssh-rsa" and isinstance(size, int) else None


# -- registering, listing, removing ----------------------------------------------------------
def _patron(db: sqlite_utils.Database, operator: Operator, username: str, doing: str) -> int:
    """The patron id whose keys ``operator`` asks to touch: their own, or anyone's for level 0;
    NotPermitted (before looking the name up) for anyone else's."""
    wanted = username.strip().casefold()
    if wanted != operator.username.casefold() and operator.level != 0:
        raise NotPermitted(
            f"{operator.username} may not {doing} of {username}: only their own, "
            "or a level 0 operator for anyone"
        )
    row = db.execute("SELECT id FROM patrons WHERE username = ?", [wanted]).fetchone()
    if row is None:
        raise Invalid([Problem("username", "Username", f"no patron has the username {username!r}")])
    return row[0]


def add(db: sqlite_utils.Database, operator: Operator, username: str, key: PublicKey) -> KeyInfo:
    """Register a parsed key to ``username`` (inside the caller's write transaction)."""
    patron_id = _patron(db, operator, username, "add keys")
    holder = db.execute(
        "SELECT p.username FROM operator_keys k JOIN patrons p ON p.id = k.patron_id "
        "WHERE k.key_base64 = ? OR k.fingerprint = ?",
        [key.key_base64, key.fingerprint],
    ).fetchone()
    if holder is not None:
        # Whose it is is said to its holder and to level 0; to others, only that it is taken.
        named = holder[0] if operator.level == 0 or holder[0] == operator.username else None
        raise _bad(
            f"{key.fingerprint} is already registered"
            + (f" to {named}" if named else " to another operator")
            + "; a key belongs to one operator"
        )
    added = clock.now()
    db.execute(
        "INSERT INTO operator_keys (patron_id, algorithm, key_base64, comment, fingerprint, "
        "added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            patron_id,
            key.algorithm,
            key.key_base64,
            key.comment,
            key.fingerprint,
            added,
            operator.username,
        ],
    )
    return KeyInfo(key.fingerprint, key.algorithm, key.comment, added, operator.username)


def listed(db: sqlite_utils.Database, operator: Operator, username: str) -> list[KeyInfo]:
    """The keys registered to ``username``, oldest first."""
    patron_id = _patron(db, operator, username, "see the keys")
    return [
        KeyInfo(*row)
        for row in db.execute(
            "SELECT fingerprint, algorithm, comment, added, added_by FROM operator_keys "
            "WHERE patron_id = ? ORDER BY id",
            [patron_id],
        )
    ]


def remove(
    db: sqlite_utils.Database, operator: Operator, username: str, fingerprint: str
) -> KeyInfo:
    """Remove one of ``username``'s keys by its fingerprint (inside the caller's write
    transaction); Invalid (field "fingerprint") naming it when they have no such key."""
    patron_id = _patron(db, operator, username, "remove keys")
    wanted = fingerprint.strip()
    if wanted and not wanted.startswith("SHA256:"):
        wanted = "SHA256:" + wanted  # as `ssh-keygen -l` prints it, or without its prefix
    row = db.execute(
        "SELECT id, fingerprint, algorithm, comment, added, added_by FROM operator_keys "
        "WHERE patron_id = ? AND fingerprint = ?",
        [patron_id, wanted],
    ).fetchone()
    if row is None:
        raise Invalid(
            [
                Problem(
                    "fingerprint",
                    "Fingerprint",
                    f"{username} has no key {fingerprint.strip()!r} "
                    f"(`patron-utils keys list {username}` shows theirs)",
                )
            ]
        )
    db.execute("DELETE FROM operator_keys WHERE id = ?", [row[0]])
    return KeyInfo(*row[1:])


# -- logging in --------------------------------------------------------------------------------
def login(db: sqlite_utils.Database, username: str, public_key: str) -> Operator:
    """The operator ``username`` is, when ``public_key`` (OpenSSH text of the key the client
    proved it holds) is registered to them and they may log in now.

    Refusals say what a wrong password says (LOGIN_FAILED), whatever the cause; a locked
    username says it is locked, and a reset password raises PasswordChangeRequired, as a
    password login does. A key that does not match is NOT counted as a failed login, and
    costs no pause: an SSH client offers each of its keys in turn until one is accepted,
    so a mismatch is an ordinary step of logging in, not a guess (OpenSSH counts it the
    same way). Reads only: nothing is written, so a busy database never refuses a login.
    """
    username = username.strip().casefold()
    try:
        key = parse(public_key)
    except Invalid:
        raise LoginFailed(LOGIN_FAILED) from None
    seconds = security.locked_for(db, username)
    row = db.execute(
        "SELECT p.id, p.password_hash, p.must_change_password FROM operator_keys k "
        "JOIN patrons p ON p.id = k.patron_id WHERE p.username = ? AND k.key_base64 = ?",
        [username, key.key_base64],
    ).fetchone()
    if row is None:
        raise LoginFailed(LOGIN_FAILED)
    return _logged_in(db, username, row, seconds)


def session(db: sqlite_utils.Database, username: str) -> Operator:
    """The operator ``username`` is now, without a credential: see Store.session_operator."""
    username = username.strip().casefold()
    seconds = security.locked_for(db, username)
    row = db.execute(
        "SELECT id, password_hash, must_change_password FROM patrons WHERE username = ?",
        [username],
    ).fetchone()
    if row is None:
        raise LoginFailed(LOGIN_FAILED)
    return _logged_in(db, username, row, seconds)


def _logged_in(
    db: sqlite_utils.Database, username: str, row: tuple, locked_seconds: float | None
) -> Operator:
    """The status, lockout and "must change password" rules of a password login."""
    import dataclasses

    operator = security.operator_for(db, row[0])
    if operator is None:  # suspended, inactive, transferred, or a group granting nothing
        raise LoginFailed(LOGIN_FAILED)
    if locked_seconds is not None:
        raise LoginFailed(security.locked_message(username, locked_seconds))
    if row[2]:
        raise PasswordChangeRequired(operator.username)
    # The session carries the password's mark, as a password login's does: an administrator
    # who resets the password ends it.
    return dataclasses.replace(operator, credential=security.credential_of(row[1]))
