from django.urls import path

from newsroom.desk import (
    assignments,
    calendar,
    comments,
    dashboard,
    history,
    invitations,
    review,
    sources,
    stories,
)

app_name = "desk"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("notices/<int:pk>/dismiss/", dashboard.dismiss_notice, name="dismiss_notice"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/key/", calendar.renew_calendar_key, name="renew_calendar_key"),
    path("calendar/<str:key>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("assignments/new/", assignments.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/edit/", assignments.assignment_edit, name="assignment_edit"),
    path("assignments/<int:pk>/write/", assignments.assignment_write, name="assignment_write"),
    path("assignments/<int:pk>/delete/", assignments.assignment_delete, name="assignment_delete"),
    path("stories/", stories.story_list, name="story_list"),
    path("stories/new/", stories.story_new, name="story_new"),
    path("stories/<int:pk>/", stories.story_detail, name="story_detail"),
    path("stories/<int:pk>/edit/", stories.story_edit, name="story_edit"),
    path("stories/<int:pk>/review/", review.story_review, name="story_review"),
    path("stories/<int:pk>/submit/", review.story_submit, name="story_submit"),
    path("stories/<int:pk>/approve/", review.story_approve, name="story_approve"),
    path(
        "stories/<int:pk>/request-changes/",
        review.story_request_changes,
        name="story_request_changes",
    ),
    path("stories/<int:pk>/withdraw/", review.story_withdraw, name="story_withdraw"),
    path("stories/<int:pk>/recall/", review.story_recall, name="story_recall"),
    path("stories/<int:pk>/history/", history.story_history, name="story_history"),
    path("stories/<int:pk>/history/diff/", history.story_diff, name="story_diff"),
    path(
        "stories/<int:pk>/history/<int:history_id>/restore/",
        history.story_restore,
        name="story_restore",
    ),
    path("stories/<int:pk>/comments/", comments.comment_add, name="comment_add"),
    path(
        "stories/<int:pk>/comments/<int:comment_id>/reply/",
        comments.comment_reply,
        name="comment_reply",
    ),
    path(
        "stories/<int:pk>/comments/<int:comment_id>/resolve/",
        comments.comment_resolve,
        name="comment_resolve",
    ),
    path("stories/<int:pk>/invite/", invitations.story_invite, name="story_invite"),
    path(
        "stories/<int:pk>/invitations/<uuid:invitation_id>/revoke/",
        invitations.story_invitation_revoke,
        name="story_invitation_revoke",
    ),
    path("review/", review.review_queue, name="review_queue"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/new/", sources.source_new, name="source_new"),
    path("sources/names/", sources.source_names, name="source_names"),
    path("sources/<int:pk>/edit/", sources.source_edit, name="source_edit"),
    path("sources/<int:pk>/merge/", sources.source_merge, name="source_merge"),
]
