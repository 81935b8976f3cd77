"""What changed since I last looked: the returning reviewer's diff."""

from __future__ import annotations

from django.contrib.auth.models import User

from newsroom.models import Newsletter
from newsroom.review.comments import comment_on_passage, reply, resolve
from newsroom.review.workflow import REQUEST_CHANGES, SUBMIT, Status, perform
from tests import factories

BODY = (
    "<p>The harbour authority opened its fifth data centre on Monday. "
    "Exports of cloud services rose 40% in a year.</p>"
)


def test_a_returning_reviewer_sees_the_changes_and_their_answered_comments(
    client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, body=BODY, status=Status.REVIEW
    )
    figure = comment_on_passage(story, text="Source?", quote="rose 40%", by=bob)
    place = comment_on_passage(story, text="Which port?", quote="harbour authority", by=bob)
    perform(story, REQUEST_CHANGES, by=bob, comment="See comments.")
    story.refresh_from_db()
    story.body = BODY.replace("40%", "42%")
    story.save_edit(by=alice, expected_version=story.version)
    reply(figure, text="Ministry release: 42%.", by=alice)
    resolve(place, by=alice)
    perform(story, SUBMIT, by=alice)

    client.force_login(bob)
    page = client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    assert "Since you last looked" in page
    assert "<del>40%</del><ins>42%</ins>" in page
    assert "data centre on Monday." in page  # unchanged text is shown, unmarked
    assert "<del>The harbour" not in page
    assert "was answered: “Ministry release: 42%.” (alice)" in page
    assert "was resolved by alice" in page


def test_a_reviewer_who_never_looked_sees_no_diff(client, alice, bob, carol, newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    perform(story, REQUEST_CHANGES, by=bob, comment="Shorter.")
    perform(story, SUBMIT, by=alice)
    client.force_login(carol)
    assert (
        "Since you last looked"
        not in client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    )
    client.force_login(bob)
    assert (
        "The text has not changed since."
        in client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    )


def test_commenting_on_the_new_text_keeps_the_diff_in_view(
    client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, body=BODY, status=Status.REVIEW
    )
    perform(story, REQUEST_CHANGES, by=bob, comment="Check the figure.")
    story.refresh_from_db()
    story.body = BODY.replace("40%", "42%")
    story.save_edit(by=alice, expected_version=story.version)
    perform(story, SUBMIT, by=alice)

    client.force_login(bob)
    client.post(
        f"/desk/stories/{story.pk}/comments/",
        {"quote": "fifth data centre", "near": "0", "text": "Which one?"},
    )
    page = client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    assert "<del>40%</del><ins>42%</ins>" in page  # still against the revision sent back
    # Sent back again and resubmitted unchanged: that round is the new mark.
    perform(story, REQUEST_CHANGES, by=bob, comment="Answer my question.")
    perform(story, SUBMIT, by=alice)
    page = client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    assert "The text has not changed since." in page and "<del>" not in page
