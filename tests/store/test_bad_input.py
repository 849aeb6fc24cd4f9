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
import json
import shutil
import string
import typing

import pytest
from hypothesis import (
    HealthCheck,
    assume,
    currently_in_test_context,
    event,
    example,
    given,
    settings,
)
from hypothesis import strategies as st

import store
from store import clock
from store.catalog import CATALOG
from store.demo import create_demo
from store.selection import Selection, fold_name
from store.validation import control_character, validate

from .hostile import (
    ANY,
    CONTROL,
    GOOD_TEXT,
    HOSTILE,
    HOSTILE_OTHER,
    HOSTILE_TEXT,
    LONG,
    SQL,
    TEXT,
    TODAY,
    UNKNOWN_KEYS,
    WHITESPACE,
)

REFUSALS = (store.NotPermitted, store.Unavailable)
TABLES = ("patrons", "notes", "charges", "checkouts", "history", "operations", "operation_rows")
KEYS = [entry.key for entry in CATALOG]
PID, BARCODE = 7, "20260007"  # the demo patron the literal tests write to


def examples(n: int) -> settings:
    """Few examples, no deadline (CI machines vary); fixtures are per test, not per example."""
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# -- fixtures: one demo per module, copied for the tests that write ---------------------
@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    clock.fix_today(TODAY)
    try:
        return create_demo(tmp_path_factory.mktemp("bad_input") / "demo.db", patrons=60, seed=5)
    finally:
        clock.fix_today(None)


def _open(demo_path, path) -> store.Store:
    shutil.copy(demo_path, path)
    return store.Store(path)


@pytest.fixture(scope="module")
def operators(demo_path, tmp_path_factory):
    """The demo's operators, logged in once (argon2 is slow by design); valid in every copy."""
    s = _open(demo_path, tmp_path_factory.mktemp("login") / "demo.db")
    yield s.login("demo", "demo-librarian"), s.login("aide", "demo-aide")
    s.close()


@pytest.fixture(scope="module")
def shared(demo_path, operators, tmp_path_factory):
    """A store the property tests only read (they check that it stays so), and its good values."""
    s, (admin, aide) = _open(demo_path, tmp_path_factory.mktemp("shared") / "demo.db"), operators
    models = {None: Selection, **{key: s.utility(key).Options for key in KEYS}}
    good = {
        key: {name: _good_values(s, model, name) for name in model.model_fields}
        for key, model in models.items()
    }
    base = {key: _base(s, key, good[key], admin) for key in KEYS}
    yield s, admin, aide, good, base
    s.close()


@pytest.fixture
def fresh(demo_path, operators, tmp_path):
    s = _open(demo_path, tmp_path / "demo.db")
    yield s, operators[0]
    s.close()


# -- what each field accepts, found by asking the model itself ---------------------------
def _shape(model, name):
    field = model.model_fields[name]
    many = typing.get_origin(field.annotation) is list
    inner = typing.get_args(field.annotation)[0] if many else field.annotation
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return many, inner, extra.get("choices")


def _good_values(s, model, name) -> list:
    """Values the field takes: its enum or database choices (any case), else GOOD_TEXT that
    validates there; a list field gets lists of them."""
    many, inner, kind = _shape(model, name)
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
def assert_named(exc: store.Invalid, data: dict, *models) -> None:
    """Every problem names a field of the form (or an unknown key it was given) and says why."""
    assert exc.problems and str(exc)
    fields = set().union(*(m.model_fields for m in models))
    for problem in exc.problems:
        assert problem.message.strip() and problem.title.strip(), problem
        if problem.field not in fields:
            assert problem.field in data, problem
            assert problem.message == "is not a field of this form", problem


def outcome(model, data: dict, call):
    """call()'s model, or None when it raised Invalid naming fields; anything else fails."""
    try:
        result = call()
    except store.Invalid as exc:
        assert_named(exc, data, model)
        return None
    for name, field in model.model_fields.items():  # a required field is never left blank
        assert not field.is_required() or getattr(result, name) not in ("", None, []), name
    for name, value in data.items():
        assert name in model.model_fields
        many, inner, kind = _shape(model, name)
        if inner is str and not many and not kind:  # plain text is kept as typed, ends trimmed
            assert isinstance(value, str), name
            assert getattr(result, name) in (value.strip(WHITESPACE), value.strip()), name
    return result


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
    many, inner, _ = _shape(model, name)
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
def _unstorable(text: str) -> bool:
    """What the models refuse in any text: a control character left once the ends are
    stripped (a NUL, an escape, a line break), or a lone surrogate (not UTF-8)."""
    return control_character(text.strip(WHITESPACE)) is not None or any(
        0xD800 <= ord(c) <= 0xDFFF for c in text
    )


def _notes(s, kind: str) -> list[str]:
    return [
        t
        for (t,) in s.db.execute(
            "SELECT text FROM notes WHERE patron_id = ? AND type = ? ORDER BY id", [PID, kind]
        )
    ]


