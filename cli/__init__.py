"""The headless command line: the same utilities, models and journal as the app, for
scripts and cron. Never imports Textual (a server without a terminal can run it)."""

from __future__ import annotations

from collections.abc import Callable

from . import files, password, run

# patron-utils COMMAND … : the commands that need no screen.
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "list": run.list_utilities,
    "run": run.run,
    "log": run.log,
    "undo": run.undo,
    "import": files.import_patrons,
    "export": files.export_patrons,
    "password": password.change_password,
}
