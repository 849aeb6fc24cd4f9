"""Library preferences: terminology, the grade table, and what they switch on and off."""

from __future__ import annotations

import pytest

import store
from store import preferences
from store.preferences import localize

from ..operators import ADMIN, AIDE


@pytest.fixture
def s(demo_store):
    return demo_store


def grade_names(s) -> list[str]:
    return [g["name"] for g in s.grades()]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Patrons in Location", "Patrons in Homeroom"),
        ("Change Patron 2nd Location", "Change Patron Bus Route"),
        ("Any of these locations.", "Any of these homerooms."),
        ("Patrons in Grade", "Patrons in Level"),
        (
            "Moves patrons to the next grade of the grade table",
            "Moves patrons to the next level of the level table",
        ),
        ("Graduated", "Graduated"),  # not a use of the word Grade
    ],
)
def test_localize_uses_the_librarys_words(text, expected):
    prefs = {"term.location": "Homeroom", "term.location2": "Bus Route", "term.grade": "Level"}
    assert localize(text, prefs) == expected


def test_localize_leaves_2nd_location_alone_when_only_location_is_renamed():
    assert (
        localize("Change Patron 2nd Location or Location", {"term.location": "Homeroom"})
        == "Change Patron 2nd Location or Homeroom"
    )


def test_save_and_read_back(s):
    data = s.library_preferences().model_dump()
    data.update(
        location_term="Homeroom", centralized_catalog=False, disable_account_expiration=True
    )
    s.save_preferences(data, ADMIN)
    prefs = s.preferences()
    assert prefs["term.location"] == "Homeroom"
    assert prefs["centralized_catalog"] == "0" and prefs["disable_account_expiration"] == "1"


def test_a_save_does_not_overwrite_what_another_session_saved_since_it_read(s):
    read = s.library_preferences().model_dump()  # two screens open on the same values
    s.save_preferences({**read, "centralized_catalog": False}, ADMIN, read)  # the first saves
    with pytest.raises(store.Invalid) as info:  # the second, unaware, would turn it back on
        s.save_preferences({**read, "location_term": "Homeroom"}, ADMIN, read)
    [problem] = info.value.problems
    assert (problem.field, problem.title) == ("centralized_catalog", "Centralized catalog")
    assert problem.message.startswith("another technician changed it to No since this screen")
    prefs = s.preferences()
    assert (prefs["centralized_catalog"], prefs["term.location"]) == ("0", "Location")
    # Read again, it saves.
    again = s.library_preferences().model_dump()
    s.save_preferences({**again, "location_term": "Homeroom"}, ADMIN, again)
    assert s.preferences()["term.location"] == "Homeroom"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"grade_term": ""}, "grade_term"),
        ({"location_term": "x" * 31}, "location_term"),
        ({"location2_term": "Location"}, "location2_term"),  # same as another term
    ],
)
def test_bad_terms_are_refused_and_nothing_is_saved(s, change, field):
    before = s.preferences()
    data = {**s.library_preferences().model_dump(), **change}
    with pytest.raises(store.Invalid) as info:
        s.save_preferences(data, ADMIN)
    assert info.value.problems[0].field == field
    assert s.preferences() == before


def test_only_operators_with_the_permission_may_change_preferences(s):
    with pytest.raises(store.NotPermitted):
        s.save_preferences(s.library_preferences().model_dump(), AIDE)
    with pytest.raises(store.NotPermitted):
        s.edit_grades(AIDE, "add", "13")
    assert "13" not in grade_names(s)


def test_move_to_site_follows_the_centralized_catalog_preference(s):
    move = s.utility("move-to-site")
    data = s.library_preferences().model_dump()
    s.save_preferences({**data, "centralized_catalog": False}, ADMIN)
    assert "Centralized Catalog" in s.unavailable(move, ADMIN)
    with pytest.raises(store.Unavailable):
        s.plan("move-to-site", {}, {"site": "MID"}, ADMIN)
    s.save_preferences({**data, "centralized_catalog": True}, ADMIN)
    assert s.unavailable(move, ADMIN) is None
    assert s.plan("move-to-site", {}, {"site": "MID"}, ADMIN).counts.matched > 0


def test_renew_is_refused_while_expiration_dates_are_disabled(s):
    data = s.library_preferences().model_dump()
    s.save_preferences({**data, "disable_account_expiration": True}, ADMIN)
    with pytest.raises(store.Unavailable, match="Disable account expiration dates is unchecked"):
        s.plan("renew-accounts", {}, {}, ADMIN)
    assert s.db.execute("SELECT count(*) FROM operations").fetchone()[0] == 0


