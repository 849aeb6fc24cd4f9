"""Saved runs: saving, replacing, renaming, deleting, finding, and what is refused."""

from __future__ import annotations

import pytest

import store

from ..operators import ADMIN
from .runs import NOW, count

# -- saved runs ------------------------------------------------------------------------------

GRADUATES = {"graduation_to": "today-1y", "grades": ["12", "Graduated"]}


def test_a_saved_run_lists_with_what_was_saved(small_db):
    s = small_db
    run_id, replaced = s.save_run(
        "change-status", "Graduates", GRADUATES, {"status": "inactive"}, ADMIN
    )
    assert replaced is False
    runs = s.saved_runs()
    assert [r["id"] for r in runs] == [run_id]
    saved = runs[0]
    assert (saved["utility"], saved["name"], saved["operator"], saved["saved"]) == (
        "change-status",
        "Graduates",
        "demo",
        NOW,
    )
    assert saved["selection"] == s.validate_selection(GRADUATES).model_dump(mode="json")
    assert saved["selection"]["graduation_to"] == "today-1y"  # stays relative
    assert saved["selection"]["grades"] == ["12", "Graduated"]
    assert saved["options"] == {"status": "Inactive"}
    assert s.saved_run(run_id) == saved
    assert s.saved_runs("change-status") == runs
    assert s.saved_runs("change-grade") == []
    # What was saved plans as it did when saved.
    plan = s.plan("change-status", saved["selection"], saved["options"], ADMIN)
    # Graduated by 06/01/2025 (today-1y) in grade 12 or Graduated: Dan Davis only.
    assert {r.barcode for r in plan.page(0, 100)} == {"1000"}


def test_saving_under_the_same_name_in_another_case_replaces_the_run(small_db):
    s = small_db
    run_id, _ = s.save_run("change-status", "Graduates", GRADUATES, {"status": "Inactive"}, ADMIN)
    again, replaced = s.save_run(
        "change-status", "  GRADUATES ", {"grades": ["12"]}, {"status": "Other"}, ADMIN
    )
    assert (again, replaced) == (run_id, True)
    runs = s.saved_runs()
    assert len(runs) == 1 and count(s, "saved_runs") == 1
    assert runs[0]["name"] == "GRADUATES"
    assert runs[0]["selection"]["grades"] == ["12"]
    assert runs[0]["selection"]["graduation_to"] == ""
    assert runs[0]["options"] == {"status": "Other"}
    # The same name for another utility is another run.
    other, replaced = s.save_run("change-grade", "graduates", {}, {"grade": "K"}, ADMIN)
    assert replaced is False and other != run_id
    assert [(r["utility"], r["name"]) for r in s.saved_runs()] == [
        ("change-grade", "graduates"),
        ("change-status", "GRADUATES"),
    ]


def test_rename_a_saved_run_and_a_clash_is_refused(small_db):
    s = small_db
    first, _ = s.save_run("change-status", "Graduates", {}, {"status": "Inactive"}, ADMIN)
    second, _ = s.save_run("change-status", "Transfers", {}, {"status": "Transferred"}, ADMIN)
    other, _ = s.save_run("change-grade", "Seniors", {}, {"grade": "12"}, ADMIN)

    s.rename_run(first, "  Leavers ", ADMIN)
    assert s.saved_run(first)["name"] == "Leavers"
    s.rename_run(first, "LEAVERS", ADMIN)  # its own name in another case is no clash
    assert s.saved_run(first)["name"] == "LEAVERS"

    with pytest.raises(store.Invalid) as info:
        s.rename_run(first, "transfers", ADMIN)
    assert [(p.field, p.title) for p in info.value.problems] == [("name", "Saved run name")]
    assert "Saved run name" in str(info.value)
    assert s.saved_run(first)["name"] == "LEAVERS"

    s.rename_run(first, "Seniors", ADMIN)  # a run of another utility may have the name
    assert s.saved_run(first)["name"] == "Seniors"
    assert s.saved_run(other)["name"] == "Seniors"
    with pytest.raises(store.Invalid):
        s.rename_run(second, "", ADMIN)
    with pytest.raises(KeyError):
        s.rename_run(999, "Anything", ADMIN)


