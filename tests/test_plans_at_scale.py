"""Plans the planner picks by itself on data shaped like ten years of use
(PostgreSQL only; no planner setting switched off): the desk's people among
20,000 subscribers, a sources page over 20,000 stories, and the issue
builder's count of a newsletter's waiting stories (issue 27)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsroom import roles
from newsroom.desk.dashboard import PANEL_SIZE
from newsroom.models import Newsletter, Source, Story
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are PostgreSQL's (DATABASE_URL)"
    ),
]


def explain(sql: str, params: tuple[object, ...] | list[object] = ()) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain_analyze(sql: str) -> str:
    """The plan as run, with each node's rows and loops."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def page_queries(user: User, url: str, params: dict[str, str] | None = None) -> list[str]:
    client = factories.client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def insert_accounts(cursor: Any, prefix: str, n: int) -> None:
    """Accounts `prefix`1 ... `prefix`n, in one statement."""
    cursor.execute(
        """
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                               email, is_staff, is_active, date_joined)
        SELECT '!', false, %s || g, '', '', '', false, true, now()
        FROM generate_series(1, %s) AS g
        """,
        [prefix, n],
    )


@pytest.fixture
def subscribers(db: None) -> None:
    """20,000 subscriber accounts, analysed."""
    group = Group.objects.get(name=roles.SUBSCRIBERS)
    with connection.cursor() as cursor:
        insert_accounts(cursor, "reader-", 20000)
        cursor.execute(
            "INSERT INTO auth_user_groups (user_id, group_id)"
            " SELECT id, %s FROM auth_user WHERE username LIKE 'reader-%%'",
            [group.pk],
        )
        cursor.execute("ANALYZE auth_user")
        cursor.execute("ANALYZE auth_user_groups")


def test_the_desks_people_are_found_among_thousands_of_subscribers_by_index(
    subscribers: None, alice: User, bob: User, admin_user: User
) -> None:
    """Members of the groups that grant the permission, direct grants and
    superusers, read by index; it used to read every account (3-10 ms at
    20,000) because the membership was priced at the average group's size,
    or because the superusers were an OR beside it."""
    assert list(roles.reviewers()) == [bob, admin_user]  # by username: bob, root
    assert list(roles.editors()) == [alice, admin_user]
    assert list(roles.desk_users()) == [alice, bob, admin_user]
    for people in (roles.reviewers(), roles.editors(), roles.desk_users()):
        plan = explain(*people.query.sql_with_params())
        assert "Seq Scan on auth_user " not in plan, plan
        assert "auth_user_superuser_idx" in plan, plan
        assert "auth_user_pkey" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_the_sources_page_counts_its_sources_stories_in_the_index_alone(
    alice: User, newsletter: Newsletter
) -> None:
    """COUNT(*) by source over the page's 50 sources: an index-only scan of
    the stories' source index (COUNT(id) read each story's row)."""
    sources = [factories.make_source(f"Source {n:03d}") for n in range(60)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO newsroom_story (status, headline, body, original_url, newsletter_id,
                                        author_id, source_id, created_at, updated_at, version)
            SELECT 'draft', 'Story ' || g, '<p>Text.</p>', '', %s, %s,
                   (%s::bigint[])[1 + g %% %s], now(), now(), 1
            FROM generate_series(1, 20000) AS g
            """,
            [newsletter.pk, alice.pk, [s.pk for s in sources], len(sources)],
        )
        # As autovacuum leaves a table: analysed, its pages marked all-visible.
        cursor.execute("VACUUM ANALYZE newsroom_story")
    queries = page_queries(alice, reverse("desk:source_list"))
    (count,) = [sql for sql in queries if "COUNT(" in sql and "newsroom_story" in sql]
    assert "COUNT(*)" in count
    plan = explain(count)
    assert re.search(r"Index Only Scan using newsroom_story_source_id_\w+ on newsroom_story", plan)
    page = factories.client_for(alice).get(reverse("desk:source_list")).content.decode()
    assert Source.objects.order_by("name")[0].name in page


@pytest.fixture
def waiting_stories(alice: User, newsletter: Newsletter) -> list[Newsletter]:
    """20,000 approved stories about satellites over five newsletters, an
    hour apart back from now, analysed."""
    newsletters = [newsletter] + [
        factories.make_newsletter(f"Sector {n}", f"sector-{n}") for n in range(4)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO newsroom_story (status, published_at, headline, body, original_url,
                                        newsletter_id, author_id, created_at, updated_at,
                                        version)
            SELECT 'published', now() - g * interval '1 hour', 'Story ' || g,
                   '<p>The satellite operator signs a contract. ' || md5(g::text) || '</p>',
                   '', (%s::bigint[])[1 + g %% 5], %s, now() - g * interval '1 hour',
                   now() - g * interval '1 hour', 1
            FROM generate_series(1, 20000) AS g
            """,
            [[n.pk for n in newsletters], alice.pk],
        )
        cursor.execute("ANALYZE newsroom_story")
    return newsletters


