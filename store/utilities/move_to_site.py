"""Move Patrons to Site (centralized catalogs only)."""

from .. import preferences
from ..fields import choice
from ..validation import StoreModel
from .base import SetPatronColumn


class MoveToSiteOptions(StoreModel):
    site: str = choice(
        "real_site",
        title="New Site",
        description="The site selected patrons will be in (not the Union Site).",
    )


class MovePatronsToSite(SetPatronColumn[MoveToSiteOptions]):
    key = "move-to-site"
    title = "Move Patrons to Site"
    summary = "Moves selected patrons from their current site to the specified site."
    guidance = (
        "Run this utility if you accidentally imported patron records to the wrong site "
        "and need to move them. Only available with a Centralized Catalog."
    )
    textbook_tracker = True
    Options = MoveToSiteOptions
    value_label = "Site"
    column = "site"
    option = "site"

    def unavailable(self, prefs: dict[str, str]) -> str | None:
        if not preferences.is_on(prefs, "centralized_catalog"):
            return "only available to libraries with a Centralized Catalog (Preferences)"
        return None
