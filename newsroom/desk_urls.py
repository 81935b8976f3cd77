from django.urls import path

from newsroom import views

app_name = "desk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
