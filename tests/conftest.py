"""Fixtures shared by the whole suite."""

import io
import os

import pytest
from wagtail.models import Page, Site

# pytest-django + Playwright: the sync Playwright API runs an event loop in the test thread,
# which makes Django refuse ORM calls from it unless this is set (documented combination).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def home_page(db):
    """A live home page as the default site's root, like a fresh install after the demo."""
    from tests.site.factories import HomePageFactory

    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root, title="Home", slug="home-test")
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def demo_site(db):
    """The full demo content, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_initial_data", stdout=io.StringIO())
    return Site.objects.get(is_default_site=True)
