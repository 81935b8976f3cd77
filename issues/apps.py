from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "Issues: newsletters, issues and subscribers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from issues.delivery import issue_published
        from newsroom.workflow import transitioned

        # A published issue is mailed to its newsletter's subscribers.
        transitioned.connect(issue_published, dispatch_uid="issues.delivery.issue_published")
