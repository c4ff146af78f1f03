"""In Chromium: a service published with a policy version that takes effect later does not run
before that date, even after "Accept all", and runs from that date once the visitor, asked
again because the category gained a service, accepts it. The server's clock is moved with
time-machine (the live server runs in this process); the browser's stays real, which the
consent cookie's lifetime does not notice over ten days."""

import datetime

import pytest
import time_machine
from cookie_consent.models import CookieGroup
from django.utils import timezone

from legal.models import PolicyPage
from tests.browser import Visitor, settle
from tests.legal.publishing import draft_service, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def visitor(browser, site_url):
    visitor = Visitor(browser, site_url)
    yield visitor
    visitor.close()


def heatmaps_running(visitor) -> bool:
    return visitor.page.evaluate("document.body.dataset.heatmaps") == "on"


def test_a_service_published_for_a_future_version_runs_from_that_date(visitor):
    takes_effect = timezone.localdate() + datetime.timedelta(days=10)
    draft_service(
        name="Heatmaps",
        cookie_group=CookieGroup.objects.get(varname="statistics"),
        service_type="custom",
        custom_code="<script>document.body.dataset.heatmaps = 'on';</script>",
    )
    publish(
        PolicyPage.objects.get(slug="privacy"), version_label="3.0", effective_date=takes_effect
    )

    visitor.open("/")
    visitor.accept_all()
    settle(visitor.page)
    assert not heatmaps_running(visitor)
    visitor.open("/about/")
    assert visitor.page.locator(".cc-banner").count() == 0  # decided, nothing new to ask
    assert not heatmaps_running(visitor)

    tz = timezone.get_default_timezone()
    that_morning = datetime.datetime.combine(takes_effect, datetime.time(9, 0), tzinfo=tz)
    with time_machine.travel(that_morning):
        visitor.open("/")
        assert not heatmaps_running(visitor)  # not agreed to yet: the banner asks again
        visitor.accept_all()
        settle(visitor.page)
        assert heatmaps_running(visitor)
