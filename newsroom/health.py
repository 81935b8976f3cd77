"""Liveness for the load balancer."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the database answers, else 503. Anyone may ask, so the
    answer says nothing about why: the reason (host, role, port) goes to the
    log. Served over plain HTTP too (SECURE_REDIRECT_EXEMPT): a load balancer
    probing port 80 reads a redirect as "down"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not alive"
        logger.exception("Health check failed: the database did not answer")
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
