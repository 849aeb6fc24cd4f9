"""w on a screen that shows a report (an operation's summary, a patron's record): ask for a
file name, write it through the store, ask before replacing a file, say where it went — and
over SSH, where the files here are the server's, say the command that saves it instead."""

from __future__ import annotations

from textual import work

from store import NotPermitted, Store
from store.file_out import FileExists

from ..base import ProductScreen
from .confirm import ConfirmScreen
from .prompt import PromptScreen


class FileWritingScreen(ProductScreen[None]):
    """A screen whose w writes its report; the screen says what and how (the four hooks)."""

    store: Store  # the screen's own

    def write_question(self) -> str:
        """The prompt: which file, and what a .csv name gives."""
        raise NotImplementedError

    def write_default(self) -> str:
        """The file name offered."""
        raise NotImplementedError

    def over_ssh(self) -> str:
        """How to save the report on one's own computer, said instead of writing over SSH."""
        raise NotImplementedError

    def write_report_file(self, path: str, overwrite: bool) -> str:
        """Write through the store (in a worker thread); returns the full path."""
        raise NotImplementedError

    def action_write(self, path: str | None = None) -> None:
        if not self.store.server_files:  # over SSH: the files here are the server's
            self.notify(
                f"Over SSH this would write to the server's files. {self.over_ssh()}",
                severity="warning",
                timeout=15,
            )
            return
        self.app.push_screen(
            PromptScreen(
                self.write_question(),
                path or self.write_default(),
                keys="Enter writes · Escape cancels",
            ),
            self._write_to,
        )

    def _write_to(self, path: str | None) -> None:
        if path is None:
            return
        if not path.strip():
            self.notify("Not written: give a file name.", severity="warning")
            self.action_write()
            return
        self.write_file(path.strip())

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def write_file(self, path: str, overwrite: bool = False) -> None:
        try:
            written = self.write_report_file(path, overwrite)
        except NotPermitted as exc:
            self.app.call_from_thread(self._not_written, exc)
            return
        except FileExists:
            self.app.call_from_thread(self._confirm_replace, path)
            return
        except OSError as exc:
            self.app.call_from_thread(self._write_failed, path, exc.strerror or str(exc))
            return
        self.app.call_from_thread(self.notify, f"Written to {written}", timeout=15)

    def _confirm_replace(self, path: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.write_file(path, overwrite=True)
            else:
                self.action_write(path)

        self.app.push_screen(
            ConfirmScreen(
                f"Replace {path}?",
                ["A file of that name is there already; writing replaces it."],
                verb="Replace",
            ),
            answered,
        )

    def _write_failed(self, path: str, why: str) -> None:
        """Say why, and ask again with the path as typed."""
        self.notify(f"Not written: {why} ({path})", severity="error", timeout=10)
        self.action_write(path)

    def _not_written(self, exc: Exception) -> None:
        if not self.app.refused(exc):
            self.notify(f"Not written: {exc}", severity="error", timeout=10)
