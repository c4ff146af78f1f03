"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live
server. The browser, the demo site's address, the visitor and the CSP watch are the suite's
own (tests/browser.py)."""

import pytest
from cookie_consent.models import CookieGroup

from tests.legal.publishing import draft_service, publish_privacy_policy


@pytest.fixture
def google_ads(site_url):
    """The demo has Analytics, Tag Manager and the Meta Pixel; Google Ads completes the set,
    disclosed by a new version of the privacy policy in force today."""
    service = draft_service(
        name="Google Ads",
        cookie_group=CookieGroup.objects.get(varname="marketing"),
        service_type="google_ads",
        tracking_id="AW-123456789",
    )
    publish_privacy_policy()
    return service
