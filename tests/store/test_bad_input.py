"""Bad input is refused by name and never half-run; hostile text is kept and matched literally.

Every field of the Selection and of every utility's Options (read from model_fields, so a
new field is covered without touching this file) gets hostile values: quotes and SQL
fragments, LIKE/GLOB wildcards, control characters, very long text, huge and non-finite
numbers, impossible dates and wrong types. Each either validates or raises Invalid whose
problems name the field; if it validates, Store.plan refuses only as documented and
writes nothing.
"""

from __future__ import annotations

import enum
import itertools

import pytest
from hypothesis import (
    currently_in_test_context,
    event,
    given,
)
from hypothesis import strategies as st

import store
from store.catalog import CATALOG
from store.selection import Selection
from store.validation import validate

from .bad_input_helpers import assert_named, examples, open_copy, outcome, shape
from .hostile import (
    ANY,
    GOOD_TEXT,
    HOSTILE,
    HOSTILE_TEXT,
    TEXT,
    UNKNOWN_KEYS,
)

REFUSALS = (store.NotPermitted, store.Unavailable)
TABLES = ("patrons", "notes", "charges", "checkouts", "history", "operations", "operation_rows")
KEYS = [entry.key for entry in CATALOG]


# -- a store the property tests only read (the demo: tests/store/conftest.py) -------------
@pytest.fixture(scope="module")
def shared(hostile_demo, hostile_operators, tmp_path_factory):
    """A store the property tests only read (they check that it stays so), and its good values."""
    s, (admin, aide) = (
        open_copy(hostile_demo, tmp_path_factory.mktemp("shared") / "demo.db"),
        hostile_operators,
    )
    models = {None: Selection, **{key: s.utility(key).Options for key in KEYS}}
    good = {
        key: {name: _good_values(s, model, name) for name in model.model_fields}
        for key, model in models.items()
    }
    base = {key: _base(s, key, good[key], admin) for key in KEYS}
    yield s, admin, aide, good, base
    s.close()


# -- what each field accepts, found by asking the model itself ---------------------------
def _good_values(s, model, name) -> list:
    """Values the field takes: its enum or database choices (any case), else GOOD_TEXT that
    validates there; a list field gets lists of them."""
    many, inner, kind = shape(model, name)
    if inner is bool:
        return [False, True]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        values = [str(e.value) for e in inner]
    elif kind:
        values = s.choices(kind)
    else:

        def fits(v):
            try:
                validate(model, {name: [v] if many else v}, s.choices)
            except store.Invalid as exc:
                return all(p.field != name for p in exc.problems)
            return True

        values = [v for v in GOOD_TEXT if fits(v)]
    values += [values[0].upper(), values[-1].lower()] if values and (kind or many) else []
    return [[], values[:1], values[-2:]] if many else values


def _base(s, key, good, operator) -> dict:
    """The first combination of good values that validates fully (a required field filled)."""
    model = s.utility(key).Options
    for combo in itertools.product(*(good[name][:4] for name in model.model_fields)):
        data = dict(zip(model.model_fields, combo, strict=True))
        try:
            s.validate_options(key, data, operator)
            return data
        except store.Invalid:
            continue
    raise AssertionError(f"no good options for {key}")


# -- the property ------------------------------------------------------------------------
def fingerprint(s) -> list:
    return [s.db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES]


def _event(text: str) -> None:
    if currently_in_test_context():  # --hypothesis-show-statistics counts plans and refusals
        event(text)


def check_plan(s, key, sel_data, opt_data, operator, sel_ok: bool, opt_ok: bool) -> None:
    """plan refuses what did not validate (or as documented) and plans the rest."""
    try:
        plan = s.plan(key, sel_data, opt_data, operator)
    except REFUSALS as exc:
        _event(f"plan refused: {type(exc).__name__}")
    except store.Invalid as exc:
        _event("plan refused: Invalid")
        assert not (sel_ok and opt_ok), f"validated, yet plan said: {exc}"
        assert_named(exc, {**sel_data, **opt_data}, Selection, s.utility(key).Options)
    else:
        _event("planned")
        assert sel_ok and opt_ok, "plan accepted input that does not validate"
        assert len(s.page(plan, 0, 100_000)) == plan.counts.matched
        s.discard(plan)


