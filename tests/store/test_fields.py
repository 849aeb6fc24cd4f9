"""store/fields.py: the one reading of the models that the forms, the flags and validation
share — what kind each field is, its label, and that a list field must say how it is edited."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from store import Selection, Status
from store.catalog import get
from store.fields import field_specs, field_title, spec_of
from store.preferences import LibraryPreferences
from store.validation import StoreModel


def test_each_selection_field_has_the_kind_its_widget_and_flag_follow():
    kinds = {spec.name: spec.kind for spec in field_specs(Selection)}
    assert kinds["barcodes"] == "list_text"  # typed as text, never a list to tick
    assert kinds["barcode_from"] == "text"
    assert kinds["grades"] == "many_choice"
    assert kinds["statuses"] == "many_enum"
    assert spec_of(Selection, "grades").choices == "grade"
    statuses = spec_of(Selection, "statuses")
    assert statuses.options == tuple(s.value for s in Status) and "Inactive" in statuses.options


def test_options_and_preferences_kinds():
    status = spec_of(get("change-status").Options, "status")
    assert (status.kind, status.required, status.default) == ("enum", True, None)
    assert spec_of(get("change-grade").Options, "grade").kind == "choice"
    assert {s.kind for s in field_specs(LibraryPreferences)} >= {"bool"}


def test_a_list_field_that_says_not_how_it_is_edited_is_refused_at_once():
    class Loose(StoreModel):
        names: list[str] = []

    with pytest.raises(TypeError, match="list field 'names' needs choice"):
        field_specs(Loose)


def test_titles_fall_back_to_the_field_name_and_list_defaults_are_the_callers_own():
    class Plain(BaseModel):
        home_room: str = ""

    assert field_title(Plain, "home_room") == "Home room"
    assert field_title(Selection, "barcodes") == "Barcode list"
    assert field_title(Selection, "no_such") == "No such"
    first = spec_of(Selection, "grades")
    mine = next(s for s in field_specs(Selection) if s.name == "grades")
    mine.default.append("12")
    assert first.default == [] and spec_of(Selection, "grades").default == []
