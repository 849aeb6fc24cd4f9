"""Reassign Union Site Patrons: from the Union Site to a real site."""

from ..fields import choice
from ..validation import StoreModel
from .base import SetPatronColumn


class ReassignUnionSiteOptions(StoreModel):
    site: str = choice(
        "real_site", title="New Site", description="The site these Union Site patrons belong to."
    )


class ReassignUnionSitePatrons(SetPatronColumn[ReassignUnionSiteOptions]):
    key = "reassign-union-site"
    title = "Reassign Union Site Patrons"
    summary = (
        "Changes the assigned site of selected patrons from the Union Site to the specified site."
    )
    guidance = (
        "Patrons are assigned to the Union Site when imports are run with an invalid or "
        "non-existent site code. If you made a mistake while importing patron records and they "
        "are now in the Union Site, run this utility to assign them to the correct site."
    )
    Options = ReassignUnionSiteOptions
    value_label = "Site"
    column = "site"
    option = "site"
    fixed_where = "p.site IN (SELECT code FROM sites WHERE is_union)"
    fixed_description = "Always: only patrons of the Union Site"
    fixed_reason = "not on the Union Site"
    hidden_criteria = ("sites",)
