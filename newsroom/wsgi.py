import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django_application = get_wsgi_application()

from issues import reach  # noqa: E402 - needs the apps loaded above
from issues.signed_downloads import SignedDownloads  # noqa: E402

# Fresh signed download links are answered before Django's middleware and
# URLs, without the database (issues/signed_downloads.py); the rest is Django.
application = SignedDownloads(django_application)

# Served by a WSGI server: downloads are counted in memory and written in bulk
# by a thread of each worker (issues/reach.py), not one write per download.
reach.tally.buffer()
