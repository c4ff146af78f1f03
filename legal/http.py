"""HTTP rules every app follows: checks for the site's public POST endpoints (consent,
sign-ups), which must work from cached pages and therefore carry no CSRF token, and the
rule that no call to another service waits inside a database transaction."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router


class TransactionOpenError(RuntimeError):
    """A call to an outside service was about to wait with a database transaction open."""


def assert_no_transaction(service: str) -> None:
    """Refuse to call `service` over the network while a transaction is open on any
    database: on SQLite even one open write transaction locks the whole site until the
    service answers. The test runner's own wrapping transaction does not count."""
    for connection in connections.all(initialized_only=True):
        if any(not block._from_testcase for block in connection.atomic_blocks):
            raise TransactionOpenError(
                f"{service} called inside a database transaction on {connection.alias!r}: "
                "claim the work in one short transaction, call with none open, then record "
                "the outcome in another."
            )


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


def fits_id_column(model, number: int) -> bool:
    """Whether `number` can be a primary key of `model` in its database. Public URLs and
    forms carry ids as digits of any length; a larger one can name no row, and some lookups
    fail on it (OverflowError on SQLite, out of range on PostgreSQL) instead of finding
    nothing, so it is answered with a 404 before any query."""
    field = model._meta.pk
    while field.remote_field is not None:  # a child page's key is its link to Page
        field = field.target_field
    ops = connections[router.db_for_read(model)].ops
    low, high = ops.integer_field_range(field.get_internal_type())
    return (low is None or number >= low) and (high is None or number <= high)
