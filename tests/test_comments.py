"""Comments on passages: threads, replies, resolving, and what they hold up."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from newsroom.models import Newsletter, Story
from newsroom.models.comments import Comment
from newsroom.review.workflow import REQUEST_CHANGES, Status, perform
from tests import factories

BODY = (
    "<p>The harbour authority opened its fifth data centre on Monday. "
    "Exports of cloud services rose 40% in a year, the ministry said.</p>"
)
QUOTE = "rose 40% in a year"


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=alice,
        newsletter=newsletter,
        body=BODY,
        headline="Cloud exports",
        status=Status.REVIEW,
    )


def comment(client, story: Story, text: str = "Source for this figure?", quote: str = QUOTE):
    near = Story.objects.get(pk=story.pk).body_text.find(quote)
    data = {"quote": quote, "near": str(max(near, 0)), "text": text}
    return client.post(f"/desk/stories/{story.pk}/comments/", data, follow=True)


def edit(client, story: Story, body: str):
    story.refresh_from_db()
    data = {
        "headline": story.headline,
        "body": body,
        "source": story.source.name if story.source else "",
        "new_source": "",
        "newsletter": story.newsletter_id,
        "original_url": "",
        "version": story.version,
    }
    return client.post(f"/desk/stories/{story.pk}/edit/", data, follow=True)


def test_a_reviewer_comments_on_a_passage(client, story: Story, bob: User) -> None:
    client.force_login(bob)
    page = comment(client, story).content.decode()
    thread = Comment.objects.get()
    assert (thread.story, thread.author, thread.quote) == (story, bob, QUOTE)
    assert story.body_text[thread.start : thread.end] == QUOTE
    assert thread.suffix.startswith(", the ministry said")
    assert "Comment added." in page and "Source for this figure?" in page


def test_a_comment_on_words_not_in_the_story_is_refused_and_kept(client, story, bob) -> None:
    client.force_login(bob)
    response = client.post(
        f"/desk/stories/{story.pk}/comments/",
        {"quote": "rose 90%", "near": "0", "text": "My long remark"},
    )
    assert response.status_code == 400
    assert "Select a passage of the story" in response.content.decode()
    assert "My long remark" in response.content.decode()
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused(client, story: Story, bob: User) -> None:
    client.force_login(bob)
    response = client.post(
        f"/desk/stories/{story.pk}/comments/", {"quote": QUOTE, "near": "0", "text": "  "}
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("where", "new_body", "anchor", "now_reads"),
    [
        (
            "before",
            BODY.replace("The harbour authority", "After long delays, the port authority"),
            "exact",
            QUOTE,
        ),
        (
            "inside",
            BODY.replace(QUOTE, "rose 45 per cent in twelve months"),
            "edited",
            "rose 45 per cent in twelve months",
        ),
        ("after", BODY.replace("the ministry said", "according to the ministry"), "exact", QUOTE),
    ],
)
def test_the_comment_follows_its_passage_through_an_edit(
    client, story: Story, alice: User, bob: User, where, new_body, anchor, now_reads
) -> None:
    client.force_login(bob)
    comment(client, story)
    perform(story, REQUEST_CHANGES, by=bob, comment="See my comment.")
    client.force_login(alice)
    assert "Saved" in edit(client, story, new_body).content.decode()
    thread = Comment.objects.get()
    story.refresh_from_db()
    assert (thread.anchor, story.body_text[thread.start : thread.end]) == (anchor, now_reads)
    assert thread.quote == QUOTE  # the words the comment was made on
    editor = client.get(f"/desk/stories/{story.pk}/edit/").content.decode()
    assert f"“{QUOTE}”" in editor and "Source for this figure?" in editor
    assert ("The passage was reworded since." in editor) == (where == "inside")
    assert "The passage changed" not in editor


def test_a_comment_whose_passage_is_gone_says_the_passage_changed(
    client, story: Story, bob: User
) -> None:
    client.force_login(bob)
    comment(client, story)
    edit(client, story, "<p>The ministry gave no figures at all for this period.</p>")
    assert Comment.objects.get().anchor == "lost"
    page = client.get(f"/desk/stories/{story.pk}/").content.decode()
    assert "The passage changed" in page


def test_approve_is_refused_while_a_comment_is_open(client, story: Story, carol, bob) -> None:
    client.force_login(bob)
    comment(client, story)
    page = client.post(f"/desk/stories/{story.pk}/approve/", follow=True).content.decode()
    assert "1 comment is still open" in page
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert not story.transitions.filter(transition="publish").exists()


def test_a_reviewer_resolves_the_open_comments_as_they_approve(client, story, carol, bob) -> None:
    client.force_login(carol)
    comment(client, story)
    client.force_login(bob)
    review = client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    assert "Resolve all and approve" in review
    client.post(f"/desk/stories/{story.pk}/approve/", {"resolve_open": "1"})
    story.refresh_from_db()
    thread = Comment.objects.get()
    assert story.status == Status.PUBLISHED
    assert (thread.resolved_by, thread.is_open) == (bob, False)
    assert story.transitions.first().transition == "publish"


def test_resolving_all_resolves_nothing_when_approval_is_refused(client, alice, story) -> None:
    reviewer_author = factories.make_reviewer("rita")
    own = factories.make_story(
        author=reviewer_author, newsletter=story.newsletter, body=BODY, status=Status.REVIEW
    )
    client.force_login(alice)
    comment(client, own)
    client.force_login(reviewer_author)
    client.post(f"/desk/stories/{own.pk}/approve/", {"resolve_open": "1"})
    own.refresh_from_db()
    assert own.status == Status.REVIEW
    assert Comment.objects.get().is_open


def test_the_author_replies_and_resolves_a_thread(client, story, alice, bob) -> None:
    client.force_login(bob)
    comment(client, story)
    thread = Comment.objects.get()
    client.force_login(alice)
    editor_page = client.get(f"/desk/stories/{story.pk}/edit/")
    assert editor_page.status_code == 403  # in review: the author waits
    client.post(
        f"/desk/stories/{story.pk}/comments/{thread.pk}/reply/", {"text": "Ministry release."}
    )
    client.post(f"/desk/stories/{story.pk}/comments/{thread.pk}/resolve/")
    thread.refresh_from_db()
    assert [r.text for r in thread.replies.all()] == ["Ministry release."]
    assert (thread.resolved_by, thread.is_open) == (alice, False)


def test_an_editor_who_is_neither_author_nor_commenter_cannot_resolve(
    client, story, bob, erin
) -> None:
    client.force_login(bob)
    comment(client, story)
    thread = Comment.objects.get()
    client.force_login(erin)
    response = client.post(f"/desk/stories/{story.pk}/comments/{thread.pk}/resolve/")
    assert response.status_code == 403
    thread.refresh_from_db()
    assert thread.is_open


def test_a_thread_of_another_story_is_a_404(client, story, alice, bob, newsletter) -> None:
    other = factories.make_story(author=alice, newsletter=newsletter, body=BODY)
    client.force_login(bob)
    comment(client, other)
    thread = Comment.objects.get()
    response = client.post(f"/desk/stories/{story.pk}/comments/{thread.pk}/resolve/")
    assert response.status_code == 404
    assert Comment.objects.get().is_open


def test_open_comments_appear_beside_the_text_in_the_editor(client, alice, bob, newsletter):
    draft = factories.make_story(author=alice, newsletter=newsletter, body=BODY)
    client.force_login(bob)
    comment(client, draft, text="Which ministry?")
    client.force_login(alice)
    page = client.get(f"/desk/stories/{draft.pk}/edit/").content.decode()
    assert "Which ministry?" in page and f"“{QUOTE}”" in page


def test_the_send_back_mail_quotes_each_passage_and_its_comment(
    client, story, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(bob)
    comment(client, story, text="Source for this figure?")
    comment(client, story, text="Which data centre?", quote="fifth data centre")
    review = client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    assert "The author will get these open comments" in review
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/stories/{story.pk}/request-changes/", {"comment": "See my notes."})
    sent_back = [m for m in mailoutbox if m.subject.startswith("[Newsroom] Changes requested")]
    assert len(sent_back) == 1
    body = sent_back[0].body
    assert "See my notes." in body
    assert "> fifth data centre\nbob: Which data centre?" in body
    assert f"> {QUOTE}\nbob: Source for this figure?" in body
    assert body.index("fifth data centre") < body.index(QUOTE)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("dave", 403), ("erin", 302), ("bob", 302), ("alice", 302)],
)
def test_who_may_comment(client, story, dave, erin, bob, alice, who, expected) -> None:
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    data = {"quote": QUOTE, "near": "0", "text": "Hm."}
    response = client.post(f"/desk/stories/{story.pk}/comments/", data)
    assert response.status_code == expected
    assert client.get(f"/desk/stories/{story.pk}/comments/").status_code in {302, 403, 405}
    assert Comment.objects.exists() == (who in {"erin", "bob", "alice"})