@pytest.mark.parametrize("search", ["", "satellite"])
def test_the_builder_counts_its_newsletters_waiting_stories_newest_first_by_index(
    waiting_stories: list[Newsletter], alice: User, search: str
) -> None:
    """The count of up to 1,001 waiting stories walks story_recently_approved_idx
    newest first, skipping other newsletters' stories inside the index
    (newsletter_id is in it): the stories issues carry are the old ones."""
    issue = factories.make_issue(newsletter=waiting_stories[0], created_by=alice)
    url = reverse("issue_desk:issue_builder", args=[issue.pk])
    queries = page_queries(alice, url, {"q": search} if search else None)
    (count,) = [sql for sql in queries if sql.startswith("SELECT COUNT(*) FROM (SELECT")]
    assert "ORDER BY" in count  # counted in the page's order
    plan = explain(count)
    assert re.search(
        r"Index Scan using story_recently_approved_idx on newsroom_story.*\n"
        r"\s*Index Cond: \(newsletter_id = \d+\)",
        plan,
    ), plan


@pytest.fixture
def drafts(alice: User, bob: User, newsletter: Newsletter) -> None:
    """20,000 stories by 45 authors, an hour apart, analysed: Alice's 444
    drafts among them, 34 of them sent back by Bob (submitted, then changes
    requested), some recalled; the other authors' stories mostly approved,
    a tenth drafts (150 of them sent back)."""
    with connection.cursor() as cursor:
        insert_accounts(cursor, "writer-", 44)
        cursor.execute(
            """
            INSERT INTO newsroom_story (status, published_at, sent_back_at, headline, body,
                                        original_url, newsletter_id, author_id, created_at,
                                        updated_at, version)
            SELECT s.status, CASE WHEN s.status = 'published' THEN s.at END,
                   CASE WHEN s.status = 'draft' AND g %% 13 = 0 THEN s.at END,
                   'Story ' || g, '<p>Text.</p>', '', %s,
                   CASE WHEN g %% 45 = 0 THEN %s
                        ELSE (SELECT id FROM auth_user WHERE username = 'writer-' || g %% 45) END,
                   s.at, s.at, 1
            FROM generate_series(1, 20000) AS g,
                 LATERAL (SELECT now() - g * interval '1 hour' AS at,
                                 CASE WHEN g %% 45 = 0 OR g %% 10 = 1 THEN 'draft'
                                      WHEN g %% 10 = 2 THEN 'review'
                                      ELSE 'published' END AS status) AS s
            """,
            [newsletter.pk, alice.pk],
        )
        for name, hours_before in [("submit", 1), ("request_changes", 0)]:
            cursor.execute(
                """
                INSERT INTO newsroom_storytransition (story_id, transition, from_status,
                                                      to_status, by_id, at, comment, note)
                SELECT id, %s, 'review', 'draft', %s, sent_back_at - %s * interval '1 hour',
                       'Cite the ministry.', ''
                FROM newsroom_story WHERE sent_back_at IS NOT NULL
                """,
                [name, bob.pk, hours_before],
            )
        cursor.execute(
            """
            INSERT INTO newsroom_storytransition (story_id, transition, from_status, to_status,
                                                  by_id, at, comment, note)
            SELECT id, 'recall', 'review', 'draft', author_id, updated_at, '', ''
            FROM newsroom_story WHERE status = 'draft' AND sent_back_at IS NULL AND id %% 7 = 1
            """,
            [],
        )
        cursor.execute("ANALYZE newsroom_story")
        cursor.execute("ANALYZE newsroom_storytransition")


