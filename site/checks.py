"""System checks of the deployment's settings that no single app owns."""

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
