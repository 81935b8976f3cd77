from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "Issues: newsletters, issues and subscribers"
    default_auto_field = "django.db.models.BigAutoField"
