"""The command palette offers every utility."""
from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class UtilityCommands(Provider):
    """Open, by name from ctrl+p, any utility the operator may run."""

    def _entries(self):
        return self.app.runnable()

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.title, partial(self.app.open_utility, entry.key),
                               help=entry.summary)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title),
                          partial(self.app.open_utility, entry.key), help=entry.summary)
