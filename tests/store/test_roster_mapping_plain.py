"""Mapping a user without the models where the values are plain (store/roster/mapping_users.py):
a name, barcode or username taken as it is, and an address known good by one match, must be
exactly what PatronRecord and patron_emails.problem() would make of them; anything else still
goes through them and gets their message."""

from __future__ import annotations

import pytest

from store import patron_emails
from store.roster.mapping import RosterMapping
from store.roster.mapping_context import MappingContext
from store.roster.mapping_users import _PLAIN_EMAIL, Mapper, _plain

from .test_roster_mapping import ORGS, mapped, problems_of, user


@pytest.fixture
def ctx(demo_store) -> MappingContext:
    return MappingContext.of(demo_store.db)


TEXTS = [
    *("Ann", "Zoë", "O'Brien", "Nguyễn", "李", "Anne-Marie", "de la Cruz", "A", "x" * 15),
    *("x" * 16, "x" * 60, "x" * 61, "x" * 100, "x" * 101, "", " ", " Ann", "Ann ", "A\u00a0B"),
    *("A\u200bB", "\u200b", "A\tB", "A\nB", "A\x7fB", "A\u202eB", "A\u2028B", "A,B", "A;B"),
    *("A B", "e\u0301", "\u00ad", "ß", "Ω", "\U0001f600", "A\x00"),
]
BASE = {"barcode": "S1001", "first_name": "Ann", "middle_name": "", "last_name": "Lee"}
FIELDS = ("barcode", "first_name", "middle_name", "last_name", "nickname", "username")


@pytest.mark.parametrize("field", FIELDS)
def test_a_plain_value_is_what_the_patron_record_makes_of_it(field):
    taken = 0
    for text in TEXTS:
        own = BASE | {field: text}  # a user's own values always hold a barcode and last name
        if _plain(own):
            taken += 1
            assert Mapper._validate(own, tuple(own), None) == own, (field, text)
    assert taken >= 8  # the plain names are taken without the model


def test_a_value_that_is_not_plain_still_gets_the_record_s_message(ctx):
    [problem] = problems_of(ctx, given_name="Ann", family_name="\u200b")
    assert (problem.column, problem.message) == ("familyName", "has no visible character")
    [problem] = problems_of(ctx, identifier="S 1001")
    assert problem.column == "identifier" and "barcodes have no spaces" in problem.message
    assert mapped(ctx, family_name="  Lee ").record["last_name"] == "Lee"  # stripped, as before


ADDRESSES = [
    *("a@b.org", "ann.lee+lib@school.example.org", "a@b.c", "x" * 64 + "@b.org"),
    *("x" * 65 + "@b.org", "a@" + "b" * 63 + ".org", "a@" + "b" * 64 + ".org", "a@b", "a@b.123"),
    *("a@b.12a", "a@-b.org", "a@b-.org", "a..b@c.org", ".a@b.org", "a.@b.org", "a@b..org"),
    *("a@@b.org", "@b.org", "a@.org", "a@b.org.", "a b@c.org", "a@b.org\n", "é@b.org"),
    *("a\u200b@b.org", "a@" + ".".join(["b" * 63] * 4) + ".org", "a@1.2.3.x", "a#b@c.io"),
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_known_good_by_its_match_is_one_problem_has_nothing_against(address):
    if _PLAIN_EMAIL.fullmatch(address):
        assert patron_emails.problem(address) is None


def test_a_bad_address_still_gets_problem_s_message(ctx):
    mapping = RosterMapping()
    out = Mapper(mapping, ctx).map(user(email="ann@school..org"), ORGS)
    assert isinstance(out, list)
    assert [(p.column, p.message) for p in out] == [
        ("email", patron_emails.problem("ann@school..org"))
    ]
    assert mapped(ctx, email="ann.lee@school.example.org").first_email == (
        "ann.lee@school.example.org"
    )