def test_add_rename_move_and_remove_grades(s):
    s.edit_grades(ADMIN, "add", "13", "12")
    assert grade_names(s)[-3:] == ["12", "13", "Graduated"]
    s.edit_grades(ADMIN, "move", "13", -1)
    assert grade_names(s)[-4:] == ["11", "13", "12", "Graduated"]
    s.edit_grades(ADMIN, "rename", "13", "Post-secondary")
    assert "Post-secondary" in grade_names(s) and "13" not in grade_names(s)
    s.edit_grades(ADMIN, "remove", "Post-secondary")
    assert "Post-secondary" not in grade_names(s)
    positions = [g["position"] for g in s.grades()]
    assert positions == list(range(len(positions)))


def test_renaming_a_grade_carries_its_patrons(s):
    count = s.db.execute("SELECT count(*) FROM patrons WHERE grade = 'K'").fetchone()[0]
    s.edit_grades(ADMIN, "rename", "K", "Kindergarten")
    assert (
        s.db.execute("SELECT count(*) FROM patrons WHERE grade = 'Kindergarten'").fetchone()[0]
        == count
    )


def test_removing_a_grade_patrons_have_is_refused_with_their_count(s):
    count = s.db.execute("SELECT count(*) FROM patrons WHERE grade = '5'").fetchone()[0]
    with pytest.raises(store.Invalid, match=f"{count:,} patrons still have grade '5'"):
        s.edit_grades(ADMIN, "remove", "5")
    assert "5" in grade_names(s)


@pytest.mark.parametrize(
    "action, args, message",
    [
        ("add", ("K",), "already in the grade table"),
        ("add", ("   ",), "needs a name"),
        ("rename", ("1", "2"), "already in the grade table"),
        ("rename", ("Nope", "X"), "not in the grade table"),
        ("remove", ("Graduated",), "patrons still have grade 'Graduated'"),
        ("add", ("Twelve\x1b[31m",), r"control character \(\\x1b\)"),
        ("rename", ("K", "Kinder\ngarten"), r"control character \(\\n\)"),
        ("promote", ("K",), "'promote' is not an edit of the grade table; one of: add, rename"),
        ("rename", ("K",), "rename takes 2 values"),
        ("move", ("K", 5), "moves one place"),
        ("move", ("K", "up"), "moves one place"),
        # Never silently at the end, never a journaled edit that changes nothing.
        ("add", ("13", "Nope"), r"'Nope' is not in the grade table \(to add '13' after\)"),
        ("move", ("PK", -1), "'PK' is already the first grade of the order"),
        ("move", ("Graduated", 1), "'Graduated' is already the last grade of the order"),
        ("set_last", ("Graduated",), "'Graduated' is already the Last Grade"),
        ("rename", ("K", " K "), "'K' is already its name"),
    ],
)
def test_bad_grade_table_edits_are_refused(s, action, args, message):
    before = s.grades()
    operations = s.db["operations"].count
    with pytest.raises(store.Invalid, match=message):
        s.edit_grades(ADMIN, action, *args)
    assert s.grades() == before
    assert s.db["operations"].count == operations


def test_the_last_grade_is_never_blank(s):
    s.edit_grades(ADMIN, "add", "Alumni")
    s.edit_grades(ADMIN, "set_last", "Alumni")
    assert [g["name"] for g in s.grades() if g["is_last"]] == ["Alumni"]
    with pytest.raises(store.Invalid, match="Last Grade"):
        s.edit_grades(ADMIN, "remove", "Alumni")
    assert [g["name"] for g in s.grades() if g["is_last"]] == ["Alumni"]


def test_advance_follows_an_edited_grade_table(s):
    s.edit_grades(ADMIN, "add", "12b", "12")
    plan = s.plan("advance-grade", {"grades": ["12"]}, {}, ADMIN)
    assert {r.new for r in plan.page(0, 500)} == {"12b"}


def test_defaults_apply_to_a_database_without_preferences(tmp_path):
    fresh = store.Store(tmp_path / "empty.db", create=True)
    assert fresh.preferences() == preferences.DEFAULTS


def test_apply_rechecks_preferences_changed_after_the_preview(s):
    plan = s.plan("renew-accounts", {"grades": ["3"]}, {}, ADMIN)
    data = s.library_preferences().model_dump()
    s.save_preferences({**data, "disable_account_expiration": True}, ADMIN)
    before = s.db.execute("SELECT id, expiration_date FROM patrons ORDER BY id").fetchall()
    with pytest.raises(store.Unavailable, match="expiration dates"):
        s.apply(plan)
    assert s.db.execute("SELECT id, expiration_date FROM patrons ORDER BY id").fetchall() == before
    assert s.db.execute("SELECT count(*) FROM operations").fetchone()[0] == 0


