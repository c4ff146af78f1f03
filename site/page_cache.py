"""The page cache: anonymous GETs of public pages answered from Django's cache.

wagtail-cache, the usual package, requires wagtail<8.0, so this builds on Django's cache.

What is kept: 200 answers of Wagtail's page view (`wagtail.views.serve`) to a GET without a
session cookie, Authorization header or query string, that set no cookie and are not marked
private, no-cache or no-store. Public pages embed nothing per visitor (the consent manager
runs in the browser, the sign-up and consent forms post without CSRF tokens, legal/http.py
checks Origin instead), so one copy serves everyone, and the `Vary: Cookie` that the session
adds when the userbar asks who is logged in is no reason for a copy per cookie. A URL with
a query string (?utm_source=...) is rendered every time: one entry per page, and nobody can
fill the cache with made-up URLs. The key is scheme, host name and path, without the Host
header's port (`canonical_host`), so made-up ports cannot fill it either. Editors (session
cookie), the admin, previews, POSTs and every endpoint outside the page tree (newsletter,
lead-magnet and consent views) are never served from it nor stored in it.

A hit is one cache round trip (`get_many` of the entry and the content generation, one MGET
on Redis) and a `bytes.replace` of the CSP nonce: no database, session or template.

Invalidation: a content generation number lives in the cache and each entry records the one
it was rendered under. Publishing, unpublishing, moving or deleting a page, and saving or
deleting a snippet, a setting, a site, a view restriction, an image, a document or a policy
version bumps it, so every page is rendered afresh. With Redis that reaches every process
and machine; with local memory only the process that made the change (the others catch up
within PAGE_CACHE_SECONDS). A policy version with a future effective date takes effect at
midnight (TIME_ZONE) with nobody acting, so no entry, and no Cache-Control lifetime, reaches
past the next such date.

CSP nonces: the nonce rendered into a page is stored with it and replaced in every hit by
the request's own, for which CSPMiddleware (outside this one) writes the header.
"""

import datetime
import functools
import hashlib
import math
import time

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.cache import cc_delim_re, get_max_age
from django.utils.connection import ConnectionProxy
from django_tasks import task
from modelcluster.models import get_all_child_relations
from wagtail import views as wagtail_views
from wagtail.contrib.frontend_cache.backends import CloudflareBackend
from wagtail.contrib.frontend_cache.utils import PurgeBatch, purge_page_from_cache
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

from legal.http import assert_no_transaction
from legal.models import PolicyVersion

# The "pages" cache: Redis when configured, else files shared by every process on this machine.
cache = ConnectionProxy(caches, "pages")
GENERATION_KEY = "page-cache:generation"
ENTRY_PREFIX = "page-cache:page:"
CDN_PURGE_PENDING_KEY = "page-cache:cdn-purge-pending"
# Never pages: answered without even looking in the cache.
SKIPPED_PREFIXES = ("/admin/", "/documents/", "/healthz", "/static/", "/media/")
UNCACHEABLE_DIRECTIVES = {"private", "no-cache", "no-store"}
# Vary values a shared copy may ignore: pages are the same for every visitor without a
# session, and the body is stored uncompressed.
IGNORED_VARY = {"cookie", "accept-encoding"}
# Set afresh on every answer, so not stored.
UNSTORED_HEADERS = {"content-length", "cache-control", "x-cache"}


