from django.urls import path

from issues import views

app_name = "issues"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.archive, name="archive"),
    path("issues/<slug:newsletter>/<int:number>/", views.issue_detail, name="issue_detail"),
]
