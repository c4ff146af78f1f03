"""HTTP rules every app follows: checks for the site's public POST endpoints (consent,
sign-ups), which must work from cached pages and therefore carry no CSRF token; who the
client is behind the site's proxies, and the per-client limits keyed on it; and the rule
that no call to another service waits inside a database transaction."""

import functools
import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import caches
from django.db import connections, router
from django.http import HttpRequest
from django.utils.connection import ConnectionProxy
from ipware import get_client_ip

# Shared by every process of a machine (files) or of the fleet (Redis): CACHES["limits"].
limits = ConnectionProxy(caches, "limits")


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


def client_address(request) -> str:
    """The address of the client that sent `request`, as far as the site can know it; ""
    when there is none (a Unix socket). Every per-client limit, django-axes' lockout
    (AXES_CLIENT_IP_CALLABLE) and the confirmation proof use it.

    X-Forwarded-For is anyone's to write, so by default (TRUSTED_PROXY_COUNT = 0) it is
    ignored and the client is the connection's own address. Behind TRUSTED_PROXY_COUNT
    proxies, each appending the address it was connected from, the client is that many
    entries from the right: whatever the client wrote into the header itself stands further
    left. With TRUSTED_PROXIES, only a connection from one of those networks is read that
    way; any other reached gunicorn around the proxies and is its own client.
    """
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and peer_is_trusted_proxy(peer):
        # Split on every comma: X-Forwarded-For has no quoting. (django-ipware's own chain
        # reading honours RFC 7239 quotes here and skips what it cannot parse, so a client
        # writing `1.2.3.4, "x` would be read as 1.2.3.4; it only parses the one entry.)
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= count and (forwarded := parse_address(hops[-count])):
            return forwarded
    return peer


def parse_address(text: str) -> str:
    """`text` as a normalised IP address by django-ipware, or "" when it is none: ports and
    brackets dropped, IPv4-mapped IPv6 unwrapped, addresses no client has (0.0.0.0,
    multicast) refused."""
    carrier = HttpRequest()  # ipware reads request.META, here only the one value
    carrier.META = {"REMOTE_ADDR": text.strip()}
    address, _routable = get_client_ip(
        carrier, request_header_order=["REMOTE_ADDR"], strict=True, algorithm="modern"
    )
    return address or ""


def peer_is_trusted_proxy(peer: str) -> bool:
    """Whether the connection comes from one of TRUSTED_PROXIES (any, when none are named:
    gunicorn is then reachable only through the proxies). A malformed list trusts nobody:
    limits then key on the proxy's address (one limit for all), but nobody can pose as
    another client; the system check website.E020 names the entry."""
    if not settings.TRUSTED_PROXIES:
        return True
    try:
        networks = proxy_networks(tuple(settings.TRUSTED_PROXIES))
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


@functools.lru_cache(maxsize=8)
def proxy_networks(entries: tuple[str, ...]) -> tuple:
    """TRUSTED_PROXIES as networks: "10.0.0.0/8", "2001:db8::/32" or single addresses.
    Raises ValueError for an entry that is neither."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def limit_group(address: str) -> str:
    """What a per-client limit counts: the address, or for IPv6 its /64, which one
    subscriber usually holds whole (RFC 6177) and could otherwise cycle through."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def over_rate_limit(request, scope: str, limit: int, window: int) -> bool:
    """At most `limit` requests per client (`client_address`) and `window` seconds for
    `scope`, counted in the limits cache, so every gunicorn process of a machine (or, with
    Redis, every machine) counts the same hits. The address is hashed for the cache key,
    never stored."""
    client = limit_group(client_address(request))
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client}".encode()).hexdigest()[:32]
    key = f"rate:{scope}:{digest}"
    limits.add(key, 0, timeout=window)
    try:
        count = limits.incr(key)
    except ValueError:  # expired between add and incr
        limits.set(key, 1, timeout=window)
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
