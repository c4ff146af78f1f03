"""Response headers set outside any one view: personal responses are kept out of shared
caches, and static files carry the site's security headers.

A CDN rule such as Cloudflare's "cache everything" stores whatever it is not told to keep
away from, so a response meant for one person says so itself: `Cache-Control: private,
no-store` (Django's `never_cache` headers, which include both).
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class PrivateResponseMiddleware:
    """Marks as private every response that is personal: one rendered from a session that
    holds something (a signed-in editor: the userbar, previews, the admin), or one that sets
    a cookie (a consent decision, a CSRF token, a new session). Anonymous public pages read
    an empty session and set nothing, so they keep the page cache's `public` lifetime.

    Placed before CSPMiddleware and the page cache, after WhiteNoise: it sees each response
    with the cookies that the session and CSRF middleware add on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_personal(request, response):
            add_never_cache_headers(response)
        return response


def is_personal(request, response) -> bool:
    if response.cookies:
        return True
    session = getattr(request, "session", None)
    # Only a session that was read: checking one that nobody asked about would load it.
    return session is not None and session.accessed and not session.is_empty()


def add_static_security_headers(headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: the headers SecurityMiddleware gives every other
    response, stored with each static file, so they hold wherever WhiteNoise sits (as
    middleware before SecurityMiddleware, or wrapping the WSGI application)."""
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        # Django accepts a comma-separated string or a list (SecurityMiddleware joins it so).
        headers["Referrer-Policy"] = policy if isinstance(policy, str) else ",".join(policy)