class PageCacheMiddleware:
    """Serves and fills the page cache; place it right after CSPMiddleware (checked)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = page_key(request)
        if key is None:
            return self.get_response(request)
        now = time.time()
        found = cache.get_many([GENERATION_KEY, key])
        generation, entry = found.get(GENERATION_KEY), found.get(key)
        # entry[1] is the exact end: the backend's own expiry counts whole seconds.
        if generation is not None and entry and entry[0] == generation and entry[1] > now:
            return serve_hit(request, entry, now)
        if generation is None:
            generation = start_generation()
        response = self.get_response(request)
        if request.method == "GET" and is_cacheable(request, response):
            # The generation read before rendering: a change during the render leaves this
            # entry stale on arrival instead of keeping old content under the new number.
            store(key, generation, now, request, response)
        return response


def page_key(request) -> str | None:
    """The entry's key (scheme, host and path), or None for requests the cache never
    answers."""
    if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
        return None
    meta = request.META
    if meta.get("QUERY_STRING") or "HTTP_AUTHORIZATION" in meta:
        return None
    # Wagtail previews render through a second handler with this whole middleware stack.
    if getattr(request, "is_dummy", False):
        return None
    session_cookie = settings.SESSION_COOKIE_NAME
    if session_cookie in meta.get("HTTP_COOKIE", "") and session_cookie in request.COOKIES:
        return None
    if request.path_info.startswith(SKIPPED_PREFIXES):
        return None
    host = canonical_host(request)
    if host is None:
        return None
    url = f"{request.scheme}://{host}{request.path}"
    # Hashed: paths may hold characters that cache keys must not.
    return ENTRY_PREFIX + hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()


def canonical_host(request) -> str | None:
    """The host a page is rendered for: the host name, lower-cased and without the Host
    header's port, which anyone may vary and no page depends on (Wagtail picks the site by
    host name, and by the server's port only between sites that share one; links use each
    site's configured address). That server port stays in the key when PAGE_CACHE_SITE_PORTS
    lists it. None, so never cached, for a name that only a pattern in ALLOWED_HOSTS
    (".example.com", "*") lets in: made-up names could fill the cache as ports did."""
    hostname, _port = split_domain_port(request.get_host())
    if hostname not in exact_allowed_hosts():
        return None
    port = request.get_port()
    return f"{hostname}:{port}" if port in settings.PAGE_CACHE_SITE_PORTS else hostname


def exact_allowed_hosts() -> frozenset[str]:
    return frozenset(
        host.lower().removesuffix(".")
        for host in settings.ALLOWED_HOSTS
        if host != "*" and not host.startswith(".")
    )


def serve_hit(request, entry, now: float) -> HttpResponse:
    _generation, expires, body, headers, nonce = entry
    fresh_nonce = getattr(request, "csp_nonce", None)
    if nonce and fresh_nonce is not None:
        body = body.replace(nonce.encode(), str(fresh_nonce).encode())
    response = HttpResponse(body, headers=headers)
    response["Content-Length"] = str(len(body))
    response["Cache-Control"] = shared_cache_control(expires - now)
    response["X-Cache"] = "hit"
    return response


def is_cacheable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, "is_preview", False):
        return False
    match = request.resolver_match
    if match is None or match.func is not wagtail_views.serve:
        return False
    directives = {
        directive.split("=", 1)[0].strip().lower()
        for directive in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if directives & UNCACHEABLE_DIRECTIVES or get_max_age(response) == 0:
        return False
    vary = {value.strip().lower() for value in cc_delim_re.split(response.get("Vary", ""))}
    return vary - {""} <= IGNORED_VARY


def store(key: str, generation: int, started: float, request, response) -> None:
    expires = min(started + settings.PAGE_CACHE_SECONDS, next_policy_change(generation))
    if (view_max_age := get_max_age(response)) is not None:
        expires = min(expires, started + view_max_age)
    now = time.time()
    if expires <= now:
        return
    headers = {
        name: value for name, value in response.items() if name.lower() not in UNSTORED_HEADERS
    }
    nonce = getattr(request, "_csp_nonce", None)
    entry = (generation, expires, response.content, headers, nonce)
    cache.set(key, entry, timeout=math.ceil(expires - now))
    response["Cache-Control"] = shared_cache_control(expires - now)
    response["X-Cache"] = "miss"


def shared_cache_control(seconds_left: float) -> str:
    """A short life in browsers and shared caches, never past the entry's own end."""
    left = max(int(seconds_left), 0)
    browser = min(settings.PAGE_CACHE_BROWSER_SECONDS, left)
    shared = min(settings.PAGE_CACHE_CDN_SECONDS, left)
    return f"public, max-age={browser}, s-maxage={shared}"


# --- Effective dates --------------------------------------------------------------------------

# (generation, epoch seconds): per process, recomputed after a bump or once the moment passed.
_next_policy_change: tuple[int | None, float] = (None, 0.0)


def next_policy_change(generation: int) -> float:
    """When the next pending policy version takes effect, in epoch seconds (infinity when
    none is pending). Creating a version bumps the generation, which recomputes this."""
    global _next_policy_change
    known_generation, moment = _next_policy_change
    if known_generation == generation and time.time() < moment:
        return moment
    day = (
        PolicyVersion.objects.upcoming()
        .order_by("effective_date")
        .values_list("effective_date", flat=True)
        .first()
    )
    # A version is in force from the start of its effective date (PolicyVersion.is_effective).
    moment = (
        timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).timestamp()
        if day
        else math.inf
    )
    _next_policy_change = (generation, moment)
    return moment


# --- Invalidation -----------------------------------------------------------------------------


def start_generation() -> int:
    """The generation after a flush or eviction: nanoseconds since the epoch, above any
    number an older entry can carry."""
    first = time.time_ns()
    cache.add(GENERATION_KEY, first, timeout=None)
    return cache.get(GENERATION_KEY) or first


def bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # flushed or evicted: every entry is stale anyway
        start_generation()


