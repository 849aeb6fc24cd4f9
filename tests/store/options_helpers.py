"""The one problem a utility's Options raise when planned (store/ tests)."""

from __future__ import annotations

import pytest

import store

from ..operators import ADMIN


def invalid_options(s: store.Store, key: str, options: dict) -> store.Problem:
    with pytest.raises(store.Invalid) as info:
        s.plan(key, {}, options, ADMIN)
    [problem] = info.value.problems
    return problem
