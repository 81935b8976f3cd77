from django.urls import path

from issues import desk_views

app_name = "issue_desk"

urlpatterns = [
    path("", desk_views.issue_list, name="issue_list"),
]
