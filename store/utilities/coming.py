"""Utilities of the seed not built yet: the picker lists them, disabled, marked "coming".

Each moves to a module of its own when it is built.
"""
from ..security import FORGIVE, REMOVE_PATRONS, UTILITIES
from .base import Coming


class ForgiveCharges(Coming):
    key = "forgive-charges"
    permissions = (UTILITIES, FORGIVE)
    title = "Forgive Charges"
    summary = "Forgives selected charges, fees, or fines created during a transaction date range."
    guidance = (
        "If you declare all overdue items lost at the end of the school year but only want to "
        "charge the lost item fee, run this utility with Overdue Fines Only.\n\n"
        "To forgive only minimal charges, such as those under $1, use the Patron Balance selection."
    )
    textbook_tracker = True


class RemovePatrons(Coming):
    key = "remove-patrons"
    permissions = (UTILITIES, REMOVE_PATRONS)
    title = "Remove Patrons"
    summary = "Removes selected patron records from your database."
    guidance = (
        "Run this utility at the end of the school year if you re-import your patrons each "
        "year. To remove graduated patrons, select by Graduation Date or by the Last Grade "
        "(most commonly \"Graduated\"). Remove patrons with a status of Transferred, or with a "
        "location of Gone."
    )
    textbook_tracker = True
