"""The roster mapping's settings themselves (issue 19): their own checks, TOML and JSON
files, and keeping them in the preferences (the permission, the database's names, another
technician's save). How the settings map users is tests/store/test_roster_mapping.py."""

from __future__ import annotations

import json

import pytest

import store
from store.roster.mapping import RosterMapping
from store.roster.mapping_files import KEY, load_mapping, validate_mapping

from ..operators import ADMIN, AIDE

# -- the settings' own checks ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, words",
    [
        ({"colour": "red"}, "colour", "is not a setting of the roster mapping; allowed: barcode"),
        ({"roles": {"student": {"colour": 1}}}, "roles.student.colour", "allowed: policy"),
        ({"transfer_guard_percent": 101}, "transfer_guard_percent", "from 0 to 100"),
        ({"transfer_guard_percent": -1}, "transfer_guard_percent", "from 0 to 100"),
        ({"transfer_guard_percent": "lots"}, "transfer_guard_percent", "whole number"),
        ({"tobedeleted_status": "Gone"}, "tobedeleted_status", "'Transferred'"),
        ({"site_from": "name"}, "site_from", "'identifier, then sourcedId'"),
        ({"email_from_roster": "maybe"}, "email_from_roster", "true or false"),
        ({"grades": ["KG"]}, "grades", "table of code = value"),
        ({"grade_policies": {"6": ""}}, "grade_policies", "each code needs a value"),
        ({"sites": {"": "ELM"}}, "sites", "cannot be blank"),
    ],
)
def test_a_bad_setting_names_its_key_and_what_is_allowed(data, field, words):
    with pytest.raises(store.Invalid) as info:
        validate_mapping(data)
    [problem] = info.value.problems
    assert problem.field == field and words in problem.message
    assert f"[{field}]" in problem.title or field == "colour"


def test_the_guard_takes_0_to_100():
    assert validate_mapping({"transfer_guard_percent": 0}).transfer_guard_percent == 0
    assert validate_mapping({"transfer_guard_percent": 100}).transfer_guard_percent == 100
    assert RosterMapping().transfer_guard_percent == 20


def test_every_setting_has_a_title_and_a_description():
    for name, spec in RosterMapping.model_fields.items():
        assert spec.title and spec.description and len(spec.description) > 30, name


# -- files ----------------------------------------------------------------------------------

TOML = """
barcode_from = "userIds:District"
site_from = "sourcedId"
transfer_guard_percent = 10
skipped_roles = ["guardian", "parent"]

[grades]
KG = "K"
"01" = "2"

[sites]
"0042" = "HIGH"

[roles.aide]
policy = "Staff"
security_group = "Library Aide"
"""


def test_a_toml_file(tmp_path):
    path = tmp_path / "roster.toml"
    path.write_text(TOML)
    mapping = load_mapping(path)
    assert mapping.barcode_from == "userIds:District" and mapping.site_from == "sourcedId"
    assert mapping.transfer_guard_percent == 10 and mapping.grades["01"] == "2"
    assert mapping.grades["02"] == "2" and mapping.sites == {"0042": "HIGH"}
    assert mapping.roles["aide"].security_group == "Library Aide"
    assert mapping.skipped_roles == ["guardian", "parent"]


def test_a_json_file_is_what_a_save_keeps(tmp_path):
    mapping = validate_mapping({"barcode_from": "username", "grades": {"KG": "PK"}})
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(mapping.model_dump(mode="json")), encoding="utf-8-sig")
    assert load_mapping(path) == mapping


