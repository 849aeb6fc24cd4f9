"""Patron Password, as the journal knows it: a patron chose their own new password on the
password page (patron-utils serve --web), from a reset link or after logging in.

Not in the picker (patrons make it, store/patron_passwords.py writes it); declared here so
the Operations screen, the summary and undo read it like any other operation.
"""

from pydantic import Field

from ..security import PASSWORDS, UTILITIES, Operator
from ..validation import StoreModel
from .base import PlanSQL, Utility


class PatronPasswordOptions(StoreModel):
    how: str = Field("", title="How")


class PatronPassword(Utility[PatronPasswordOptions]):
    key = "patron-password"
    title = "Patron Password"
    summary = "A patron chose a new password on the password page."
    # Undoing it puts the patron's previous password back: that is setting a password.
    permissions = (UTILITIES, PASSWORDS)
    Options = PatronPasswordOptions
    value_label = "Password"
    fixed_description = "The patron who signed in or followed their reset link"

    def plan_sql(self, options: PatronPasswordOptions, operator: Operator) -> PlanSQL:
        raise NotImplementedError("patrons choose their passwords on the password page")
