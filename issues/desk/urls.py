from django.urls import path

from issues.desk import (
    audience,
    back_issues,
    builder,
    corrections,
    import_page,
    reach,
    schedule,
    views,
)
from issues.review import outside

app_name = "issue_desk"

urlpatterns = [
    path("", views.issue_list, name="issue_list"),
    path("new/", views.issue_create, name="issue_create"),
    path("new/suggestion/", views.issue_suggestion, name="issue_suggestion"),
    path("import/", import_page.import_issue, name="import"),
    path("import/confirm/", import_page.import_confirm, name="import_confirm"),
    path("import/preview/", import_page.import_preview, name="import_preview"),
    path("import/correct/", import_page.import_correct, name="import_correct"),
    path("subscribers/import/", audience.import_subscribers, name="import_subscribers"),
    path("subscribers/import/<int:pk>/", audience.subscriber_import, name="subscriber_import"),
    path("audience/", audience.audience, name="audience"),
    path("audience.csv", audience.audience_csv, name="audience_csv"),
    path("<int:pk>/", views.issue_builder, name="issue_builder"),
    path("<int:pk>/page-count/", views.page_count, name="page_count"),
    path("<int:pk>/preview.html", views.preview_html, name="preview_html"),
    path("<int:pk>/preview.pdf", views.preview_pdf, name="preview_pdf"),
    path("<int:pk>/submit/", views.issue_submit, name="issue_submit"),
    path("<int:pk>/publish/", views.issue_publish, name="issue_publish"),
    path(
        "<int:pk>/publish-back-issue/",
        back_issues.publish_as_back_issue,
        name="issue_publish_back_issue",
    ),
    path("<int:pk>/schedule/", schedule.issue_schedule, name="issue_schedule"),
    path("<int:pk>/cancel-schedule/", schedule.issue_cancel_schedule, name="issue_cancel_schedule"),
    path("<int:pk>/deadlines/", schedule.issue_deadlines, name="issue_deadlines"),
    path(
        "<int:pk>/request-changes/",
        views.issue_request_changes,
        name="issue_request_changes",
    ),
    path("<int:pk>/invite/", outside.issue_invite, name="issue_invite"),
    path(
        "<int:pk>/invitations/<uuid:invitation_id>/revoke/",
        outside.issue_invitation_revoke,
        name="issue_invitation_revoke",
    ),
    path("<int:pk>/reach/", reach.issue_reach_page, name="issue_reach"),
    path("<int:pk>/reach.csv", reach.issue_reach_csv, name="issue_reach_csv"),
    path(
        "newsletters/<slug:slug>/reach.csv",
        reach.newsletter_reach_csv,
        name="newsletter_reach_csv",
    ),
    path("<int:pk>/corrections/start/", corrections.correction_start, name="correction_start"),
    path(
        "<int:pk>/corrections/<int:correction_pk>/",
        corrections.correction_detail,
        name="correction",
    ),
    path(
        "<int:pk>/corrections/<int:correction_pk>/submit/",
        corrections.correction_submit,
        name="correction_submit",
    ),
    path(
        "<int:pk>/corrections/<int:correction_pk>/request-changes/",
        corrections.correction_request_changes,
        name="correction_request_changes",
    ),
    path(
        "<int:pk>/corrections/<int:correction_pk>/publish/",
        corrections.correction_publish,
        name="correction_publish",
    ),
    path("<int:pk>/stories/add/", builder.add_story, name="add_story"),
    path(
        "<int:pk>/stories/<int:story_id>/remove/",
        builder.remove_story,
        name="remove_story",
    ),
    path("<int:pk>/stories/<int:story_id>/move/", builder.move_story, name="move_story"),
    path("<int:pk>/order/", builder.set_order, name="set_order"),
]
