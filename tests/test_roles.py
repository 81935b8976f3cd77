from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from issues import roles as issue_roles
from newsroom import roles
from newsroom.memo import RequestMemo
from tests.factories import make_user


@pytest.mark.django_db
def test_the_roles_migration_creates_each_group_with_exactly_its_permissions() -> None:
    for name, expected in roles.ROLE_PERMISSIONS.items():
        expected = expected + issue_roles.ROLE_PERMISSIONS.get(name, [])
        group = Group.objects.get(name=name)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == set(expected), name


@pytest.mark.django_db
def test_the_role_questions_follow_the_groups(alice, bob, dave, admin_user) -> None:
    assert (roles.is_editor(alice), roles.is_reviewer(alice)) == (True, False)
    assert (roles.is_editor(bob), roles.is_reviewer(bob)) == (False, True)
    assert not roles.is_desk_user(dave)
    assert roles.is_editor(admin_user) and roles.is_reviewer(admin_user)


@pytest.mark.django_db
def test_syncing_the_roles_again_changes_nothing() -> None:
    before = list(Group.objects.values_list("name", "permissions").order_by("name", "permissions"))
    issue_roles.sync_roles()
    after = list(Group.objects.values_list("name", "permissions").order_by("name", "permissions"))
    assert before == after


@pytest.mark.django_db
def test_the_lists_of_editors_and_reviewers_hold_whom_the_role_questions_hold_for(
    alice, bob, dave, admin_user
) -> None:
    both = make_user("erin", roles.EDITORS, roles.REVIEWERS)
    make_user("gone", roles.REVIEWERS, is_active=False)
    people = [alice, bob, dave, admin_user, both]
    assert set(roles.editors()) == {u for u in people if roles.is_editor(u)}
    assert set(roles.reviewers()) == {u for u in people if roles.is_reviewer(u)}
    assert list(roles.desk_users()) == sorted(
        (u for u in people if roles.is_desk_user(u)), key=lambda u: u.username
    )


@pytest.mark.django_db
def test_the_lists_hold_direct_grants_and_superusers_when_no_group_grants_the_permission(
    alice, bob, admin_user
) -> None:
    from django.contrib.auth.models import Permission

    review = Permission.objects.get(content_type__app_label="newsroom", codename="review_story")
    Group.objects.get(name=roles.REVIEWERS).permissions.remove(review)
    alice.user_permissions.add(review)
    alice = type(alice).objects.get(pk=alice.pk)  # no cached permissions
    bob = type(bob).objects.get(pk=bob.pk)
    assert (roles.is_reviewer(alice), roles.is_reviewer(bob)) == (True, False)
    assert list(roles.reviewers()) == [alice, admin_user]


@pytest.mark.django_db
def test_a_request_asks_once_who_the_reviewers_are_and_sees_a_change_at_once(
    alice, bob, django_assert_num_queries
) -> None:
    """The planning calendar asks twice a page (newsroom.memo keeps the
    first answer); a view that changes a role and asks again sees the change."""
    answers = []

    def view(request: HttpRequest) -> HttpResponse:
        answers.append(roles.reviewer_ids())
        with django_assert_num_queries(0):
            answers.append(roles.reviewer_ids())
        alice.groups.add(Group.objects.get(name=roles.REVIEWERS))
        answers.append(roles.reviewer_ids())
        return HttpResponse()

    RequestMemo(view)(RequestFactory().get("/"))
    assert answers[0] == answers[1] == {bob.pk}
    assert answers[2] == {alice.pk, bob.pk}
    # Outside a request (a task, a command) nothing is kept.
    alice.groups.clear()
    assert roles.reviewer_ids() == {bob.pk}
