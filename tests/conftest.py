"""Fixtures shared by the whole suite, and the `--clock-offset-days` option."""

import datetime
import io
import os
import time

import pytest
import time_machine
from wagtail.models import Page, Site

# Chromium for tests/e2e/ and tests/security/: one Playwright for the whole session.
from tests.browser import browser, page  # noqa: F401

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
    if not config.getoption("clock_offset_days"):
        return
    # Cookies, lifetimes and dates set at the moved time mean nothing to a browser on the real
    # one: these tests would fail for a reason that is not theirs.
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


def ensure_wagtail_tree():
    """The rows Wagtail's migrations create (locale, root page, root collection).

    A transactional test (live server, real concurrency) empties every table when it ends,
    and those rows do not come back by themselves; this puts them back when missing.
    """
    from wagtail.models import Collection, Locale

    Locale.objects.get_or_create(language_code="en")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


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


@pytest.fixture
def demo_site(db):
    """The full demo content, loaded the way `make run` loads it."""
    from django.core.management import call_command

    ensure_wagtail_tree()
    call_command("load_initial_data", stdout=io.StringIO())
    return Site.objects.get(is_default_site=True)
