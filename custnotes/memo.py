"""Reads worked out once per page: a selector marked @per_request returns, within one GET (or
HEAD) request, the same result to every section that asks it the same question — the notebook's
header and its ledger section both show the receivables figures, computed once. Outside a request,
and in requests that may write (POST, …), nothing is kept: a read after a write always sees it."""

import contextlib
import functools
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("custnotes_memo", default=None)

SAFE_METHODS = ("GET", "HEAD")


@contextlib.contextmanager
def scope():
    """Keep @per_request results until the block ends."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _key(value):
    """A hashable form of an argument, or None when it has none that is safe to keep (a queryset)."""
    if isinstance(value, list | tuple | set | frozenset):
        items = tuple(sorted(value)) if isinstance(value, set | frozenset) else tuple(value)
        return items if all(isinstance(item, int | str) for item in items) else None
    if value is None or isinstance(value, int | str | bytes) or hasattr(value, "isoformat"):
        return value
    return None


def per_request(function):
    """Keep the function's result (called with keyword arguments only) for the rest of the scope.
    Each caller gets its own shallow copy of a dict result, so that none can change another's."""

    @functools.wraps(function)
    def wrapper(**kwargs):
        memo = _memo.get()
        keys = {name: _key(value) for name, value in kwargs.items()}
        if memo is None or any(key is None and kwargs[name] is not None for name, key in keys.items()):
            return function(**kwargs)
        key = (function.__module__, function.__qualname__, tuple(sorted(keys.items())))
        if key not in memo:
            memo[key] = function(**kwargs)
        result = memo[key]
        return dict(result) if isinstance(result, dict) else result

    return wrapper


class RequestMemoMiddleware:
    """Opens a memo scope around each GET and HEAD request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        with scope():
            return self.get_response(request)
