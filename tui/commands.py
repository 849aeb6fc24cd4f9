"""The command palette offers every utility and every screen: Operations, Preferences."""
from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class UtilityCommands(Provider):
    """Open, by name from ctrl+p, any utility the operator may run, or another screen."""

    def _entries(self) -> list[tuple[str, object, str]]:
        # (title, what it does, help), in the library's words.
        say = self.app.say
        screens = [("Operations", self.app.action_operations,
                    "The journal: every operation, its summary, undo"),
                   ("Preferences", self.app.action_preferences,
                    "The library's terms, the grade table, limits")]
        return screens + [(say(entry.title), partial(self.app.open_utility, entry.key),
                           say(entry.summary)) for entry in self.app.runnable()]

    async def discover(self) -> Hits:
        for title, action, text in self._entries():
            yield DiscoveryHit(title, action, help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), action, help=text)
