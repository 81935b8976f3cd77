"""Answers worth asking once per request.

A page may ask the same question more than once: the planning calendar
asks who the reviewers are for the weeks it shows and again for what the
reader owes. `once_per_request(key, compute)` keeps the first answer for
the rest of the request (`RequestMemo`, a middleware, gives each request
its own memo) and computes afresh outside a request (tasks, commands).

A change that could alter a kept answer forgets them all (`forget`);
newsroom.roles does so when a group, a permission or an account changes,
so a view that changes a role and then asks sees the change.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

_memo: ContextVar[dict[str, Any] | None] = ContextVar("request_memo", default=None)


def once_per_request[T](key: str, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def forget() -> None:
    """Drop every kept answer of the current request."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


class RequestMemo:
    """Middleware: a memo for the request's length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
