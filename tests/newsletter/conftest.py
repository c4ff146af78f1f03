import pytest

from tests.fake_mailchimp import FakeMailchimp


@pytest.fixture
def fake_mailchimp(settings):
    fake = FakeMailchimp().start()
    settings.MAILCHIMP_API_KEY = "0123456789abcdef0123456789abcdef-us21"
    settings.MAILCHIMP_AUDIENCE_ID = "list1"
    settings.MAILCHIMP_API_URL = fake.url
    yield fake
    fake.stop()
