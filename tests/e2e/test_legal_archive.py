"""A visitor audits the privacy policy in a real browser: current version, archive, diff."""

import pytest

from tests.browser import decide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_follows_previous_versions_and_a_compare_link(live_server, demo_site, page):
    demo_site.hostname, demo_site.port = "localhost", live_server.thread.port
    demo_site.save()
    page.goto(live_server.url + "/")
    decide(page)
    page.get_by_role("navigation", name="Legal").get_by_role("link", name="Privacy policy").click()
    page.wait_for_url("**/privacy/")
    assert "Version 2.0" in page.locator(".legal__meta").inner_text()

    page.get_by_role("link", name="Previous versions and changes").click()
    page.wait_for_url("**/privacy/versions/")
    assert page.get_by_role("link", name="Version 1.0", exact=True).is_visible()

    page.get_by_role("link", name="Compare with version 1.0").click()
    page.wait_for_url("**/privacy/versions/1.0/compare/2.0/")
    assert page.locator("h1").inner_text() == "Privacy policy: what changed"
    assert page.locator(".diff ins").count() > 0
    assert page.locator(".diff del").count() > 0
