"""The brand settings in Chromium: the colours an editor set reach the consent banner, its
dialog, the site's buttons, links and header as computed styles, the logo shows with the
site's name as its text alternative, and the enforced Content-Security-Policy refuses
nothing on the way (the colours come from a stylesheet of the site's own, /brand.css)."""

import pytest
import wagtail_factories
from wagtail.models import Site

from tests.browser import Visitor, settle
from website.models import BrandSettings, SiteSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLUM, WHITE, INK = "rgb(122, 31, 92)", "rgb(255, 255, 255)", "rgb(29, 29, 27)"
HONEY = "rgb(255, 209, 102)"


def set_brand(**fields):
    settings = BrandSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()


def style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        "(element, prop) => getComputedStyle(element).getPropertyValue(prop)", prop
    )


@pytest.fixture
def visitor(browser, site_url, csp_watch):
    visitor = Visitor(browser, site_url)
    visitor.csp = csp_watch(visitor.context)
    yield visitor
    visitor.close()


def test_the_brand_colours_reach_the_banner_and_the_site_without_a_violation(visitor):
    set_brand(primary_colour="#7a1f5c", primary_text_colour="#ffffff")
    page = visitor.page
    visitor.open("/")
    # The banner and its buttons.
    assert style(page, ".cc-banner", "border-top-color") == PLUM
    assert style(page, ".cc-banner .cc-btn", "background-color") == PLUM
    assert style(page, ".cc-banner .cc-btn", "color") == WHITE
    # The site: its buttons, the header's edge, and links (readable on white, so in colour).
    assert style(page, ".hero .button", "background-color") == PLUM
    assert style(page, ".hero .button", "color") == WHITE
    assert style(page, ".site-header", "border-top-color") == PLUM
    assert style(page, "main a:not(.button)", "color") == PLUM
    # The settings dialog's buttons too.
    page.locator(".cc-banner").get_by_role("link", name="Settings").click()
    page.locator("#cc-dialog .cc-btn").first.wait_for(state="visible")
    assert style(page, "#cc-dialog .cc-btn", "background-color") == PLUM
    settle(page)
    assert visitor.csp.violations == []
    assert any("/brand.css?v=" in url for url in visitor.own)


def test_a_light_brand_colour_with_dark_text_keeps_links_readable(visitor):
    set_brand(primary_colour="#ffd166", primary_text_colour="#1d1d1b")
    page = visitor.page
    visitor.open("/")
    assert style(page, ".cc-banner .cc-btn", "background-color") == HONEY
    assert style(page, ".cc-banner .cc-btn", "color") == INK
    assert style(page, ".hero .button", "color") == INK
    # Links stay the site's own green: yellow on white would fail WCAG AA.
    assert style(page, "main a:not(.button)", "color") == "rgb(31, 79, 70)"
    settle(page)
    assert visitor.csp.violations == []


def test_the_logo_shows_with_the_site_name_as_its_alternative(visitor):
    creator = SiteSettings.for_site(Site.objects.get(is_default_site=True)).creator_name
    set_brand(logo=wagtail_factories.ImageFactory(title="Logo", width=480, height=96))
    page = visitor.page
    visitor.open("/")
    logo = page.locator(".site-header__brand img")
    assert logo.get_attribute("alt") == creator
    assert logo.evaluate("image => image.complete && image.naturalWidth > 0")
    assert page.get_by_role("link", name=creator).first.is_visible()
    settle(page)
    assert visitor.csp.violations == []


def test_without_brand_settings_the_site_keeps_its_own_colours(visitor):
    page = visitor.page
    visitor.open("/")
    assert style(page, ".cc-banner .cc-btn", "background-color") == "rgb(31, 79, 70)"
    assert not any("brand.css" in url for url in visitor.own)