def test_delete_a_saved_run(small_db):
    s = small_db
    keep, _ = s.save_run("change-status", "Keep", {}, {"status": "Active"}, ADMIN)
    gone, _ = s.save_run("change-status", "Gone", {}, {"status": "Other"}, ADMIN)
    s.delete_run(gone, ADMIN)
    assert [r["id"] for r in s.saved_runs()] == [keep]
    with pytest.raises(KeyError):
        s.saved_run(gone)
    with pytest.raises(KeyError):
        s.delete_run(gone, ADMIN)
    assert [r["id"] for r in s.saved_runs()] == [keep]


def test_find_a_saved_run_by_name_in_any_case(small_db):
    s = small_db
    run_id, _ = s.save_run("change-status", "Graduates", GRADUATES, {"status": "Inactive"}, ADMIN)
    s.save_run("change-grade", "Seniors", {}, {"grade": "12"}, ADMIN)
    assert s.find_saved_run("graduates")["id"] == run_id
    assert s.find_saved_run("  GRADUATES ")["id"] == run_id
    assert s.find_saved_run("Graduates", "change-status")["id"] == run_id
    with pytest.raises(KeyError) as info:
        s.find_saved_run("Nobody")
    message = str(info.value)
    assert "Nobody" in message
    assert "Graduates (change-status)" in message and "Seniors (change-grade)" in message
    with pytest.raises(KeyError):
        s.find_saved_run("Graduates", "change-grade")


def test_a_name_two_utilities_share_needs_the_utility(small_db):
    s = small_db
    status, _ = s.save_run("change-status", "Spring", {}, {"status": "Active"}, ADMIN)
    grade, _ = s.save_run("change-grade", "spring", {}, {"grade": "K"}, ADMIN)
    with pytest.raises(KeyError) as info:
        s.find_saved_run("SPRING")
    assert "ambiguous" in str(info.value)
    assert s.find_saved_run("SPRING", "change-status")["id"] == status
    assert s.find_saved_run("SPRING", "change-grade")["id"] == grade


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 61, "tab\there", "new\nline", "nul\x00", "bell\x07", "bidi\u202ename"],
    ids=["blank", "spaces", "61-chars", "tab", "newline", "nul", "bell", "bidi-override"],
)
def test_invalid_names_are_refused(small_db, name):
    with pytest.raises(store.Invalid) as info:
        small_db.save_run("change-status", name, {}, {"status": "Active"}, ADMIN)
    assert [(p.field, p.title) for p in info.value.problems] == [("name", "Saved run name")]
    assert count(small_db, "saved_runs") == 0


def test_a_name_of_sixty_characters_is_accepted(small_db):
    name = "Ö" + "x" * 59
    run_id, _ = small_db.save_run("change-status", name, {}, {"status": "Active"}, ADMIN)
    assert small_db.saved_run(run_id)["name"] == name


@pytest.mark.parametrize(
    "key, selection, options, title",
    [
        ("change-status", {"grades": ["13"]}, {"status": "Active"}, "Patrons in Grade"),
        ("change-status", {"graduation_to": "someday"}, {"status": "Active"}, "Graduation date to"),
        ("change-status", {"balance_from": "1.00"}, {"status": "Active"}, "Patron Balance from"),
        ("change-status", {}, {"status": "Retired"}, "Change Status to"),
        ("change-grade", {}, {"grade": "13"}, "Change Grade to"),
        (
            "forgive-charges",
            {},
            {"category": "All Charges, Fees, and Fines", "transaction_from": "yesterday"},
            "Transaction Date Starting",
        ),
    ],
    ids=["grade", "date", "balance-not-offered", "status", "option-choice", "option-date"],
)
def test_invalid_selection_or_options_are_refused_and_nothing_is_saved(
    small_db, key, selection, options, title
):
    with pytest.raises(store.Invalid) as info:
        small_db.save_run(key, "Bad", selection, options, ADMIN)
    assert title in [p.title for p in info.value.problems]
    assert title in str(info.value)
    assert count(small_db, "saved_runs") == 0


def test_saved_runs_survive_closing_and_reopening_the_store(small_db):
    run_id, _ = small_db.save_run(
        "change-status", "Graduates", GRADUATES, {"status": "Inactive"}, ADMIN
    )
    saved = small_db.saved_run(run_id)
    small_db.close()
    reopened = store.Store(small_db.path)
    try:
        assert reopened.saved_runs() == [saved]
        assert reopened.find_saved_run("graduates")["selection"]["graduation_to"] == "today-1y"
    finally:
        reopened.close()
