"""Journeys of issue 26: the conflict page where each differing field is
chosen (the headline included), a reviewer's withdraw with a reason the
author then reads, and an editor recalling her own story from review.

Each changed page goes under axe-core (no serious or critical violation)
and is photographed at 1280 and 390 px into test-results/screenshots/
(week-*.png)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from newsroom.models import Story
from newsroom.review.workflow import Status
from tests import factories
from tests.e2e.test_accessibility import SCREENSHOTS, blocking_violations, table
from tests.issue_helpers import make_published_stories

WIDTHS = (1280, 390)


def look(page: Page, axe: Axe, name: str) -> list[dict]:
    """axe-core's blocking findings on the page as it is now, and a photograph
    at each width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        results = axe.run(page).response
        assert results["passes"], f"axe-core checked nothing on {name}"
        rows += blocking_violations(results, role=width, page=name)
        page.screenshot(path=SCREENSHOTS / f"week-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return rows


@pytest.mark.django_db(transaction=True)
def test_the_conflict_page_asks_which_headline_to_keep(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    erin = factories.make_editor("erin")
    story = factories.make_story(
        author=alice,
        newsletter=ict,
        headline="Ferry line gets electric boats",
        body="<p>Two electric ferries join the bay line in spring.</p>",
    )
    axe, rows = Axe(), []
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/edit/")
    # Erin saves a new headline while Alice is editing the body.
    theirs = Story.objects.get(pk=story.pk)
    theirs.headline = "Ferry line gets three electric boats"
    theirs.save_edit(by=erin, expected_version=1)
    body = page.locator(".ProseMirror").first
    body.click()
    page.keyboard.press("End")
    page.keyboard.type(" They run silently.")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Someone saved this story")).to_be_visible()
    differs = page.locator("[data-merge-field]")
    expect(differs).to_have_count(2)  # the headline and the body, nothing else
    expect(page.locator(".desk-diff-words").first).not_to_contain_text("<p>")
    expect(page.locator("[data-merge-field=body] .desk-diff-words")).to_contain_text(
        "They run silently."
    )
    rows += look(page, axe, "conflict")

    # Saving without choosing the headline saves nothing and says so.
    page.get_by_label("Mine:", exact=False).last.check()  # the body only
    page.get_by_role("button", name="Save merged text").click()
    expect(page.get_by_role("alert").filter(has_text="choose which headline")).to_be_visible()
    assert Story.objects.get(pk=story.pk).version == 2
    rows += look(page, axe, "conflict-unchosen")

    headline = page.locator("[data-merge-field=headline]")
    # Typing in the headline chooses "as edited" for it; she then prefers theirs.
    page.get_by_label("Headline").fill("Ferry line gets quiet boats")
    expect(headline.get_by_label("As edited", exact=False)).to_be_checked()
    headline.get_by_label("Theirs", exact=False).check()
    body_choice = page.locator("[data-merge-field=body]").get_by_label("Mine", exact=False)
    expect(body_choice).to_be_checked()  # kept from the refused post
    page.get_by_role("button", name="Save merged text").click()

    expect(page.get_by_text("Saved (version 3).")).to_be_visible()
    story.refresh_from_db()
    assert story.headline == "Ferry line gets three electric boats"
    assert "They run silently." in story.body
    assert not rows, "serious or critical axe-core violations:\n" + table(rows)


@pytest.mark.django_db(transaction=True)
def test_a_withdrawn_story_tells_its_author_why_and_an_editor_recalls_her_own(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    factories.make_reviewer("bob")
    carol = factories.make_reviewer("carol")
    approved = factories.make_story(
        author=alice,
        newsletter=ict,
        headline="Buoys report by radio",
        status="published",
        reviewer=carol,
    )
    in_review = factories.make_story(
        author=alice, newsletter=ict, headline="Tide tables go online", status="review"
    )
    axe, rows = Axe(), []
    login(page, "bob")
    page.goto(f"{live_server.url}/desk/stories/{approved.pk}/")
    rows += look(page, axe, "story-withdraw-form")
    page.get_by_label("Why withdraw it?").fill("The buoy maker disputes the figures.")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Withdrawn: the story is a draft again")).to_be_visible()

    page.context.clear_cookies()
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/{approved.pk}/")
    note = page.locator(".desk-sent-back")
    expect(note).to_contain_text("Withdrawn by bob")
    expect(note).to_contain_text("The buoy maker disputes the figures.")
    rows += look(page, axe, "story-withdrawn")

    page.goto(f"{live_server.url}/desk/stories/{in_review.pk}/")
    page.get_by_role("button", name="Recall to draft").click()
    expect(page.get_by_text("Recalled: the story is a draft again.")).to_be_visible()
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT
    assert in_review.transitions.first().transition == "recall"
    rows += look(page, axe, "story-recalled")
    assert not rows, "serious or critical axe-core violations:\n" + table(rows)


@pytest.mark.django_db(transaction=True)
def test_keyboard_moves_in_the_builder_keep_focus_on_the_story(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    stories = make_published_stories(newsletter=ict, author=alice, reviewer=bob, count=3)
    issue = factories.make_issue(newsletter=ict, created_by=alice, stories=stories, number=3)
    first = stories[0].headline
    axe = Axe()
    login(page, "alice")
    response = page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    assert response is not None
    url_before = page.url

    page.get_by_role("button", name=f"Move “{first}” down").focus()
    page.keyboard.press("Enter")
    status = page.locator("#order-status")
    expect(status).to_have_text(f"“{first}” moved to position 2 of 3.")
    down = page.get_by_role("button", name=f"Move “{first}” down")
    expect(down).to_be_focused()
    page.keyboard.press("Space")
    expect(status).to_have_text(f"“{first}” moved to position 3 of 3.")
    # At the bottom its down button is disabled: focus stays on its up button.
    expect(down).to_be_disabled()
    up = page.get_by_role("button", name=f"Move “{first}” up")
    expect(up).to_be_focused()
    page.keyboard.press("Enter")
    expect(status).to_have_text(f"“{first}” moved to position 2 of 3.")
    expect(up).to_be_focused()

    assert page.url == url_before  # no reload
    headlines = page.locator("#issue-stories .story-headline").all_inner_texts()
    assert headlines == [stories[1].headline, first, stories[2].headline]
    assert [s.pk for s in issue.ordered_stories()] == [stories[1].pk, stories[0].pk, stories[2].pk]
    rows = look(page, axe, "builder-moved")
    assert not rows, "serious or critical axe-core violations:\n" + table(rows)


@pytest.mark.django_db(transaction=True)
def test_the_toolbar_arrow_keys_cycle_through_every_button(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    factories.make_newsletter()
    factories.make_editor("alice")
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/stories/new/")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    expect(toolbar).to_be_visible()
    shown = toolbar.locator(".prose-menubar__button:visible")
    names = [shown.nth(i).get_attribute("title") for i in range(shown.count())]
    assert names[:2] == ["unordered list", "ordered list"] and "bold" in names and "redo" in names
    shown.first.focus()
    visited = []
    for _ in range(len(names) + 1):
        visited.append(page.evaluate("document.activeElement.title"))
        page.keyboard.press("ArrowRight")
    assert visited == [*names, names[0]]  # every button, then round again
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")  # from the first, round to the last
    assert page.evaluate("document.activeElement.title") == names[-1]
    tabbable = toolbar.locator("[tabindex='0']")
    expect(tabbable).to_have_count(1)  # one tab stop: the button last focused


SELECT_BY_TOUCH = """(words) => {
  // What a long press and the handles leave behind: a selection, and the
  // selectionchange events it fires; no mouse-up, no key.
  const root = document.querySelector("[data-commentable]");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.textContent.indexOf(words);
    if (at === -1) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + words.length);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return;
  }
  throw new Error("words not found: " + words);
}"""


@pytest.mark.django_db(transaction=True)
def test_an_outside_reviewer_on_a_phone_comments_by_touch_under_embargo(
    browser: Any, live_server: Any
) -> None:
    import datetime

    from django.utils import timezone

    from issues.models.invitations import IssueInvitation
    from issues.publishing.scheduling import schedule_issue
    from newsroom.models.comments import Comment
    from newsroom.review.invitations import invite
    from tests.issue_helpers import make_issue_in_review

    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    carol = factories.make_reviewer("carol")
    issue = make_issue_in_review(newsletter=ict, editor=alice, reviewer=bob, count=1)
    invitation = invite(IssueInvitation, subject=issue, email="partner@ngo.example", by=bob)
    when = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    schedule_issue(issue=issue, by=carol, when=when)
    story = issue.ordered_stories()[0]
    words = " ".join(story.body_text.split()[:3])

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/review/issue/{issue.pk}/{invitation.token()}/")
    embargo = page.locator(".outside-embargo")
    expect(embargo).to_contain_text(f"Embargoed until {timezone.localtime(when):%-d %b %Y %H:%M}")
    expect(embargo).to_contain_text("This link stops working at publication.")
    rows = look(page, Axe(), "outside-embargo")
    page.set_viewport_size({"width": 390, "height": 844})

    page.evaluate(SELECT_BY_TOUCH, words)
    form = page.locator("[data-passage-form]")
    expect(form).to_be_visible()
    expect(form.locator("[data-passage-shown]")).to_have_text(words)
    page.get_by_role("textbox", name="Your comment").fill("Which harbour is meant?")
    page.screenshot(path=SCREENSHOTS / "week-touch-comment-390.png", full_page=True)
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_text("your comment is with the newsroom")).to_be_visible()
    comment = Comment.objects.get()
    assert (comment.quote, comment.text, comment.author_email) == (
        words,
        "Which harbour is meant?",
        "partner@ngo.example",
    )
    phone.close()
    assert not rows, "serious or critical axe-core violations:\n" + table(rows)


@pytest.mark.django_db(transaction=True)
def test_planning_pages_say_who_and_follow_the_period_typed(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    import datetime

    from django.utils import timezone

    from issues.models import Issue
    from newsroom.models.planning import Assignment
    from newsroom.models.private_addresses import PrivateAddressKey, Purpose

    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    erin = factories.make_editor("erin")
    factories.make_subscriber("dave", ict)
    PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=factories.make_user("frank"))
    now = timezone.now().replace(second=0, microsecond=0)
    issue = factories.make_issue(newsletter=ict, created_by=alice, number=7)
    Issue.objects.filter(pk=issue.pk).update(
        copy_deadline=now + datetime.timedelta(days=2),
        review_deadline=now + datetime.timedelta(days=3),
        planned_publication_at=now + datetime.timedelta(days=4),
    )
    Assignment.objects.create(
        headline="Ferry line gets electric boats",
        newsletter=ict,
        assignee=erin,
        due_at=now + datetime.timedelta(days=1),
        created_by=alice,
    )
    axe, rows = Axe(), []
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/calendar/")
    slot = page.locator(".calendar-assignment")
    expect(slot.locator(".calendar-who")).to_have_text("Owed by erin")
    expect(slot.locator(".calendar-issue")).to_have_text("For ICT no. 7")
    rows += look(page, axe, "calendar-who")

    page.goto(f"{live_server.url}/desk/issues/new/")
    end = datetime.date(2030, 3, 10)
    publication = timezone.localtime(ict.next_publication(end))
    page.get_by_label("Period start").fill("2030-03-04")
    page.get_by_label("Period start").dispatch_event("change")
    expect(page.get_by_label("Period end")).to_have_value("2030-03-10")
    expect(page.locator("[name=planned_publication_at]")).to_have_value(
        f"{publication:%Y-%m-%dT%H:%M}"
    )
    copy = publication - datetime.timedelta(days=3)
    expect(page.locator("[name=copy_deadline]")).to_have_value(f"{copy:%Y-%m-%dT%H:%M}")
    rows += look(page, axe, "issue-new-following")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("frank")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/accounts/profile/")
    franks = PrivateAddressKey.objects.filter(purpose=Purpose.FEED, user__username="frank")
    key = franks.get().key
    page.get_by_role("button", name="Make new feed addresses").click()
    expect(page.get_by_role("heading", name="Make new feed addresses?")).to_be_visible()
    assert franks.get().key == key  # nothing yet
    rows += look(page, axe, "feed-key-confirm")
    page.get_by_role("button", name="Make new addresses").click()
    expect(page.get_by_text("New feed addresses made")).to_be_visible()
    assert franks.get().key != key
    assert not rows, "serious or critical axe-core violations:\n" + table(rows)