@pytest.mark.parametrize(
    "name, text, field, words",
    [
        ("m.toml", 'barcode_from = "identifier"\ncolour = "red"\n', "colour", "not a setting"),
        ("m.toml", "barcode_from = identifier\n", "file", "is not valid TOML"),
        ("m.toml", "[roles.student]\npolicy = 3\n", "roles.student.policy", "must be text"),
        ("m.json", '{"barcode_from": "identifier",}', "file", "not valid JSON"),
        ("m.json", '["identifier"]', "mapping", "must be a table of settings"),
        ("m.json", '{"grades": {"KG": 5}}', "grades.KG", "must be text"),
        ("m.yaml", "barcode_from: identifier\n", "file", "a .toml or .json file"),
    ],
)
def test_a_bad_file_names_what_is_wrong(tmp_path, name, text, field, words):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(store.Invalid) as info:
        load_mapping(path)
    assert any(p.field == field and words in p.message for p in info.value.problems), (
        info.value.problems
    )


def test_a_missing_or_binary_file_is_refused(tmp_path):
    with pytest.raises(store.Invalid, match="cannot be read"):
        load_mapping(tmp_path / "none.toml")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(store.Invalid, match="not UTF-8"):
        load_mapping(tmp_path / "bin.json")


# -- kept in the preferences ----------------------------------------------------------------


def stored(s) -> str | None:
    row = s.db.execute("SELECT value FROM preferences WHERE key = ?", [KEY]).fetchone()
    return row and row[0]


def test_saving_keeps_it_in_the_preferences(demo_store):
    assert demo_store.roster_mapping() == RosterMapping()  # nothing saved: the defaults
    saved = demo_store.save_roster_mapping(
        {"barcode_from": "sourcedId", "grades": {"UG": "K"}}, ADMIN
    )
    assert json.loads(stored(demo_store))["barcode_from"] == "sourcedId"
    assert demo_store.roster_mapping() == saved and saved.grades["UG"] == "K"


def test_without_the_permission_nothing_is_saved(demo_store):
    with pytest.raises(store.NotPermitted):
        demo_store.save_roster_mapping({"barcode_from": "sourcedId"}, AIDE)
    assert stored(demo_store) is None


def test_a_mapping_naming_what_the_database_lacks_is_not_saved(demo_store):
    demo_store.save_roster_mapping({}, ADMIN)
    before = stored(demo_store)
    with pytest.raises(store.Invalid) as info:
        demo_store.save_roster_mapping({"roles": {"student": {"policy": "Reading"}}}, ADMIN)
    assert [p.field for p in info.value.problems] == ["roles.student.policy"]
    assert stored(demo_store) == before
    assert demo_store.roster_mapping_problems(RosterMapping()) == []


def test_a_save_does_not_overwrite_another_technicians_unseen(demo_store):
    shown = demo_store.roster_mapping()
    demo_store.save_roster_mapping({"transfer_guard_percent": 5}, ADMIN)
    with pytest.raises(store.Invalid) as info:
        demo_store.save_roster_mapping({"site_from": "identifier"}, ADMIN, read=shown)
    assert [p.field for p in info.value.problems] == ["transfer_guard_percent"]
    assert demo_store.roster_mapping().transfer_guard_percent == 5
    assert demo_store.roster_mapping().site_from == "identifier, then sourcedId"


def test_a_stored_mapping_that_no_longer_validates_is_not_the_defaults(demo_store):
    demo_store.db.execute(
        "INSERT INTO preferences (key, value) VALUES (?, ?)", [KEY, '{"barcode_from": "ssn"}']
    )
    with pytest.raises(store.Invalid) as info:
        demo_store.roster_mapping()
    assert info.value.problems[0].field == "barcode_from"


def test_checking_a_forms_values_names_each_problem_and_writes_nothing(demo_store):
    before = stored(demo_store)
    assert demo_store.roster_mapping_check({"transfer_guard_percent": "lots"})[0].field == (
        "transfer_guard_percent"
    )
    lacking = demo_store.roster_mapping_check({"sites": {"0042": "NOPE"}, "grades": {"KG": "K"}})
    assert [p.field for p in lacking] == ["sites.0042"]
    assert "'NOPE' is not in the sites" in lacking[0].message
    assert demo_store.roster_mapping_check({"sites": {"0042": "ELM"}}) == []
    assert stored(demo_store) == before
