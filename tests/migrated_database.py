"""The migrated SQLite test database kept between runs (--reuse-migrated-db), so the everyday
loop (`make test-fast`) does not spend its first 12 seconds, in every worker, on the 230-odd
migrations of Django, Wagtail and the apps.

SQLite's in-memory test database goes with the process, so pytest-django's --reuse-db has
nothing to keep there. With --reuse-migrated-db on SQLite: a run that migrated copies the
migrated database to var/test-db/, named by a hash of every migration file and of Django's
and SQLite's versions. A later run with the same migrations creates the tables straight from
the models instead (TEST["MIGRATE"] = False, a fraction of a second), copies the file over
them, and sends post_migrate again as `migrate` does (content types, permissions, Wagtail's
snippet permissions; each handler only adds what is missing). The copy is taken right after
migrating, before any test: a transactional test's flush never reaches it. --create-db
migrates and saves it again; `make test` and CI migrate as always, and so does a run with
--clock-offset-days, at its moved time. On PostgreSQL the option does nothing.
"""

import hashlib
import os
import sqlite3
import sys
from pathlib import Path

import django
from django.db import connection

CACHE_DIR = Path(__file__).resolve().parents[1] / "var" / "test-db"


def migrations_key() -> str:
    """A hash of what `migrate` builds the test database from."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    for key in sorted(loader.disk_migrations):
        module = sys.modules[loader.disk_migrations[key].__module__]
        digest.update(repr(key).encode())
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:20]


class MigratedDatabase:
    def __init__(self):
        self.copy = None  # the file this run saves to or restores from, when it does either
        self.restore = False

    def prepare(self, *, reuse: bool, recreate: bool, clock_moved: bool) -> None:
        """Before the test database is created: restore a copy instead of migrating?"""
        test = connection.settings_dict["TEST"]
        in_memory = connection.vendor == "sqlite" and (
            not test.get("NAME") or connection.creation.is_in_memory_db(test["NAME"])
        )
        if not (reuse and in_memory and not clock_moved):
            return
        self.copy = CACHE_DIR / f"migrated-{migrations_key()}.sqlite3"
        self.restore = self.copy.exists() and not recreate
        if self.restore:
            test["MIGRATE"] = False

    def finish(self, blocker) -> None:
        """After the test database is created: restore the copy, or save one."""
        if self.copy is None:
            return
        with blocker.unblock():
            connection.ensure_connection()
            if self.restore:
                self.restore_copy()
            else:
                self.save_copy()

    def restore_copy(self) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.core.management.sql import emit_post_migrate_signal

        connection.settings_dict["TEST"]["MIGRATE"] = True
        source = sqlite3.connect(self.copy)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        # The content types of the tables just replaced, cached by the post_migrate before.
        ContentType.objects.clear_cache()
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    def save_copy(self) -> None:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for stale in CACHE_DIR.glob("migrated-*.sqlite3"):
            if stale != self.copy:
                stale.unlink(missing_ok=True)
        # Written aside and moved into place: two workers may save the same copy at once.
        partial = self.copy.with_name(f"{self.copy.name}.{os.getpid()}.partial")
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        partial.replace(self.copy)