def hostile(model, name, good) -> st.SearchStrategy:
    many, inner, _ = shape(model, name)
    strategies = [st.sampled_from(HOSTILE), TEXT, ANY]
    texts = [g for g in good if isinstance(g, str) and g]
    if texts:  # a good value with something hostile on either side
        strategies.append(st.tuples(TEXT, st.sampled_from(texts), TEXT).map("".join))
    if many:
        strategies.append(st.lists(st.one_of(TEXT, st.sampled_from(HOSTILE_TEXT)), max_size=4))
    return st.one_of(*strategies)


@st.composite
def form(draw, model, good, base=None, offered=None) -> dict:
    """Good values in some (offered) fields, then up to two fields (sometimes an unknown key)
    hostile."""
    data = dict(base or {})
    for name in offered or model.model_fields:
        if good[name] and draw(st.integers(0, 4)) == 0:
            data[name] = draw(st.sampled_from(good[name]))
    names = list(model.model_fields)
    for name in (
        draw(
            st.sampled_from([0, 0, 0, 1, 1, 2]).flatmap(
                lambda n: st.lists(
                    st.sampled_from(names),
                    min_size=min(n, len(names)),
                    max_size=min(n, len(names)),
                    unique=True,
                )
            )
        )
        if names
        else []
    ):
        data[name] = draw(hostile(model, name, good[name]))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(UNKNOWN_KEYS))] = draw(ANY)
    return data


@pytest.mark.parametrize("key", [None, *KEYS])
def test_every_hostile_value_in_every_field(shared, key):
    """Each field, alone, gets every fixed hostile value: named refusal or a plan, nothing else."""
    s, admin, _, good, base = shared
    model = Selection if key is None else s.utility(key).Options
    before = fingerprint(s)
    for name, value in itertools.product(model.model_fields, HOSTILE):
        if key is None:
            data = {name: value}
            sel = outcome(
                model, data, lambda data=data: s.validate_selection(data, "forgive-charges")
            )
            if sel is not None:
                sel.describe()
                assert s.validate_selection(sel.model_dump(mode="json"), "forgive-charges") == sel
                check_plan(s, "forgive-charges", data, base["forgive-charges"], admin, True, True)
        else:
            data = {**base[key], name: value}
            if (
                outcome(model, data, lambda data=data: s.validate_options(key, data, admin))
                is not None
            ):
                check_plan(s, key, {"grades": ["5"]}, data, admin, True, True)
    assert fingerprint(s) == before  # nothing was written


@pytest.mark.parametrize("key", KEYS)
@examples(12)
@given(data=st.data())
def test_hostile_selections_and_options_together(shared, key, data):
    s, admin, aide, good, base = shared
    model = s.utility(key).Options
    before = fingerprint(s)
    offered = s.utility(key).criteria()
    sel_data = data.draw(form(Selection, good[None], offered=offered), "selection")
    opt_data = data.draw(form(model, good[key], base[key]), "options")
    operator = data.draw(st.sampled_from([admin, admin, aide]), "operator")
    sel = outcome(Selection, sel_data, lambda: s.validate_selection(sel_data, key))
    opts = outcome(model, opt_data, lambda: s.validate_options(key, opt_data, operator))
    if sel is not None:
        assert s.validate_selection(sel.model_dump(mode="json"), key) == sel  # a saved run reopens
    check_plan(s, key, sel_data, opt_data, operator, sel is not None, opts is not None)
    assert fingerprint(s) == before  # nothing was written


# -- hostile text kept and matched literally ----------------------------------------------
