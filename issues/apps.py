from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = "Issues: newsletters, issues and subscribers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from issues.corrections.mail import correction_published
        from issues.publishing.delivery import issue_published
        from issues.room import IssuesRoom
        from newsroom import extension
        from newsroom.review.workflow import transitioned

        # The writing room asks its publishing questions through this.
        extension.connect(IssuesRoom())

        # A published issue is mailed to its newsletter's subscribers.
        transitioned.connect(
            issue_published, dispatch_uid="issues.publishing.delivery.issue_published"
        )
        # A published correction is mailed to those who received the issue.
        transitioned.connect(
            correction_published, dispatch_uid="issues.corrections.mail.correction_published"
        )
