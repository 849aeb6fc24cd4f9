"""The headless command line: the same utilities, models and journal as the app, for
scripts and cron. Never imports Textual (a server without a terminal can run it)."""

from __future__ import annotations

from collections.abc import Callable

from . import (
    demo,
    files,
    grades,
    journal,
    keys,
    mail,
    password,
    patron,
    preferences,
    run,
    sync,
)

# patron-utils COMMAND … : the commands that need no screen.
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "list": run.list_utilities,
    "run": run.run,
    "log": journal.log,
    "show": journal.show,
    "patron": patron.patron,
    "undo": journal.undo,
    "import": files.import_patrons,
    "export": files.export_patrons,
    "password": password.change_password,
    "demo": demo.create,
    "send-mail": mail.send_mail,
    "keys": keys.keys,
    "preferences": preferences.preferences,
    "grades": grades.grades,
    "sync": sync.sync,
}
# What `patron-utils --help` says of each.
SUMMARIES: dict[str, str] = {
    "list": "list every utility's key and title",
    "run": "run a utility: patron-utils run KEY --help",
    "log": "list the journal's operations",
    "show": "an operation's patrons, each with its outcome: patron-utils show ID",
    "patron": "one patron's record and Patron History report",
    "undo": "undo an operation: patron-utils undo ID --yes",
    "import": "import patrons from a CSV file",
    "export": "export selected patrons as CSV or JSON",
    "password": "choose a new password (asks on a terminal)",
    "demo": "(re)create a demo database",
    "send-mail": "deliver queued messages (password-reset links) over SMTP",
    "keys": "add, list or remove an operator's SSH public keys",
    "preferences": "show or set the library's preferences (terms, switches)",
    "grades": "list or edit the grade table (add, rename, remove, move, last)",
    "sync": "sync the patrons from the school's roster: patron-utils sync oneroster PATH",
}