def test_an_authors_sent_back_drafts_are_read_by_index_not_tested_one_by_one(
    drafts: None, alice: User
) -> None:
    """ "Sent back to me" reads the few marked drafts of its author from
    story_sent_back_idx, newest first, and looks up the reviewer's words for
    the ten rows shown. It used to test each of the author's drafts for its
    last transition (a SubPlan per draft: 4.5 ms for ~450 drafts at 100k)."""
    assert Story.objects.sent_back().filter(author=alice).count() == 34
    queries = page_queries(alice, reverse("desk:dashboard"))
    (sent_back,) = [sql for sql in queries if '"sent_back_at" IS NOT NULL' in sql]
    plan = explain_analyze(sent_back)
    assert "Index Scan using story_sent_back_idx on newsroom_story" in plan, plan
    assert not re.search(r"Filter: .*SubPlan", plan), plan
    # The reviewer's words are asked for the rows shown only: each SubPlan
    # (last transition, its comment, its reviewer) runs once a row shown.
    runs = re.findall(r"SubPlan \d+\n\s*->  [^\n]*loops=(\d+)", plan)
    assert len(runs) == 3, plan
    assert all(int(n) <= PANEL_SIZE for n in runs), plan

    (my_drafts,) = [sql for sql in queries if '"sent_back_at" IS NULL' in sql]
    plan = explain_analyze(my_drafts)
    assert "story_author_status_idx" in plan, plan
    assert "SubPlan" not in plan, plan


