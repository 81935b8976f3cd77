"""What the scale and load benchmarks share: a free loopback port for the
server they start, and a signed-in session made without a login request.

Import after `django.setup()` (the session store is a model)."""

from __future__ import annotations

import socket

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session_for(user: User) -> str:
    """The key of a new session in which `user` is signed in."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "newsroom.security.accounts.AccountBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)
