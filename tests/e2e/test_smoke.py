"""The demo site in a real browser."""

import pytest

from tests.browser import decide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_loads_in_chromium_with_its_footer(live_server, demo_site, page):
    demo_site.hostname, demo_site.port = "localhost", live_server.thread.port
    demo_site.save()
    outside_requests = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(live_server.url) or outside_requests.append(request.url)
        ),
    )

    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Drawing a little every day, and writing about it"
    footer = page.locator("footer.site-footer")
    assert footer.is_visible()
    legal_links = footer.get_by_role("navigation", name="Legal").get_by_role("link")
    assert legal_links.all_inner_texts() == [
        "Privacy policy",
        "Cookie policy",
        "Impressum",
        "Cookie settings",
    ]

    decide(page)
    legal_links.first.click()
    page.wait_for_url("**/privacy/")
    assert page.locator("h1").inner_text() == "Privacy policy"
    assert outside_requests == []
