"""The demo content for tests, and the layer that loads it once for many of them.

`load_initial_data` takes about a second, and some 170 tests read the demo. pytest-django runs
each test that does not ask for a transactional database in a transaction it rolls back, so
the demo is loaded once, in a transaction of its own that stays open while consecutive tests
read it: each of them then runs in a savepoint inside it, starts from the freshly loaded demo
and leaves nothing behind. This is Django's TestCase.setUpTestData (a class-wide transaction, a
savepoint per test), held across modules.

The layer is open only for tests that roll back and ask for `demo_site`, and it is rolled back
before any other test starts, so no test sees demo content it did not ask for (tests that use
`home_page` or factories start from an empty tree, as before). Transactional tests (live
server, real concurrency) commit and empty every table when they end, so they still load the
demo themselves, as does the first test of a session that has no database yet.
"""

import io

from django.core.management import call_command
from django.db import connection, transaction

# Fixtures that make pytest-django run a test in a transactional database (or one it cannot
# wrap in a transaction of its own); pytest-django's own list, plus the rarer ones.
TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def ensure_wagtail_tree():
    """The rows Wagtail's migrations create (locale, root page, root collection).

    A transactional test (live server, real concurrency) empties every table when it ends,
    and those rows do not come back by themselves; this puts them back when missing.
    """
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(language_code="en")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


def load_demo():
    """The full demo content, loaded the way `make run` loads it."""
    ensure_wagtail_tree()
    call_command("load_initial_data", stdout=io.StringIO())


def rolls_back(item) -> bool:
    """Whether pytest-django runs `item` in a transaction that it rolls back afterwards: the
    test uses the database and nothing asks for a transactional one (pytest-django's rule)."""
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return "db" in names and not names & TRANSACTIONAL_FIXTURES
    # django_db(transaction=False, reset_sequences=False, ...), by keyword or position.
    flags = dict(zip(("transaction", "reset_sequences"), marker.args, strict=False))
    flags.update(marker.kwargs)
    transactional = flags.get("transaction") or flags.get("reset_sequences")
    return not transactional and not names & TRANSACTIONAL_FIXTURES


def reads_demo_in_layer(item) -> bool:
    return "demo_site" in getattr(item, "fixturenames", ()) and rolls_back(item)


class DemoLayer:
    """The open transaction that holds the demo content for consecutive tests.

    `prepare(item)` runs before each test's fixtures, after the previous test's rollback: it
    opens the layer for a test that reads the demo inside it and rolls it back before any other.
    """

    def __init__(self):
        self.blocker = None  # pytest-django's database blocker, once the test database exists
        self.atomic = None  # the transaction holding the demo, while it is open

    def database_ready(self, blocker):
        self.blocker = blocker

    def database_gone(self):
        self.close()
        self.blocker = None

    def prepare(self, item):
        if self.blocker is None:
            return  # No test database yet: a first test that reads the demo loads it itself.
        if self.atomic is not None and connection.closed_in_transaction:
            # A test closed the connection (PostgreSQL; SQLite's in-memory database ignores
            # it): the server rolled the demo back with it, so load it again.
            self.close()
        if reads_demo_in_layer(item):
            if self.atomic is None:
                self.open()
        else:
            self.close()

    def holds_demo(self) -> bool:
        """Whether the running test sees the demo from the layer: the layer is the outermost
        transaction and the test's own is a savepoint inside it."""
        blocks = connection.atomic_blocks
        if self.atomic is None or not blocks or blocks[0] is not self.atomic:
            return False
        if len(blocks) == 1:
            raise RuntimeError(
                "The demo layer is open in a test without a transaction of its own; "
                "tests/demo_content.py: rolls_back() misjudged this test."
            )
        return True

    def open(self):
        with self.blocker.unblock():
            atomic = transaction.atomic()
            # The test runner's own transaction, as Django marks its TestCase ones: code that
            # refuses to call out inside a transaction (legal.http.assert_no_transaction)
            # ignores it, as it ignores each test's.
            atomic._from_testcase = True
            atomic.__enter__()
            try:
                load_demo()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        self.atomic = atomic

    def close(self):
        atomic, self.atomic = self.atomic, None
        if atomic is None:
            return
        with self.blocker.unblock():
            blocks = connection.atomic_blocks
            if len(blocks) != 1 or blocks[0] is not atomic:
                raise RuntimeError(
                    "The demo layer is not the only open transaction after a test: "
                    f"{len(blocks)} are open."
                )
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
