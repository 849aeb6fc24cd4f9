"""``patron-utils keys add | list | remove``: the SSH public keys an operator logs in with.

An operator manages their own keys; a level 0 operator anyone's. The store decides, at
the moment of the write; this only reads the key file and says what came of it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from store import Invalid, KeyInfo
from store.file_out import printable
from store.operator_keys import MAX_KEY_TEXT

from .run import DONE, INVALID, common, fail, guarded, log_in, open_store


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="patron-utils keys",
        description="The SSH public keys operators log in with. An operator may add, list "
        "and remove their own; a level 0 operator anyone's.",
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add",
        help="register a public key: patron-utils keys add USER ~/.ssh/id_ed25519.pub",
        description="Register an OpenSSH public key (one line of a .pub file) to USER.",
    )
    add.add_argument("username", metavar="USER", help="the operator who will log in with it")
    add.add_argument(
        "file",
        metavar="FILE",
        nargs="?",
        default="-",
        help="the public key file (default, or -: read the key from standard input)",
    )
    listing = sub.add_parser(
        "list",
        help="list USER's keys",
        description="USER's keys: fingerprint, type, comment, when added and by whom.",
    )
    listing.add_argument("username", metavar="USER")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    remove = sub.add_parser(
        "remove",
        help="remove one of USER's keys by its fingerprint",
        description="Remove one of USER's keys, named by its fingerprint (SHA256:…, as "
        "`patron-utils keys list USER` or `ssh-keygen -l -f FILE` shows it).",
    )
    remove.add_argument("username", metavar="USER")
    remove.add_argument("fingerprint", metavar="FINGERPRINT")
    for each in (add, listing, remove):
        common(each)
    return p


def keys(argv: list[str]) -> int:
    args = parser().parse_args(argv)

    def action() -> int:
        try:
            return ACTIONS[args.action](args)
        except Invalid as exc:  # named as this command's arguments, not as --flags
            given = {
                "key": "standard input" if getattr(args, "file", "-") == "-" else args.file,
                "fingerprint": "FINGERPRINT",
                "username": "USER",
            }
            raise fail(
                INVALID,
                "; ".join(
                    f"{given.get(p.field, p.field)} ({p.title.lower()}): {p.message}"
                    for p in exc.problems
                )
                + "; nothing was written",
            ) from None

    return guarded(action)


def _add(args: argparse.Namespace) -> int:
    text = read_key(args.file)  # read first: a wrong file is said before a password is asked
    store = open_store(args)
    try:
        key = store.add_key(log_in(store, args), args.username, text)
    finally:
        store.close()
    print(f"Added {_line(key)} to {printable(args.username)}.")
    return DONE


def _list(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        found = store.keys(log_in(store, args), args.username)
    finally:
        store.close()
    if args.format == "json":
        print(json.dumps([asdict(k) for k in found], indent=1))
    elif not found:
        print(f"{printable(args.username)} has no SSH keys.", file=sys.stderr)
    for key in found if args.format == "text" else []:
        print(
            "\t".join(
                printable(v)
                for v in (key.fingerprint, key.algorithm, key.comment, key.added, key.added_by)
            )
        )
    return DONE


def _remove(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        key = store.remove_key(log_in(store, args), args.username, args.fingerprint)
    finally:
        store.close()
    print(f"Removed {_line(key)} from {printable(args.username)}.")
    return DONE


ACTIONS = {"add": _add, "list": _list, "remove": _remove}


def _line(key: KeyInfo) -> str:
    comment = f" ({printable(key.comment)})" if key.comment else ""
    return f"{key.algorithm} key {key.fingerprint}{comment}"


def read_key(name: str) -> str:
    """The text of FILE (or standard input for -), with what is wrong said of FILE."""
    where = "standard input" if name == "-" else name
    try:
        if name == "-":
            if sys.stdin.isatty():
                print("Paste the public key line, then press Ctrl-D:", file=sys.stderr)
            data = sys.stdin.buffer.read(MAX_KEY_TEXT + 1)
        else:
            path = Path(name)
            if path.is_dir():
                raise fail(INVALID, f"FILE: {name} is a folder, not a public key file")
            with path.open("rb") as f:
                data = f.read(MAX_KEY_TEXT + 1)
    except FileNotFoundError:
        raise fail(INVALID, f"FILE: there is no file {name}") from None
    except OSError as exc:
        raise fail(INVALID, f"FILE: {where} could not be read ({exc.strerror})") from None
    if len(data) > MAX_KEY_TEXT:
        raise fail(
            INVALID,
            f"FILE: {where} is larger than {MAX_KEY_TEXT // 1024} KB; a public key file is one "
            "line (id_ed25519.pub, say)",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail(
            INVALID, f"FILE: {where} is not text; a public key file is one line of text"
        ) from None
