from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from newsroom import roles


def newsroom(request: HttpRequest) -> dict[str, object]:
    # A request refused before the authentication middleware ran (a Host
    # header we do not serve) has no user; its 400 page still renders.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "publisher": settings.NEWSROOM_PUBLISHER,
        "self_signup": settings.NEWSROOM_SELF_SIGNUP,
        "TIME_ZONE": settings.NEWSROOM_TIME_ZONE,
        "is_editor": roles.is_editor(user),
        "is_reviewer": roles.is_reviewer(user),
        "is_desk_user": roles.is_desk_user(user),
    }
