import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
application = get_wsgi_application()

from issues import reach  # noqa: E402 - needs the apps loaded above

# Served by a WSGI server: downloads are counted in memory and written in bulk
# by a thread of each worker (issues/reach.py), not one write per download.
reach.tally.buffer()
