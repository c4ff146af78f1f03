"""Fixtures shared by the whole suite, the demo content loaded once for the tests that read it,
the migrated SQLite database kept for --reuse-migrated-db, the `postgres` marker's skip
elsewhere, and the `--clock-offset-days` option."""

import datetime
import os
import time

import pytest
import time_machine
from django.db import connection
from wagtail.models import Page, Site

# Chromium for tests/e2e/ and tests/security/: one Playwright for the whole session.
from tests.browser import browser, csp_watch, page, site_url  # noqa: F401
from tests.demo_content import (
    DemoLayer,
    ensure_wagtail_tree,
    load_demo,
    reads_demo_in_layer,
    rolls_back,
)
from tests.fake_mailchimp import FakeMailchimp
from tests.migrated_database import MigratedDatabase

# pytest-django + Playwright: the sync Playwright API runs an event loop in the test thread,
# which makes Django refuse ORM calls from it unless this is set (documented combination).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- A moved clock for the whole session ---------------------------------------------------

# The travel started by --clock-offset-days, kept to stop it when pytest ends.
SESSION_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser):
    parser.addoption(
        "--clock-offset-days",
        type=int,
        default=0,
        metavar="N",
        help="Run the whole session with the clock moved N days (negative: back) by "
        "time-machine, still ticking, to catch tests and code that only pass today. Tests that "
        "travel themselves still do (nested travel). Subprocesses, Chromium and the "
        "database's own NOW() keep the real clock.",
    )
    parser.addoption(
        "--reuse-migrated-db",
        action="store_true",
        help="SQLite: instead of migrating the in-memory test database, restore the copy an "
        "earlier run with the same migrations saved under var/test-db/ (tests/"
        "migrated_database.py); --create-db migrates and saves it again.",
    )


def pytest_configure(config):
    # Started here rather than in a fixture so the test database, its migrations and
    # collection-time code all see the moved clock too.
    days = config.getoption("clock_offset_days")
    if days:
        # A timestamp, not an aware datetime: time-machine would also switch the process's
        # time zone (TZ) to the datetime's one, and Django has set it to TIME_ZONE.
        travel = time_machine.travel(time.time() + days * 86400, tick=True)
        travel.start()
        config.stash[SESSION_TRAVEL] = travel


def pytest_unconfigure(config):
    travel = config.stash.get(SESSION_TRAVEL, None)
    if travel is not None:
        travel.stop()
        del config.stash[SESSION_TRAVEL]


def pytest_collection_modifyitems(config, items):
    # After pytest-django's own order (rolled-back tests, then transactional ones, then those
    # without a database): the rolled-back tests that read the demo last among theirs, so
    # DEMO_LAYER loads it once for all of them.
    def order(item) -> int:
        if not rolls_back(item):
            return 2
        return 1 if reads_demo_in_layer(item) else 0

    items.sort(key=order)

    if connection.vendor != "postgresql":
        for item in items:
            marker = item.get_closest_marker("postgres")
            if marker:
                reason = marker.kwargs.get("reason", "needs PostgreSQL")
                item.add_marker(pytest.mark.skip(reason=f"{reason}; CI runs this there."))

    if config.getoption("clock_offset_days"):
        # Cookies, lifetimes and dates set at the moved time mean nothing to a browser on the
        # real one: these tests would fail for a reason that is not theirs.
        skip = pytest.mark.skip(reason="--clock-offset-days: Chromium keeps the real clock")
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(skip)


def pytest_report_header(config):
    days = config.getoption("clock_offset_days")
    if not days:
        return None
    moved = datetime.datetime.now(datetime.UTC)
    return (
        f"clock: moved {days:+d} days by time-machine, now {moved:%Y-%m-%d %H:%M} UTC "
        "(subprocesses, Chromium and the database's NOW() keep the real clock)"
    )


@pytest.fixture
def clock_offset_days(request) -> int:
    """The days --clock-offset-days moved this session's clock (0 on a normal run), for a test
    whose other processes cannot follow the move."""
    return request.config.getoption("clock_offset_days")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rate limits and cached pages never leak across."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def home_page(db):
    """A live home page as the default site's root, like a fresh install after the demo."""
    from tests.site.factories import HomePageFactory

    ensure_wagtail_tree()
    home = HomePageFactory(parent=Page.get_first_root_node(), title="Home", slug="home-test")
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.root_page = "localhost", home
    site.save()
    return home


# --- The test database: migrated once for --reuse-migrated-db, the demo loaded once --------

MIGRATED_DB = MigratedDatabase()
DEMO_LAYER = DemoLayer()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, django_db_createdb, request):
    MIGRATED_DB.prepare(
        reuse=request.config.getoption("reuse_migrated_db"),
        recreate=django_db_createdb,
        clock_moved=bool(request.config.getoption("clock_offset_days")),
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, restored from or saved as the migrated copy
    (tests/migrated_database.py), then the one the demo layer opens transactions on; the
    layer is rolled back before the database goes."""
    MIGRATED_DB.finish(django_db_blocker)
    DEMO_LAYER.database_ready(django_db_blocker)
    yield
    DEMO_LAYER.database_gone()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before the test's fixtures (its own transaction), after the previous test's rollback.
    DEMO_LAYER.prepare(item)


@pytest.fixture
def demo_site(db):
    """The full demo content, loaded the way `make run` loads it: from the demo layer in a
    test that rolls back (tests/demo_content.py), loaded for this test alone otherwise."""
    if not DEMO_LAYER.holds_demo():
        load_demo()
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def fake_mailchimp(settings):
    """The wire-level fake Mailchimp on 127.0.0.1, and the settings that send the real client
    (and a live server in this process) to it."""
    fake = FakeMailchimp().start()
    settings.MAILCHIMP_API_KEY = "0123456789abcdef0123456789abcdef-us21"
    settings.MAILCHIMP_AUDIENCE_ID = "list1"
    settings.MAILCHIMP_API_URL = fake.url
    yield fake
    fake.stop()
