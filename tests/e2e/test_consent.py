"""The consent manager in Chromium: nothing leaves the site and nothing optional is stored
before a choice or after "Reject all", choices apply, withdrawal cleans up, GPC is honoured,
the banner is fair and accessible, and every flow runs under the enforced CSP without the
browser refusing anything. What the CSP lets through once tags run is tests/e2e/test_csp.py.

Requests to other origins are intercepted: they are recorded, and the tracking scripts are
answered with small stand-ins that set the cookies the real ones would, so the tests can see
what a visitor's browser would have sent and stored.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from cookie_consent.models import CookieGroup

from legal.models import ConsentRecord
from tests.browser import Visitor, settle
from tests.legal.publishing import draft_service, publish_privacy_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Home, a policy page and the pages with a form.
PAGES = ["/", "/privacy/", "/contact/", "/starter-guide/"]
OPTIONAL_COOKIES = ("_ga", "_fbp", "_gcl_au")


@pytest.fixture
def visitor(browser, site_url, csp_watch):
    visitor = Visitor(browser, site_url)
    visitor.csp = csp_watch(visitor.context)
    yield visitor
    violations = visitor.csp.violations
    visitor.close()
    # Every consent flow runs under the enforced CSP without the browser refusing anything.
    assert violations == []


@pytest.mark.parametrize("path", PAGES)
def test_nothing_leaves_the_site_before_a_choice(visitor, google_ads, path):
    """With every kind of tag set up (the demo's three and Google Ads), a first visit sends
    nothing elsewhere, stores nothing optional and breaks no rule of the CSP."""
    visitor.open(path)
    settle(visitor.page)
    assert visitor.page.locator(".cc-banner").is_visible()
    assert visitor.csp.violations == []
    assert visitor.foreign == []
    assert not visitor.cookie_names() & set(OPTIONAL_COOKIES)
    assert visitor.local_storage_keys() == []
    # Consent Mode v2: the seven signals are denied before any Google tag could run.
    defaults = visitor.page.evaluate(
        "Array.from(dataLayer).find(a => a[0] === 'consent' && a[1] === 'default')[2]"
    )
    assert {key: value for key, value in defaults.items() if key != "wait_for_update"} == {
        "ad_storage": "denied",
        "ad_user_data": "denied",
        "ad_personalization": "denied",
        "analytics_storage": "denied",
        "functionality_storage": "denied",
        "personalization_storage": "denied",
        "security_storage": "denied",
    }


@pytest.mark.parametrize("path", PAGES)
def test_reject_all_keeps_everything_off_and_is_remembered(visitor, google_ads, path):
    visitor.open(path)
    visitor.banner_button("Reject all").click()
    visitor.page.locator(".cc-banner").wait_for(state="detached")
    visitor.open(path)
    settle(visitor.page)
    assert visitor.page.locator(".cc-banner").count() == 0
    assert visitor.csp.violations == []
    assert visitor.foreign == []
    assert not visitor.cookie_names() & set(OPTIONAL_COOKIES)
    assert visitor.local_storage_keys() == []
    record = ConsentRecord.objects.get()
    assert record.method == "banner"
    assert not any(record.choices["groups"].values())


def test_accepting_statistics_only_activates_analytics_not_marketing(visitor):
    visitor.open("/")
    visitor.page.locator(".cc-banner").get_by_role("link", name="Settings").click()
    dialog = visitor.page.get_by_role("dialog", name="Cookie settings")
    assert dialog.is_visible()
    boxes = dialog.locator("input[data-cc-category]")
    assert [boxes.nth(i).is_checked() for i in range(boxes.count())] == [False] * boxes.count()
    dialog.get_by_label("Statistics").check()
    dialog.get_by_role("button", name="Save choices").click()
    visitor.wait_for_dialog_to_close()
    assert visitor.loaded("gtag/js?id=G-DEMO12345")
    assert not visitor.loaded("gtm.js") and not visitor.loaded("connect.facebook.net")
    update = visitor.page.evaluate(
        "Array.from(dataLayer).filter(a => a[0] === 'consent' && a[1] === 'update').pop()[2]"
    )
    assert update["analytics_storage"] == "granted"
    assert update["ad_storage"] == update["ad_user_data"] == "denied"
    assert "_ga" in visitor.cookie_names() and "_fbp" not in visitor.cookie_names()
    record = ConsentRecord.objects.get()
    assert record.method == "settings"
    assert record.choices["groups"] == {
        "preferences": False,
        "statistics": True,
        "marketing": False,
    }


def test_returning_visitor_costs_no_extra_request(visitor):
    visitor.open("/")
    visitor.accept_all()
    visitor.own.clear()
    visitor.open("/about/")
    assert not [url for url in visitor.own if "/consent/" in url]
    assert visitor.loaded("gtag/js") and visitor.loaded("fbevents.js")


def test_withdrawal_deletes_the_declared_cookies_and_reloads(visitor):
    visitor.open("/")
    visitor.accept_all()
    assert {"_ga", "_ga_DEMO12345", "_fbp"} <= visitor.cookie_names()

    visitor.page.locator("footer").get_by_role("link", name="Cookie settings").click()
    dialog = visitor.page.get_by_role("dialog", name="Cookie settings")
    dialog.get_by_label("Statistics").uncheck()
    with visitor.page.expect_navigation():
        dialog.get_by_role("button", name="Save choices").click()
    visitor.page.wait_for_load_state("networkidle")
    names = visitor.cookie_names()
    assert "_ga" not in names and "_ga_DEMO12345" not in names
    assert "_fbp" in names  # marketing is still accepted
    record = ConsentRecord.objects.order_by("-pk").first()
    assert record.method == "withdrawal"
    assert record.choices["groups"]["statistics"] is False


def test_global_privacy_control_denies_marketing_without_asking(browser, site_url):
    visitor = Visitor(browser, site_url, gpc=True)
    try:
        visitor.open("/")
        visitor.accept_all()
        assert visitor.loaded("gtag/js")
        assert not visitor.loaded("connect.facebook.net") and not visitor.loaded("gtm.js")
        record = ConsentRecord.objects.get()
        assert record.gpc is True
        assert record.choices["groups"]["marketing"] is False

        visitor.page.locator("footer").get_by_role("link", name="Cookie settings").click()
        dialog = visitor.page.get_by_role("dialog", name="Cookie settings")
        assert dialog.get_by_text("Global Privacy Control").is_visible()
        # An explicit opt-in still wins.
        dialog.get_by_label("Marketing").check()
        dialog.get_by_role("button", name="Save choices").click()
        visitor.wait_for_dialog_to_close()
        assert visitor.loaded("connect.facebook.net")
        assert ConsentRecord.objects.order_by("-pk").first().choices["groups"]["marketing"]
    finally:
        visitor.close()


def test_accept_and_reject_have_equal_prominence(visitor):
    visitor.open("/")
    styles = [
        visitor.banner_button(name).evaluate(
            """el => { const s = getComputedStyle(el), r = el.getBoundingClientRect();
                return [r.width, r.height, s.fontSize, s.fontWeight, s.color,
                        s.backgroundColor, s.borderWidth, s.padding]; }"""
        )
        for name in ("Accept all", "Reject all")
    ]
    assert styles[0] == styles[1]


def test_banner_and_dialog_pass_axe_and_work_with_the_keyboard(visitor):
    visitor.open("/")
    banner = visitor.page.locator(".cc-banner")
    assert banner.get_attribute("role") == "dialog"
    assert visitor.page.evaluate("document.activeElement.id") == "cc-title"
    axe = Axe()
    assert axe.run(visitor.page, context=".cc-banner").response["violations"] == []

    settings_link = banner.get_by_role("link", name="Settings")
    settings_link.focus()
    visitor.page.keyboard.press("Enter")
    dialog = visitor.page.get_by_role("dialog", name="Cookie settings")
    assert dialog.is_visible()
    assert axe.run(visitor.page, context="#cc-dialog").response["violations"] == []
    assert visitor.page.evaluate("document.activeElement.closest('#cc-dialog') !== null")

    visitor.page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert visitor.page.evaluate("document.activeElement.textContent.trim()") == "Settings"


def test_custom_script_runs_only_after_consent_under_the_nonce_and_its_storage_goes_on_withdrawal(
    visitor,
):
    draft_service(
        name="Heatmaps",
        cookie_group=CookieGroup.objects.get(varname="statistics"),
        service_type="custom",
        custom_code="<script>localStorage.setItem('hm_session', '1');"
        "document.body.dataset.heatmaps = 'on';</script>",
        local_storage_keys="hm_*",
    )
    publish_privacy_policy()  # which discloses it, in force today
    visitor.open("/")
    assert visitor.local_storage_keys() == []
    assert visitor.page.evaluate("document.body.dataset.heatmaps") is None
    visitor.accept_all()
    settle(visitor.page)
    # The editor's inline script runs: the CSP lets it through under the page's nonce.
    assert visitor.page.evaluate("document.body.dataset.heatmaps") == "on"
    assert visitor.csp.violations == []
    assert visitor.local_storage_keys() == ["hm_session"]

    visitor.page.locator("footer").get_by_role("link", name="Cookie settings").click()
    dialog = visitor.page.get_by_role("dialog", name="Cookie settings")
    dialog.get_by_label("Statistics").uncheck()
    with visitor.page.expect_navigation():
        dialog.get_by_role("button", name="Save choices").click()
    visitor.page.wait_for_load_state("networkidle")
    assert visitor.local_storage_keys() == []
    assert visitor.page.evaluate("document.body.dataset.heatmaps") is None
