from django.urls import path

from issues import views
from issues.accounts import downloads, joining, organisation, own_data, unsubscribe
from issues.accounts import views as accounts
from issues.publishing import feeds
from issues.review import outside

app_name = "issues"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.archive, name="archive"),
    path("issues/<slug:newsletter>/<int:number>/", views.issue_detail, name="issue_detail"),
    path("issues/<slug:newsletter>/<int:number>.pdf", views.issue_pdf, name="issue_pdf"),
    path(
        "issues/<slug:newsletter>/<int:number>/original.pdf",
        views.original_pdf,
        name="original_pdf",
    ),
    path("issues/download/<str:token>.pdf", views.signed_pdf, name="signed_pdf"),
    path("issues/<slug:newsletter>/<int:number>.html", views.issue_html, name="issue_html"),
    path(
        "issues/<slug:newsletter>/<int:number>/edition-<int:edition>.pdf",
        views.issue_pdf,
        name="edition_pdf",
    ),
    path(
        "issues/<slug:newsletter>/<int:number>/edition-<int:edition>.html",
        views.issue_html,
        name="edition_html",
    ),
    path("review/issue/<int:pk>/<str:token>/", outside.outside_issue, name="outside_issue"),
    path(
        "review/issue/<int:pk>/<str:token>/comment/",
        outside.outside_issue_comment,
        name="outside_issue_comment",
    ),
    path(
        "review/issue/<int:pk>/<str:token>/verdict/",
        outside.outside_issue_verdict,
        name="outside_issue_verdict",
    ),
    path(
        "review/issue/<int:pk>/<str:token>/reply/",
        outside.outside_issue_reply,
        name="outside_issue_reply",
    ),
    path("feeds/<slug:newsletter>.atom", feeds.IssueFeed(), name="feed"),
    path("feeds/private/<str:key>/<slug:newsletter>.atom", feeds.private_feed, name="private_feed"),
    path(
        "feeds/private/<str:key>/<slug:newsletter>/<int:number>.pdf",
        feeds.private_pdf,
        name="private_pdf",
    ),
    # Django's auth views own accounts/login/, logout/, password_change/,
    # password_reset/ and reset/; these names do not collide with them.
    path("accounts/welcome/", accounts.after_sign_in, name="after_sign_in"),
    path("accounts/profile/", accounts.account, name="account"),
    path("accounts/subscriptions/", accounts.update_subscriptions, name="update_subscriptions"),
    path("accounts/downloads.csv", downloads.downloads_csv, name="downloads_csv"),
    path("accounts/my-data.json", own_data.my_data, name="my_data"),
    path("accounts/delete/", own_data.delete_account, name="delete_account"),
    path("accounts/feed-key/", accounts.renew_feed_key, name="renew_feed_key"),
    path("accounts/digest/", accounts.digest, name="digest"),
    path("accounts/mail/", accounts.mail_preference, name="mail_preference"),
    path("mail/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path(
        "accounts/organisations/<int:pk>/",
        organisation.organisation_page,
        name="organisation",
    ),
    path(
        "accounts/organisations/<int:pk>/seats/<int:seat>/remove/",
        organisation.remove_reader,
        name="organisation_remove_reader",
    ),
    path("accounts/join/", joining.join, name="join"),
    path("accounts/join/asked/", joining.join_asked, name="join_asked"),
    path("accounts/join/<str:token>/", joining.join_confirm, name="join_confirm"),
    path("accounts/invite/", accounts.invite, name="invite"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path(
        "accounts/signup/confirm/<uidb64>/<token>/",
        accounts.signup_confirm,
        name="signup_confirm",
    ),
]