def content_changed(*, purge_cdn: bool = True) -> None:
    """Every cached page is stale. Bumped now and again once the transaction commits, so a
    page rendered in between from the not yet committed data is not kept."""
    bump_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump_generation)
    if purge_cdn and getattr(settings, "WAGTAILFRONTENDCACHE", None):
        transaction.on_commit(schedule_cdn_purge)


@functools.cache
def content_models() -> frozenset:
    """Models that pages show, beyond pages themselves: registered snippets (with their
    inline children), settings, sites, view restrictions, images, documents and policy
    versions. Looked up once, at the first save after start-up, when every app's
    wagtail_hooks (where snippets are registered) has been imported."""
    models = {
        apps.get_model("legal", "PolicyVersion"),
        Site,
        PageViewRestriction,
        get_image_model(),
        get_document_model(),
    }
    models.update(
        model
        for model in apps.get_models()
        if issubclass(model, (BaseSiteSetting, BaseGenericSetting))
    )
    for model in get_snippet_models():
        models.add(model)
        models.update(relation.related_model for relation in get_all_child_relations(model))
    return frozenset(models)


def page_published_or_unpublished(sender, instance, **kwargs):
    content_changed(purge_cdn=False)
    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        # The page's own URLs, queued once the publish commits. Wagtail's own receiver (the
        # frontend_cache app, not installed for that reason) queues them inside the
        # publish's transaction, where an immediate task backend would call the CDN.
        transaction.on_commit(lambda: purge_page_from_cache(instance))


def page_moved(sender, **kwargs):
    content_changed()


def model_saved(sender, instance, created=False, **kwargs):
    # A live page created in code (no publish signal) appears in menus and listings too.
    if sender in content_models() or (created and isinstance(instance, Page) and instance.live):
        content_changed()


def model_deleted(sender, instance, **kwargs):
    if sender in content_models() or isinstance(instance, Page):
        content_changed()


def connect_signals() -> None:
    """Called from WebsiteConfig.ready(). The save and delete receivers listen to every
    model, because snippets are only known once every app's wagtail_hooks has run."""
    page_published.connect(page_published_or_unpublished, dispatch_uid="page-cache-published")
    page_unpublished.connect(page_published_or_unpublished, dispatch_uid="page-cache-unpublished")
    post_page_move.connect(page_moved, dispatch_uid="page-cache-moved")
    post_save.connect(model_saved, dispatch_uid="page-cache-saved")
    post_delete.connect(model_deleted, dispatch_uid="page-cache-deleted")


# --- CDN --------------------------------------------------------------------------------------


def schedule_cdn_purge() -> None:
    # One purge for a burst of changes (a snippet with its inline rows, its policy version):
    # the queued task runs after all of them and clears the mark before it reads the pages.
    if cache.add(CDN_PURGE_PENDING_KEY, 1, timeout=settings.PAGE_CACHE_CDN_SECONDS):
        purge_live_pages_from_cdn.enqueue()


@task()
def purge_live_pages_from_cdn():
    """A snippet, setting or policy version may show on any page: purge every live page."""
    cache.delete(CDN_PURGE_PENDING_KEY)
    batch = PurgeBatch()
    batch.add_pages(Page.objects.live())
    batch.purge()


class GuardedCloudflareBackend(CloudflareBackend):
    """Cloudflare's purge API, never called with a database transaction open."""

    def purge_batch(self, urls):
        assert_no_transaction("Cloudflare")
        super().purge_batch(urls)


# --- System check -----------------------------------------------------------------------------

MIDDLEWARE_PATH = "website.page_cache.PageCacheMiddleware"


@checks.register(checks.Tags.caches)
def check_middleware_order(app_configs, **kwargs):
    """CSPMiddleware must wrap this one (each hit needs its own nonce and header); sessions
    must come after it (a hit never touches them)."""
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE_PATH not in middleware:
        return []
    position = middleware.index(MIDDLEWARE_PATH)
    errors = []
    if "csp.middleware.CSPMiddleware" in middleware[position:]:
        errors.append(
            checks.Error(
                "CSPMiddleware comes after PageCacheMiddleware: cached pages would keep the "
                "first visitor's nonce and header.",
                hint="Put website.page_cache.PageCacheMiddleware right after CSPMiddleware.",
                id="website.E001",
            )
        )
    if "django.contrib.sessions.middleware.SessionMiddleware" in middleware[:position]:
        errors.append(
            checks.Error(
                "SessionMiddleware comes before PageCacheMiddleware.",
                hint="Put website.page_cache.PageCacheMiddleware before SessionMiddleware.",
                id="website.E002",
            )
        )
    return errors
