from django.urls import path

from issues import builder_views, desk_views, import_views

app_name = "issue_desk"

urlpatterns = [
    path("", desk_views.issue_list, name="issue_list"),
    path("new/", desk_views.issue_create, name="issue_create"),
    path("import/", import_views.import_issue, name="import"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("<int:pk>/", desk_views.issue_builder, name="issue_builder"),
    path("<int:pk>/page-count/", desk_views.page_count, name="page_count"),
    path("<int:pk>/preview.html", desk_views.preview_html, name="preview_html"),
    path("<int:pk>/preview.pdf", desk_views.preview_pdf, name="preview_pdf"),
    path("<int:pk>/submit/", desk_views.issue_submit, name="issue_submit"),
    path("<int:pk>/publish/", desk_views.issue_publish, name="issue_publish"),
    path(
        "<int:pk>/request-changes/",
        desk_views.issue_request_changes,
        name="issue_request_changes",
    ),
    path("<int:pk>/stories/add/", builder_views.add_story, name="add_story"),
    path(
        "<int:pk>/stories/<int:story_id>/remove/",
        builder_views.remove_story,
        name="remove_story",
    ),
    path("<int:pk>/stories/<int:story_id>/move/", builder_views.move_story, name="move_story"),
    path("<int:pk>/order/", builder_views.set_order, name="set_order"),
]
