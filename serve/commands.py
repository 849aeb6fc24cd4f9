"""What an SSH client may ask for instead of the app: a command of cli/, on the service's
database, as the operator who logged in."""

from __future__ import annotations

import shlex

# The commands that read or change the database and nothing else of the server.
ALLOWED = (
    "list",
    "run",
    "log",
    "show",
    "patron",
    "undo",
    "password",
    "export",
    "keys",
    "preferences",
    "grades",
)
# Flags that would reach past the session: another database, another operator, or a file
# of the server (which the service account can read, the operator perhaps not).
REFUSED_FLAGS = {
    "--db": "the service's database is the one used",
    "--operator": "you are the operator who logged in",
    "--barcodes-file": "it names a file of the server; list the barcodes with --barcodes",
    "--output": "it names a file of the server; the patrons come on standard output",
}


def parse(command: str) -> tuple[list[str] | None, str | None]:
    """(argv for patron-utils, None), or (None, why it is refused). An empty command is
    ([], None): the app, as with no command."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return None, f"the command cannot be read ({exc})"
    if not argv:
        return [], None
    if argv[0] not in ALLOWED:
        return None, (
            f"{argv[0]!r} is not a command of this service; it runs the app (ssh -t) "
            f"or one of: {', '.join(ALLOWED)}"
        )
    for arg in argv[1:]:
        name = arg.split("=", 1)[0]
        if name in REFUSED_FLAGS:
            return None, f"{name}: not over SSH; {REFUSED_FLAGS[name]}"
    if argv[:2] == ["keys", "add"]:
        given = [a for a in argv[2:] if a == "-" or not a.startswith("-")]
        if len(given) > 1 and given[1] != "-":
            return None, (
                f"{given[1]!r}: not over SSH, it names a file of the server; give the key on "
                "standard input: ssh … keys add USER < ~/.ssh/id_ed25519.pub"
            )
    return argv, None