@examples(20)
@given(
    text=st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        TEXT,
        st.tuples(st.sampled_from(SQL + CONTROL), TEXT).map("".join),
        st.integers(495, 505).map(lambda n: "'" * n),
    ),
    kind=st.sampled_from(["Contact", "General", "Alert", "Category"]),
)
@example(text="\x1f", kind="Alert")  # Python's strip takes it; the models keep and refuse it
@example(text="N\x00te", kind="Alert")  # undo restores through SQLite JSON, which stops at NUL
@example(text="'; DROP TABLE notes; --\x1b[31m\r\n%_\\", kind="General")
def test_hostile_note_is_stored_journaled_and_restored_literally(fresh, text, kind):
    s, admin = fresh
    options = {"note": text, "note_type": kind, "replace_existing": True}
    valid = outcome(
        s.utility("add-notes").Options,
        options,
        lambda: s.validate_options("add-notes", options, admin),
    )
    note = text.strip(WHITESPACE)
    if valid is None:  # refused only for a reason the model states
        assert not note or len(note) > 500 or _unstorable(text)
        return
    report = s.apply(s.plan("add-notes", {"barcodes": [BARCODE]}, options, admin))
    assert _notes(s, kind) == [note]
    assert json.loads(s.operation(report.operation_id)["options"])["note"] == note
    removed = s.apply(s.plan("remove-notes", {"barcodes": [BARCODE]}, {"note_type": kind}, admin))
    assert _notes(s, kind) == []
    undo = s.undo(removed.operation_id, admin)
    assert undo.conflicts == [] and _notes(s, kind) == [note]


@examples(25)
@given(
    name=st.one_of(
        st.sampled_from(SQL + CONTROL + LONG),
        TEXT,
        st.tuples(st.sampled_from(SQL), TEXT).map("".join),
    )
)
@example(name="\u200b")  # folds to nothing: would take in every patron
@example(name="'; DROP TABLE patrons; --")
@example(name="%")
def test_hostile_last_name_is_matched_literally(fresh, name):
    s, admin = fresh
    name = name.strip()  # as a technician would type it: the form strips the ends
    assume(name and not _unstorable(name))
    s.db.execute("UPDATE patrons SET last_name = ? WHERE id = ?", [name, PID])
    data = {"last_name_from": name, "last_name_to": name}
    sel = outcome(Selection, data, lambda: s.validate_selection(data))
    if not fold_name(name) or len(name) > 100:  # would compare as nothing (everyone) / too long
        assert sel is None
        return
    assert sel is not None
    plan = s.plan("renew-accounts", data, {}, admin)
    rows = {r.patron_id: r for r in s.page(plan, 0, 1000)}
    # Names compare folded, the end as a prefix: exactly those starting with the name.
    want = {
        pid
        for pid, last in s.db.execute("SELECT id, last_name FROM patrons")
        if fold_name(last).startswith(fold_name(name))
    }
    assert PID in rows and set(rows) == want
    if not fold_name(name)[0].isalnum():  # no demo name starts like this: only that patron
        assert set(rows) == {PID}
    first = s.db.execute("SELECT first_name FROM patrons WHERE id = ?", [PID]).fetchone()[0]
    assert rows[PID].name == f"{name}, {first}"


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@examples(20)
@given(
    listed=st.lists(
        st.one_of(
            st.sampled_from(SQL + CONTROL + LONG[:2]),
            TEXT,
            st.integers(-(10**30), 10**30),
            st.sampled_from(HOSTILE_OTHER),
        ),
        min_size=1,
        max_size=6,
    )
)
@example(listed=["a\x00b"])  # json_each would cut it to "a"
@example(listed=[None, {"a": 1}])  # not the barcode "None"
@example(listed=["%", "_", "\\", "';--", "\x1b[0m", "x\ry"])
def test_hostile_barcodes_are_listed_not_found_literally(fresh, listed):
    s, admin = fresh
    data = {"barcodes": [BARCODE, *listed]}
    sel = outcome(Selection, data, lambda: s.validate_selection(data))
    typed = [
        str(b).strip() for b in listed if not isinstance(b, bool) and isinstance(b, (str, int))
    ]
    if sel is None:  # refused: not text, longer than a barcode, or unstorable
        assert len(typed) < len(listed) or any(len(b) > 15 or _unstorable(b) for b in typed)
        return
    seen: set[str] = set()
    assert sel.barcodes == [
        b for b in [BARCODE, *typed] if b and not (b.casefold() in seen or seen.add(b.casefold()))
    ]
    # SQLite's NOCASE folds ASCII letters only.
    patrons = {
        b.translate(_ASCII_LOWER): pid for pid, b in s.db.execute("SELECT id, barcode FROM patrons")
    }
    missing = [b for b in sel.barcodes if b.translate(_ASCII_LOWER) not in patrons]
    options = {"note": "Listed", "note_type": "General"}
    report = s.apply(s.plan("add-notes", data, options, admin))
    journal = s.operation_changes(report.operation_id)
    assert [
        (r["barcode"], r["name"], r["outcome"], r["reason"])
        for r in journal
        if r["patron_id"] is None
    ] == [(b, "(not found)", "skip", "not found") for b in missing]
    assert {r["patron_id"] for r in journal if r["patron_id"] is not None} == {
        patrons[b.translate(_ASCII_LOWER)] for b in sel.barcodes if b not in missing
    }
    assert report.counts.not_found == len(missing)