def test_each_execution_of_a_prepared_statement_is_planned_with_its_values(db: None) -> None:
    """A generic plan (PostgreSQL's choice after five executions) prices a
    search word as if it were in 0.5% of stories, whatever its real share."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_custom_plan",)


@pytest.fixture
def audience(subscribers: None, newsletter: Newsletter) -> list[Newsletter]:
    """One subscription for each of the 20,000 readers over five
    newsletters: 6% ended, 3% ending within 30 days, the rest without an
    end; analysed."""
    newsletters = [newsletter] + [
        factories.make_newsletter(f"Sector {n}", f"sector-{n}") for n in range(4)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO issues_subscription (user_id, newsletter_id, created_at, ends_on)
            SELECT id, (%s::bigint[])[1 + id %% 5], now(),
                   CASE WHEN id %% 100 < 6 THEN current_date - 1 - (id %% 600)
                        WHEN id %% 100 < 9 THEN current_date + (id %% 30) END
            FROM auth_user WHERE username LIKE 'reader-%%'
            """,
            [[n.pk for n in newsletters]],
        )
        cursor.execute(
            "UPDATE auth_user SET email = username || '@example.org'"
            " WHERE username LIKE 'reader-%%'",
            [],
        )
        cursor.execute(
            "INSERT INTO issues_readerprofile (user_id, organisation)"
            " SELECT id, 'Ministry ' || (id %% 200) FROM auth_user"
            " WHERE username LIKE 'reader-%%' AND id %% 10 = 0",
            [],
        )
        # As autovacuum leaves them: the trigram indexes' pending entries
        # merged (a GIN index defers its inserts), the tables analysed.
        for index in ("auth_user_audience_search_trgm", "readerprofile_organisation_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        for table in ("issues_subscription", "auth_user", "issues_readerprofile"):
            cursor.execute(f"ANALYZE {table}")
    return newsletters


def audience_plans(user: User, params: dict[str, str]) -> tuple[str, list[str]]:
    """The plan of the audience page's list of subscriptions, and every
    other query of the page that reads the subscriptions."""
    queries = page_queries(user, reverse("issue_desk:audience"), params)
    listing = 'ORDER BY "issues_subscription"."ends_on" ASC'
    (listed,) = [sql for sql in queries if listing in sql]
    others = [sql for sql in queries if "issues_subscription" in sql and listing not in sql]
    return explain(listed), others


@pytest.mark.parametrize("show", ["", "current", "never"])
def test_the_audience_lists_a_page_of_subscriptions_without_sorting_them_all(
    audience: list[Newsletter], admin_user: User, show: str
) -> None:
    """The list, ordered by end then address, reads the ends_on index in
    order and sorts one page (an incremental sort): sorting all 20,000
    subscriptions joined to their readers took 100 ms at 33,000 (issue 27)."""
    for params in ({"show": show}, {"show": show, "newsletter": str(audience[1].pk)}):
        listed, _ = audience_plans(admin_user, params)
        assert "Incremental Sort" in listed, listed
        assert "Presorted Key: issues_subscription.ends_on" in listed, listed
        assert "Index Scan using subscription_ends_on_idx on issues_subscription" in listed
        assert "Seq Scan on issues_subscription" not in listed, listed


@pytest.mark.parametrize("show", ["", "current", "ending", "lapsed", "never"])
def test_the_audience_counts_from_its_kept_totals_without_reading_the_subscriptions(
    audience: list[Newsletter], admin_user: User, show: str
) -> None:
    """The per-newsletter figures and the number of pages come from the
    tally the database keeps (migration 0030): counted from the
    subscriptions, they grew with the readers (3-4x from 100 to 20,000,
    issue 27). The one other query that reads the subscriptions asks a
    partial index for those that begin after they end."""
    for params in ({"show": show}, {"show": show, "newsletter": str(audience[1].pk)}):
        _, others = audience_plans(admin_user, params)
        (odd,) = others
        plan = explain(odd)
        assert "subscription_starts_after_end" in plan, plan
        assert "Seq Scan on issues_subscription" not in plan, plan
    page = factories.client_for(admin_user).get(reverse("issue_desk:audience"))
    rows = [n.audience for n in page.context["newsletters"]]
    assert [sum(getattr(n, count) for n in rows) for count in ("current", "ending", "ended")] == [
        18800,
        600,
        1200,
    ]
    assert sum(n.never for n in rows) == 20000  # nobody downloaded
    assert page.context["page"].paginator.count == 20000


@pytest.mark.parametrize("q", ["lee@energy", "ministry 17"])
def test_the_audience_finds_readers_by_address_or_organisation_through_trigram_indexes(
    audience: list[Newsletter], admin_user: User, q: str
) -> None:
    """The search asks each table's trigram index (migration 0029) for the
    readers, then their subscriptions by reader: as an OR across the join it
    read every subscription and account (45 ms at 33,000 subscriptions)."""
    User.objects.filter(username="reader-1234").update(email="ann.lee@energy.example")
    queries = page_queries(admin_user, reverse("issue_desk:audience"), {"q": q})
    (count,) = [sql for sql in queries if sql.startswith("SELECT COUNT(*)")]
    plan = explain(count.replace("%", "%%"))  # the captured SQL holds LIKE '%...%'
    assert "Seq Scan on auth_user" not in plan, plan
    assert "Bitmap Index Scan on auth_user_audience_search_trgm" in plan, plan
    if q.startswith("lee"):
        # One reader: their subscriptions by the reader index. (For an
        # organisation of 100 readers a hash join over the subscriptions is
        # the planner's fair choice: about 2 ms at 20,000.)
        assert "Seq Scan on issues_subscription" not in plan, plan
    page = factories.client_for(admin_user).get(reverse("issue_desk:audience"), {"q": q})
    found = {s.user.username for s in page.context["page"]}
    if q.startswith("lee"):
        assert found == {"reader-1234"}
    else:
        assert found and all(
            s.user.reader_profile.organisation.lower().startswith("ministry 17")
            for s in page.context["page"]
        )


def test_the_account_page_offers_the_readers_newsletters_without_reading_every_subscription(
    audience: list[Newsletter],
) -> None:
    """The newsletters a reader may choose (open to sign-up, or theirs): the
    reader's own by the subscriptions' reader index. As an OR across a join
    to every subscription, the page read them all (13 ms at 33,000)."""
    reader = User.objects.get(username="reader-1234")
    queries = page_queries(reader, reverse("issues:account"))
    (choices,) = [sql for sql in queries if '"open_to_self_signup" OR ' in sql]
    plan = explain(choices)
    assert "Seq Scan on issues_subscription" not in plan, plan
    assert "issues_subscription_user_id" in plan or "subscription_once" in plan, plan
