"""What the bad-input tests share: hypothesis settings, a copy of the hostile demo
(tests/store/conftest.py: hostile_demo) to write to, and how a result or a refusal is judged."""

from __future__ import annotations

import shutil
import typing

from hypothesis import HealthCheck, settings

import store

from .hostile import WHITESPACE

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


def open_copy(demo_path, path) -> store.Store:
    shutil.copy(demo_path, path)
    return store.Store(path)


def shape(model, name):
    field = model.model_fields[name]
    many = typing.get_origin(field.annotation) is list
    inner = typing.get_args(field.annotation)[0] if many else field.annotation
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return many, inner, extra.get("choices")


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
        many, inner, kind = shape(model, name)
        if inner is str and not many and not kind:  # plain text is kept as typed, ends trimmed
            assert isinstance(value, str), name
            assert getattr(result, name) in (value.strip(WHITESPACE), value.strip()), name
    return result
