from django.conf import settings
from django.http import HttpRequest

from newsroom import roles


def newsroom(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "publisher": settings.NEWSROOM_PUBLISHER,
        "self_signup": settings.NEWSROOM_SELF_SIGNUP,
        "TIME_ZONE": settings.NEWSROOM_TIME_ZONE,
        "is_editor": roles.is_editor(user),
        "is_reviewer": roles.is_reviewer(user),
        "is_desk_user": roles.is_desk_user(user),
    }