def test_renaming_location_leaves_2nd_location_in_any_case():
    text = "Change the 2nd location; the 2nd Location; a location"
    assert (
        localize(text, {"term.location": "Homeroom"})
        == "Change the 2nd location; the 2nd Location; a homeroom"
    )


# -- the grade table in the journal -------------------------------------------------------------


def test_a_grade_rename_is_journaled_and_undone_with_its_patrons(s):
    twelfth = {pid for (pid,) in s.db.execute("SELECT id FROM patrons WHERE grade = '12'")}
    operation = s.edit_grades(ADMIN, "rename", "12", "Twelve")
    op = s.operation(operation)
    assert (op["utility"], op["title"], op["changed"]) == (
        "grade-table",
        "Grade Table: 12 renamed to Twelve",
        len(twelfth),
    )
    assert {c["patron_id"]: (c["before"], c["after"]) for c in s.operation_changes(operation)} == {
        pid: ("12", "Twelve") for pid in twelfth
    }
    report = s.undo(operation, ADMIN)
    assert "12" in grade_names(s) and "Twelve" not in grade_names(s)
    assert {pid for (pid,) in s.db.execute("SELECT id FROM patrons WHERE grade = '12'")} == twelfth
    assert s.operation(operation)["undone_by"] == report.operation_id


def test_a_rename_no_longer_strands_an_older_operation(s):
    """Change Grade sets patrons to 12; 12 is renamed; the older operation can be undone once
    the rename is (newest first)."""
    plan = s.plan("change-grade", {"grades": ["11"]}, {"grade": "12"}, ADMIN)
    older = s.apply(plan).operation_id
    eleventh = {r.patron_id for r in plan.page(0, 1000) if r.outcome == "change"}
    rename = s.edit_grades(ADMIN, "rename", "12", "Twelve")
    s.undo(rename, ADMIN)
    report = s.undo(older, ADMIN)
    assert report.conflicts == []
    assert {pid for (pid,) in s.db.execute("SELECT id FROM patrons WHERE grade = '11'")} >= eleventh


def test_a_rename_is_not_undone_under_a_later_operation_on_the_new_name(s):
    """12 renamed Twelve, then grade 11 changed to Twelve: undoing the rename first would
    leave that operation's patrons at '12', where its undo could never find them."""
    rename = s.edit_grades(ADMIN, "rename", "12", "Twelve")
    plan = s.plan("change-grade", {"grades": ["11"]}, {"grade": "Twelve"}, ADMIN)
    later = s.apply(plan).operation_id
    eleventh = {r.patron_id for r in plan.page(0, 1000) if r.outcome == "change"}
    before = s.grades()
    for attempt in (s.check_undo, s.undo):
        with pytest.raises(
            store.NotUndoable,
            match=f"operation #{later} changed patrons of "
            f"grade 'Twelve' after it was renamed: undo it first, then #{rename}",
        ):
            attempt(rename, ADMIN)
    assert s.grades() == before
    assert s.undo(later, ADMIN).conflicts == []
    s.undo(rename, ADMIN)
    assert "12" in grade_names(s) and "Twelve" not in grade_names(s)
    assert {pid for (pid,) in s.db.execute("SELECT id FROM patrons WHERE grade = '11'")} >= eleventh


@pytest.mark.parametrize(
    "action, args",
    [("add", ("13", "12")), ("move", ("3", -1)), ("set_last", ("12",)), ("remove", ("PK",))],
)
def test_every_grade_table_edit_is_undone_exactly(s, action, args):
    if action == "remove":
        s.db.execute("UPDATE patrons SET grade = 'K' WHERE grade = 'PK'")
    before = s.grades()
    operation = s.edit_grades(ADMIN, action, *args)
    assert s.grades() != before
    s.undo(operation, ADMIN)
    assert s.grades() == before


def test_a_grade_table_edit_is_undone_only_while_the_table_is_as_it_left_it(s):
    first = s.edit_grades(ADMIN, "add", "13", "12")
    s.edit_grades(ADMIN, "move", "13", -1)
    before = s.grades()
    with pytest.raises(store.NotUndoable, match="undo the later grade table edits first"):
        s.check_undo(first, ADMIN)
    with pytest.raises(store.NotUndoable, match="undo the later grade table edits first"):
        s.undo(first, ADMIN)
    assert s.grades() == before
    added = s.edit_grades(ADMIN, "add", "14", "12")
    s.db.execute("UPDATE patrons SET grade = '14' WHERE id = 1")
    with pytest.raises(store.NotUndoable, match="still"):
        s.undo(added, ADMIN)
    with pytest.raises(store.NotPermitted):
        s.undo(added, AIDE)
