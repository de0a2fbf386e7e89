"""Whole-park reads shared by many reports: inside `shared()`, each whole-park read (the live
accounts, economics and grades of a park and period) is made once and reused.

One report needs the park's accounts of four periods (the period, the month before, a year
ago, the year to date) because grades and ranks compare every enterprise; without sharing, a
500-report batch read the whole park about 2,000 times. The memo lives only as long as the
`with` block (one batch, one report), so nothing stale outlives it, and its key includes who
reads, so tenancy holds: a read for one user is never handed to another."""

import contextvars
import functools
from contextlib import contextmanager

from django.db import models

from parkpilot.carbon.periods import Period

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("carbon_shared", default=None)
_batch: contextvars.ContextVar[bool] = contextvars.ContextVar("carbon_batch", default=False)


@contextmanager
def shared(*, batch: bool = False):
    """Share whole-park reads inside the block (nested blocks share the outer memo). A batch
    says so: reads that one report makes for one enterprise are then cheaper as one shared
    whole-park read."""
    if _memo.get() is not None:
        yield
        return
    token, batch_token = _memo.set({}), _batch.set(batch)
    try:
        yield
    finally:
        _memo.reset(token)
        _batch.reset(batch_token)


def in_batch() -> bool:
    """Whether a batch's `shared(batch=True)` block is open."""
    return _batch.get()


def _key_part(value):
    if isinstance(value, Period):
        return ("period", value.level, value.start, value.end)
    if hasattr(value, "is_superuser"):  # a user: who reads decides what is read
        return ("user", value.pk, value.role, value.enterprise_id, value.park_id,
                value.is_superuser)  # fmt: skip
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if value is None or isinstance(value, int | str):
        return value
    return ("object", id(value))  # e.g. the Accounts a grade is computed from


def memoized(fn):
    """Memoize a keyword-only read while a `shared()` block is open."""

    @functools.wraps(fn)
    def wrapper(**kwargs):
        memo = _memo.get()
        if memo is None:
            return fn(**kwargs)
        key = (fn.__qualname__, *sorted((k, _key_part(v)) for k, v in kwargs.items()))
        if key not in memo:
            # Keep the arguments alive with the result, so an id() in a key stays unique.
            memo[key] = (fn(**kwargs), kwargs)
        return memo[key][0]

    return wrapper
