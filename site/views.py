"""Site-wide views that are not Wagtail pages: the health check, robots.txt, security.txt, and
the brand colours' stylesheet.

The 404 and 500 pages are Django's default handlers with `404.html` and `500.html`; the
500 handler renders without context processors, so it works when the database is down.
"""

import logging
from datetime import UTC, datetime, time, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import brand
from .models import BrandSettings

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Load balancers and `make run` ask this; 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap_url = request.build_absolute_uri("/sitemap.xml")
    return render(request, "robots.txt", {"sitemap_url": sitemap_url}, content_type="text/plain")


@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: where to report a vulnerability. Expires is a year ahead, from the start of
    today (UTC), so the file is the same all day and never goes stale while the site runs."""
    contact = settings.SECURITY_CONTACT or f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"
    today = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
    languages = dict.fromkeys([settings.LANGUAGE_CODE.split("-")[0], "en"])
    context = {
        "contact": contact,
        "expires": (today + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "languages": ", ".join(languages),
        "canonical": request.build_absolute_uri("/.well-known/security.txt"),
    }
    # RFC 9116 §3: text/plain with a UTF-8 charset.
    return render(request, "security.txt", context, content_type="text/plain; charset=utf-8")


# A year: the address carries the colours' digest, so a new pair is a new address.
BRAND_CSS_MAX_AGE = 365 * 24 * 60 * 60


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    """The brand colours of the request's site as CSS custom properties (website.brand).

    Asked for with the digest of the colours in force (`?v=`), it may be kept a year; any
    other address (an old digest, none) gets the current colours for a minute only."""
    properties = BrandSettings.for_request(request).custom_properties()
    response = HttpResponse(brand.stylesheet(properties), content_type="text/css; charset=utf-8")
    if properties and request.GET.get("v") == brand.version(properties):
        patch_cache_control(response, public=True, max_age=BRAND_CSS_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=60)
    return response
