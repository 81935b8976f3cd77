import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
application = get_wsgi_application()

# The layers settings put in front of Django, outermost first: each takes the
# application and returns the one to serve (the publishing room counts
# downloads in bulk there). A layer never answers or changes a request.
for layer in reversed(settings.NEWSROOM_WSGI_LAYERS):
    application = import_string(layer)(application)
