from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "Issues: newsletters, issues and subscribers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from issues.correction_mail import correction_published
        from issues.delivery import issue_published
        from issues.room import IssuesRoom
        from newsroom import extension
        from newsroom.workflow import transitioned

        # The writing room asks its publishing questions through this.
        extension.connect(IssuesRoom())

        # A published issue is mailed to its newsletter's subscribers.
        transitioned.connect(issue_published, dispatch_uid="issues.delivery.issue_published")
        # A published correction is mailed to those who received the issue.
        transitioned.connect(
            correction_published, dispatch_uid="issues.correction_mail.correction_published"
        )
