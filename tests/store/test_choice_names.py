"""store/choice_names.py: a choice typed as titled in any case or in kebab case is the value as
spelled where it is defined — the same at every door that validates (a form, a flag, a saved
run), for the fixed choices and the database's alike."""

from __future__ import annotations

import pytest

from store import Invalid
from store.choice_names import Names, kebab, shown

from ..operators import ADMIN


def test_kebab_forms():
    assert kebab("First Initial + Last Name") == "first-initial-last-name"
    assert kebab("All Charges, Fees, and Fines") == "all-charges-fees-and-fines"
    assert kebab("Last Name (non-secure)") == "last-name-non-secure"
    assert kebab("Élan 2nd") == "elan-2nd"
    assert shown("Card Lost") == "Card Lost (card-lost)" and shown("12") == "12"


def test_names_resolve_exact_then_any_case_then_kebab():
    names = Names(["Grade 9-12", "Staff", "staff", "Staff A", "Staff-A"])
    assert names.resolve("grade-9-12") == "Grade 9-12"
    assert names.resolve("GRADE 9-12") == "Grade 9-12"
    assert names.resolve("staff") == "staff" and names.resolve("Staff-A") == "Staff-A"
    assert names.resolve("nobody") is None
    with pytest.raises(ValueError, match="'Staff A', 'Staff-A'"):
        names.resolve("staff-a")
    with pytest.raises(ValueError, match="'Staff', 'staff'"):
        names.resolve("STAFF")


def test_a_saved_run_resolves_as_the_flags_do(small_db):
    run_id, _ = small_db.save_run(
        "change-status", "Summer", {"statuses": ["card-lost"]}, {"status": "inactive"}, ADMIN
    )
    run = small_db.saved_run(run_id)
    assert (run["selection"]["statuses"], run["options"]["status"]) == (["Card Lost"], "Inactive")
    options = small_db.validate_options("change-policy", {"policy": "secondary"})
    assert options.policy == "Secondary"
    with pytest.raises(Invalid, match="is not in the policies"):
        small_db.validate_options("change-policy", {"policy": "tertiary"})
