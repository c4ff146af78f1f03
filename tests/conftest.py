"""Fixtures shared by the whole suite."""

import io
import os

import pytest
from wagtail.models import Page, Site

# pytest-django + Playwright: the sync Playwright API runs an event loop in the test thread,
# which makes Django refuse ORM calls from it unless this is set (documented combination).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
