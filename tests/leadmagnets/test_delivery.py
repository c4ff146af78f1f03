"""Lead magnets: request, confirm, receive an expiring, counted download link."""

import datetime
import re

import pytest
import time_machine
from django.core import mail

from leadmagnets.models import DownloadGrant, LeadMagnetPage
from newsletter.models import ConsentEvent, Contact
from tests.fake_mailchimp import FakeMailchimp
from tests.leadmagnets.visitor import request_guide

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(demo_site):
    return LeadMagnetPage.objects.get(slug="starter-guide")


def links(message, kind):
    return [
        url.replace("http://127.0.0.1:8000", "")
        for url in re.findall(rf"http://\S+/{kind}/\S+/", message.body)
    ]


def confirm(client, django_capture_on_commit_callbacks):
    link = links(mail.outbox[-1], "newsletter/confirm")[0]
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(link)


def test_the_page_shows_the_form_and_no_public_file_url(client, guide):
    html = client.get("/starter-guide/").content.decode()
    assert f'action="/lead-magnets/{guide.pk}/request/"' in html
    assert guide.resource.url not in html
    assert 'name="newsletter"' in html  # the optional, separate newsletter checkbox
    # The document's own URL needs a signed-in editor.
    assert client.get(guide.resource.url).status_code in (302, 403)


def test_confirming_gives_a_download_link_on_the_page_and_by_mail(
    client, guide, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert request_guide(client, guide).status_code == 303
    assert not ConsentEvent.objects.exists()  # only the confirmation makes it a consent
    response = confirm(client, django_capture_on_commit_callbacks)
    consent = ConsentEvent.objects.get()
    assert consent.purpose == "leadmagnet:starter-guide"
    assert consent.text == guide.consent_text
    html = response.content.decode()
    assert "Download “Free starter guide”" in html
    assert "Enjoy the prompts" in html  # the page's thank-you text
    page_link = re.search(r'href="(/lead-magnets/download/[^"]+/)"', html).group(1)
    mail_link = links(mail.outbox[-1], "lead-magnets/download")[0]
    assert mail.outbox[-1].subject == "Your download: Free starter guide"

    for link in (page_link, mail_link):
        download = client.get(link)
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Robots-Tag"] == "noindex"
        assert b"TEN PROMPTS" in b"".join(download.streaming_content)
    assert DownloadGrant.objects.get().download_count == 2


def test_download_links_expire_and_cannot_be_forged(
    client, guide, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide)
    confirm(client, django_capture_on_commit_callbacks)
    link = links(mail.outbox[-1], "lead-magnets/download")[0]
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=8)
    with time_machine.travel(later):
        assert client.get(link).status_code == 410
    assert client.get(link[:-5] + "xxxx/").status_code == 410
    assert client.get("/lead-magnets/download/garbage/").status_code == 410
    assert DownloadGrant.objects.get().download_count == 0


def test_the_newsletter_is_a_separate_choice(client, guide, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide, newsletter="on")
    confirm(client, django_capture_on_commit_callbacks)
    purposes = set(ConsentEvent.objects.values_list("purpose", flat=True))
    assert purposes == {"leadmagnet:starter-guide", "newsletter"}
    assert set(Contact.objects.get().tags) == {"leadmagnet:starter-guide", "newsletter"}


def test_a_subscribed_reader_confirms_again_before_the_download(
    client, guide, django_capture_on_commit_callbacks
):
    Contact.objects.create(
        email="reader@example.org",
        status=Contact.Status.SUBSCRIBED,
        confirmed_at=datetime.datetime.now(datetime.UTC),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert request_guide(client, guide).status_code == 303
    assert len(mail.outbox) == 1
    assert "Download" in confirm(client, django_capture_on_commit_callbacks).content.decode()


def test_missing_consent_is_shown_on_the_page_and_nothing_is_stored(client, guide):
    response = request_guide(client, guide, consent="")
    assert response.status_code == 400
    assert "Please tick the box" in response.content.decode()
    assert Contact.objects.count() == 0


def test_the_tags_reach_mailchimp(client, guide, settings, django_capture_on_commit_callbacks):
    fake = FakeMailchimp().start()
    settings.MAILCHIMP_API_KEY = "0123456789abcdef0123456789abcdef-us21"
    settings.MAILCHIMP_AUDIENCE_ID = "list1"
    settings.MAILCHIMP_API_URL = fake.url
    settings.MAILCHIMP_LEADMAGNET_SYNC = "transactional"  # default: readers stay out
    try:
        with django_capture_on_commit_callbacks(execute=True):
            request_guide(client, guide)
        confirm(client, django_capture_on_commit_callbacks)
        assert fake.member("list1", "reader@example.org")["tags"] == {"leadmagnet:starter-guide"}
    finally:
        fake.stop()
