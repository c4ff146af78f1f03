"""System checks of the deployment's settings that no single app owns."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


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
