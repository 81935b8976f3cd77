"""The session and the signed-in account, each read through a query compiled
once per process (newsroom/security/sessions.py, accounts.py): the same
answers as Django's own, and the same sign-outs."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues.models import Issue
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.security import accounts, sessions
from tests import factories
from tests.issue_helpers import publish


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def downloads(client: Client, issue: Issue) -> int:
    return client.get(f"/issues/ict/{issue.number}.pdf").status_code


def test_a_sign_in_is_recorded_for_the_account_backend_and_reads_through_it(
    dave: User, issue: Issue
) -> None:
    client = signed_in("dave")
    assert client.session[BACKEND_SESSION_KEY] == accounts.PATH
    assert downloads(client, issue) == 200
    compiled = connection.vendor == "postgresql"
    key = client.session.session_key
    assert (sessions._SESSION.rows(session_key=key, now=timezone.now()) is not None) == compiled
    assert (accounts._ACCOUNT.rows(pk=dave.pk) is not None) == compiled


def test_a_deactivated_account_is_signed_out_at_its_next_request(dave: User, issue: Issue) -> None:
    client = signed_in("dave")
    assert downloads(client, issue) == 200
    User.objects.filter(pk=dave.pk).update(is_active=False)
    assert downloads(client, issue) == 302  # to the sign-in page


def test_a_changed_password_signs_out_the_other_sessions(dave: User, issue: Issue) -> None:
    client = signed_in("dave")
    dave.set_password("a-new-and-long-passphrase")
    dave.save()
    assert downloads(client, issue) == 302


def test_a_wrong_password_is_refused(dave: User) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "dave", "password": "not-it"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_a_session_signed_in_through_model_backend_before_still_reads(
    dave: User, issue: Issue
) -> None:
    store = db.SessionStore()
    store[SESSION_KEY] = str(dave.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = dave.get_session_auth_hash()
    store.create()
    client = Client()
    client.cookies["sessionid"] = str(store.session_key)
    assert downloads(client, issue) == 200


def test_the_session_store_answers_as_djangos_for_every_key(dave: User) -> None:
    live = signed_in("dave").session.session_key
    expired = signed_in("dave").session.session_key
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    for key in (live, expired, "x" * 32, None):
        ours, django = sessions.SessionStore(key), db.SessionStore(key)
        assert dict(ours) == dict(django)
        assert ours.session_key == django.session_key
    assert dict(sessions.SessionStore(live))[SESSION_KEY] == str(dave.pk)
    dropped = sessions.SessionStore(expired)
    assert dict(dropped) == {}
    assert dropped.session_key is None


@pytest.mark.parametrize("persona", ["alice", "bob", "dave", "granted", "admin"])
def test_the_permissions_answer_as_model_backends_for_every_persona(
    persona: str, alice: User, bob: User, dave: User, admin_user: User
) -> None:
    """Editor, reviewer, subscriber, a direct grant beside a group's, a superuser."""
    granted = factories.make_user("granted", roles.EDITORS)
    granted.user_permissions.add(Permission.objects.get(codename="review_story"))
    user = {"alice": alice, "bob": bob, "dave": dave, "granted": granted, "admin": admin_user}[
        persona
    ]
    for ask in ("get_user_permissions", "get_group_permissions", "get_all_permissions"):
        ours, django = (
            getattr(backend, ask)(User.objects.get(pk=user.pk))
            for backend in (accounts.AccountBackend(), ModelBackend())
        )
        assert ours == django, ask
    assert ours  # every persona holds some permission
    if connection.vendor == "postgresql":
        assert accounts._PERMISSIONS["group"].rows(pk=user.pk) is not None
