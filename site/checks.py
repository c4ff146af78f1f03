"""System checks of the deployment's settings that no single app owns."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from legal.http import proxy_networks


@checks.register(checks.Tags.database)
def check_sqlite_busy_timeout(app_configs, **kwargs):
    return busy_timeout_errors(settings.DATABASES, settings.GUNICORN_TIMEOUT)


def busy_timeout_errors(databases: dict, gunicorn_timeout: int) -> list:
    """A request waiting for SQLite's write lock must give up before gunicorn kills it:
    a killed worker loses the request without an answer or a log line of the cause."""
    errors = []
    for alias, database in databases.items():
        if database["ENGINE"] != "django.db.backends.sqlite3":
            continue
        busy = float(database.get("OPTIONS", {}).get("timeout", 5))
        if busy >= gunicorn_timeout:
            errors.append(
                checks.Error(
                    f"SQLite's busy timeout ({busy:g} s) is not below gunicorn's request "
                    f"timeout ({gunicorn_timeout} s) for database {alias!r}.",
                    hint="Lower SQLITE_BUSY_TIMEOUT or raise GUNICORN_TIMEOUT.",
                    id="website.E010",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_base_url_is_https(app_configs, **kwargs):
    return base_url_warnings(settings.WAGTAILADMIN_BASE_URL)


def base_url_warnings(base_url: str) -> list:
    """Every link in a mail starts with the base URL. RFC 8058 §3.1 allows the one-click
    unsubscribe only over HTTPS, so over http mails go without List-Unsubscribe-Post."""
    if urlsplit(base_url).scheme == "https":
        return []
    return [
        checks.Warning(
            f"WAGTAILADMIN_BASE_URL ({base_url!r}) is not an https URL: links in mails "
            "go out unencrypted and mail clients offer no one-click unsubscribe (RFC 8058).",
            hint="Set WAGTAILADMIN_BASE_URL to the site's public https address.",
            id="website.W011",
        )
    ]


LEADMAGNET_SYNC_CHOICES = ("off", "transactional")


@checks.register()
def check_leadmagnet_sync(app_configs, **kwargs):
    """A typo must not silently sync (or keep out) a lead magnet's readers."""
    value = getattr(settings, "MAILCHIMP_LEADMAGNET_SYNC", "off")
    if value in LEADMAGNET_SYNC_CHOICES:
        return []
    return [
        checks.Error(
            f"MAILCHIMP_LEADMAGNET_SYNC is {value!r}.",
            hint=f"Use one of {', '.join(LEADMAGNET_SYNC_CHOICES)}.",
            id="website.E012",
        )
    ]


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs, **kwargs):
    return trusted_proxy_errors(settings.TRUSTED_PROXY_COUNT, settings.TRUSTED_PROXIES)


def trusted_proxy_errors(count: int, proxies: list[str]) -> list:
    """Who the client is decides every rate limit and the admin lockout
    (legal.http.client_address). A list with an entry that is no network trusts no
    connection, so the limits would count the proxy's address for everyone; a count below
    zero, or a list without a count, is read as no proxy at all."""
    messages = []
    if count < 0:
        messages.append(
            checks.Error(
                f"TRUSTED_PROXY_COUNT is {count}.",
                hint="Use 0 (clients connect directly) or the number of proxies in front.",
                id="website.E020",
            )
        )
    for entry in proxies:
        try:
            proxy_networks((entry,))
        except ValueError:
            messages.append(
                checks.Error(
                    f"TRUSTED_PROXIES holds {entry!r}, which is no address or network.",
                    hint='Use addresses or networks, comma-separated: "10.0.0.0/8,fd00::/8".',
                    id="website.E020",
                )
            )
    if proxies and count <= 0:
        messages.append(
            checks.Warning(
                "TRUSTED_PROXIES is set but TRUSTED_PROXY_COUNT is 0: X-Forwarded-For is "
                "ignored, and every client behind those proxies shares their address.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of gunicorn.",
                id="website.W021",
            )
        )
    return messages
