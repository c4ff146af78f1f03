"""Checks for the site's public POST endpoints (consent, sign-ups), which must work from
cached pages and therefore carry no CSRF token."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def same_origin(request) -> bool:
    """Cross-site request forgery check without a token: browsers send Origin (and
    Sec-Fetch-Site) with every POST, and a foreign site can fake neither."""
    origin = request.headers.get("Origin")
    if origin:
        return origin == f"{request.scheme}://{request.get_host()}"
    return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}


def over_rate_limit(request, scope: str, limit: int, window: int) -> bool:
    """At most `limit` requests per client address and `window` seconds for `scope`. The
    address is hashed for the cache key, never stored."""
    client = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client}".encode()).hexdigest()[:32]
    key = f"rate:{scope}:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
