import pytest

from newsletter.views import BLOCK_TYPE
from tests.fake_mailchimp import FakeMailchimp
from website.models import StandardPage


@pytest.fixture
def fake_mailchimp(settings):
    fake = FakeMailchimp().start()
    settings.MAILCHIMP_API_KEY = "0123456789abcdef0123456789abcdef-us21"
    settings.MAILCHIMP_AUDIENCE_ID = "list1"
    settings.MAILCHIMP_API_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def signup_form(demo_site):
    """The demo newsletter page and its sign-up block."""
    page = StandardPage.objects.get(slug="newsletter")
    block = next(child for child in page.body if child.block_type == BLOCK_TYPE)
    return page, block
