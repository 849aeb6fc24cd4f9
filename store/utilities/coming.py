"""Utilities of the seed not built yet: the picker lists them, disabled, marked "coming".

Each moves to a module of its own when it is built.
"""
from ..security import FORGIVE, REMOVE_PATRONS, REMOVE_RECORDS, UTILITIES
from .base import Coming


class AdvancePatronGrade(Coming):
    key = "advance-grade"
    title = "Advance Patron Grade"
    summary = "Moves specified patrons to the next grade (i.e. level)."
    guidance = (
        "Run this utility if you need to be specific about which patrons move to the next "
        "grade. Grades follow the order of the Grade Table in Patron Preferences.\n\n"
        "If you name your policies after grades, update those policies afterwards with "
        "Change Patron Policy."
    )


class ChangePatron2ndLocation(Coming):
    key = "change-location2"
    title = "Change Patron 2nd Location"
    summary = "Changes or adds a specified 2nd location for selected patrons."
    guidance = "If the new 2nd location is left blank, the utility removes the current 2nd location."
    textbook_tracker = True


class ChangePatronPolicy(Coming):
    key = "change-policy"
    title = "Change Patron Policy"
    summary = "Changes the policy of selected patrons to the specified policy."
    guidance = (
        "If you base policies on grades, run this utility at the end or beginning of a school "
        "year to update patron policies after advancing grades. Use the Patrons in Grade "
        "selection to choose the grade(s) for a policy.\n\n"
        "Newly changed policies do not affect the loan periods or fines of items already "
        "checked out."
    )
    textbook_tracker = True


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


class MovePatronsToSite(Coming):
    key = "move-to-site"
    title = "Move Patrons to Site"
    summary = "Moves selected patrons from their current site to the specified site."
    guidance = (
        "Run this utility if you accidentally imported patron records to the wrong site. "
        "Only available with a Centralized Catalog."
    )
    textbook_tracker = True


class ReassignUnionSitePatrons(Coming):
    key = "reassign-union-site"
    title = "Reassign Union Site Patrons"
    summary = "Changes the assigned site of selected patrons from the Union Site to the specified site."
    guidance = (
        "Patrons are assigned to the Union Site when imports are run with an invalid or "
        "non-existent site code. Run this utility to assign them to the correct site."
    )


class RemovePatronHistory(Coming):
    key = "remove-history"
    permissions = (UTILITIES, REMOVE_RECORDS)
    title = "Remove Patron History"
    summary = "Removes everything but Lexile history from selected patrons' histories."
    guidance = (
        "Run this utility to clear up space, start with a clean slate on statistics, or remove "
        "information because of privacy concerns. Payments, credits, renewals, lost items, "
        "refunds and returned items are removed; Lexile history stays."
    )


class RemovePatronNotes(Coming):
    key = "remove-notes"
    permissions = (UTILITIES, REMOVE_RECORDS)
    title = "Remove Patron Notes"
    summary = "Removes all Contact, General, Alert, or Category notes from selected patrons."
    guidance = "Run this utility to remove old and temporary notes past librarians may have left."


class RemovePatronPictures(Coming):
    key = "remove-pictures"
    permissions = (UTILITIES, REMOVE_RECORDS)
    title = "Remove Patron Pictures"
    summary = "Removes the pictures of selected patrons."
    guidance = "Run this utility if patron pictures need to be replaced or removed for privacy."


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


class RenewPatronAccounts(Coming):
    key = "renew-accounts"
    title = "Renew Patron Accounts"
    summary = "Renews the accounts of all selected patrons."
    guidance = (
        "The number of days an account stays active after renewal comes from the patron's "
        "policy. Only works when account expiration dates are not disabled in preferences."
    )
    textbook_tracker = True
