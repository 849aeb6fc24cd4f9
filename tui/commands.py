"""The command palette offers every utility and every screen: Operations, Preferences."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

if TYPE_CHECKING:  # the app imports this module: its type only
    from .app import PatronUtilsApp


def system_commands(app: PatronUtilsApp, screen: Screen) -> Iterator[SystemCommand]:
    """The palette's own entries: the keys of this screen, Undo on an operation's summary,
    Quit. (Not Textual's screenshot: a file written where the operator never said.)"""
    from .screens.summary import SummaryScreen

    yield SystemCommand("Keys", "Every key of this screen (F1)", app.action_keys)
    if isinstance(screen, SummaryScreen):
        yield SystemCommand(
            f"Undo operation #{screen.operation_id}",
            "Put back what this operation changed (asks first)",
            screen.action_undo,
        )
    yield SystemCommand("Quit", "Leave Patron Utilities (ctrl+q)", app.action_quit)


class UtilityCommands(Provider):
    """Open, by name from ctrl+p, any utility the operator may run, or another screen."""

    if TYPE_CHECKING:

        @property
        def app(self) -> PatronUtilsApp: ...

    def _entries(self) -> list[tuple[str, Callable[[], Any], str]]:
        # (title, what it does, help), in the library's words.
        if self.app.operator is None:  # the login screen: nothing to open yet
            return []
        say = self.app.say
        screens = [
            (
                "Operations",
                self.app.action_operations,
                "The journal: every operation, its summary, undo",
            ),
            (
                "Preferences",
                self.app.action_preferences,
                "The library's terms, the grade table, limits",
            ),
        ]
        runnable = self.app.runnable()
        utilities = [
            (say(entry.title), partial(self.app.open_utility, entry.key), say(entry.summary))
            for entry in runnable
        ]
        titles = {entry.key: say(entry.title) for entry in runnable}
        # A damaged saved run is left to the picker, which says why it cannot open.
        runs = [
            (
                f"{run['name']} (saved run)",
                partial(self.app.open_utility, run["utility"], run),
                f"{titles[run['utility']]}, saved by {run['operator']}",
            )
            for run in self.app.store.saved_runs()
            if run["utility"] in titles and not run.get("damaged")
        ]
        return screens + utilities + runs

    async def discover(self) -> Hits:
        for title, action, text in self._entries():
            yield DiscoveryHit(title, action, help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), action, help=text)
