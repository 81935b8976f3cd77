"""What the render pool's fork server imports first (see pool._context):
Django set up and every render job loaded, once for all the workers forked
from it."""

from issues.rendering.worker import load_jobs

load_jobs()
