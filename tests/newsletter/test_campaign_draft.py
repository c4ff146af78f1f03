""" "Tell subscribers about this change": a material policy version becomes a Mailchimp campaign
draft, created through the real mailchimp-marketing client against the fake Mailchimp. Never
sent, never made twice by accident; with Mailchimp off or failing, the editor is told and
nothing is made."""

import datetime
import html as html_lib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from legal.models import PolicyPage, PolicyVersion
from newsletter import policy_changes
from newsletter.models import MailSettings, PolicyChangeCampaign
from newsletter.policy_change_views import NOT_CONFIGURED
from tests.legal.publishing import publish

pytestmark = pytest.mark.django_db

SUMMARY = "Mailchimp now sends the newsletter <b>from the US</b> & keeps opens for 30 days."
# Ten days after the latest demo version took effect (the demo's dates follow the day it is
# loaded), frozen; the change is announced for the first of the next month.
TODAY = (timezone.now() + datetime.timedelta(days=10)).replace(hour=10, minute=0, second=0)
EFFECTIVE = (TODAY.date().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
FROM = f"changes from {EFFECTIVE.day} {EFFECTIVE:%B %Y}"


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def previous_label(demo_site) -> str:
    """The label of the demo privacy policy's latest version."""
    page = PolicyPage.objects.get(slug="privacy")
    latest = PolicyVersion.objects.filter(page_id=page.pk).order_by("-effective_date", "-pk")
    return latest.first().version_label


@pytest.fixture
def material_version(demo_site, clock, previous_label):
    """The demo privacy policy's material change, announced for next month."""
    page = PolicyPage.objects.get(slug="privacy")
    return publish(
        page,
        version_label="9.0",
        effective_date=EFFECTIVE,
        is_material_change=True,
        change_summary=SUMMARY,
    )


@pytest.fixture
def admin(clock, client, django_user_model):
    """A superuser signed in at the moved time (a session from the real one would expire)."""
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


@pytest.fixture
def sender():
    texts = MailSettings.load()
    texts.sender_name, texts.sender_address = "Ilka Sommer", "post@ilka-sommer.example"
    texts.save()
    return texts


def create(admin, version, **data):
    return admin.post(
        reverse("newsletter_policy_change_draft", args=[version.pk]), data, follow=True
    )


def said(response) -> list[str]:
    """The messages shown, as an editor reads them (Wagtail renders each one's buttons
    after its escaped text)."""
    return [
        html_lib.unescape(str(message).split("<", 1)[0]).strip()
        for message in response.context["messages"]
    ]


def test_a_material_change_becomes_a_campaign_draft_never_sent(
    admin, material_version, sender, fake_mailchimp
):
    response = create(admin, material_version)
    assert response.status_code == 200
    [campaign] = fake_mailchimp.campaigns.values()
    # Mailchimp's draft: a regular campaign to the audience, status "save".
    assert campaign["type"] == "regular" and campaign["status"] == "save"
    assert campaign["recipients"] == {"list_id": "list1"}
    assert campaign["settings"] == {
        "subject_line": f"Privacy policy: {FROM}",
        "title": "Privacy policy 9.0: change notice",
        "from_name": "Ilka Sommer",
        "reply_to": "post@ilka-sommer.example",
    }
    assert fake_mailchimp.count("POST", "/actions/send") == 0
    assert [call for call in fake_mailchimp.calls if "campaigns" in call[1]] == [
        ("POST", "/3.0/campaigns"),
        ("PUT", f"/3.0/campaigns/{campaign['id']}/content"),
    ]
    record = PolicyChangeCampaign.objects.get()
    assert (record.campaign_id, record.web_id, record.has_content) == (
        campaign["id"],
        campaign["web_id"],
        True,
    )
    [message] = said(response)
    assert message == (
        f"Campaign draft “Privacy policy: {FROM}” created in Mailchimp for "
        "the audience's subscribed contacts. Nothing has been sent: review it and send it in "
        "Mailchimp."
    )
    page = response.content.decode()
    assert f'href="https://us21.admin.mailchimp.com/campaigns/show/?id={campaign["web_id"]}"' in (
        html_lib.unescape(page)
    )


def test_the_draft_says_what_changes_when_and_links_to_the_version_and_the_comparison(
    admin, material_version, previous_label, sender, fake_mailchimp
):
    create(admin, material_version)
    [campaign] = fake_mailchimp.campaigns.values()
    html, text = campaign["content"]["html"], campaign["content"]["plain_text"]
    version_url = "http://127.0.0.1:8000/privacy/versions/9.0/"
    compare_url = f"http://127.0.0.1:8000/privacy/versions/{previous_label}/compare/9.0/"
    for part in (html, text):
        assert f"takes effect on {EFFECTIVE.day} {EFFECTIVE:%B %Y}" in part
        assert version_url in part and compare_url in part
        # Mailchimp's own unsubscribe link and postal address.
        assert "*|UNSUB|*" in part and "*|LIST:ADDRESSLINE|*" in part
    # The editor's summary: escaped in HTML, as written in the text part.
    assert html_lib.escape(SUMMARY, quote=True).replace("&#x27;", "'") in html
    assert "<b>from the US</b>" not in html
    assert SUMMARY in text


def test_the_links_lead_to_the_public_archive(material_version, previous_label, client, settings):
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"
    draft = policy_changes.campaign_draft(material_version)
    for path in ("/privacy/versions/9.0/", f"/privacy/versions/{previous_label}/compare/9.0/"):
        assert f"http://testserver{path}" in draft.plain_text
        assert client.get(path).status_code == 200


def test_a_second_draft_is_made_only_on_purpose(admin, material_version, sender, fake_mailchimp):
    create(admin, material_version)
    response = create(admin, material_version)
    assert len(fake_mailchimp.campaigns) == 1
    [message] = said(response)
    assert message.startswith("A campaign draft for version 9.0 already exists (created ")
    assert message.endswith("Nothing was created.")
    # The screen shows the existing draft and offers another.
    screen = admin.get(reverse("newsletter_policy_changes")).content.decode()
    assert f"Privacy policy: {FROM}" in screen
    assert "Create another draft" in screen
    create(admin, material_version, another="yes")
    assert len(fake_mailchimp.campaigns) == 2
    assert PolicyChangeCampaign.objects.count() == 2


def test_with_mailchimp_off_the_site_says_so_and_does_nothing(admin, material_version, settings):
    settings.MAILCHIMP_API_KEY = ""
    response = create(admin, material_version)
    assert said(response) == [NOT_CONFIGURED]
    assert not PolicyChangeCampaign.objects.exists()
    screen = admin.get(reverse("newsletter_policy_changes")).content.decode()
    assert "Mailchimp is not set up." in screen
    assert "Create campaign draft" not in screen


def test_mailchimp_failing_is_an_error_message_and_nothing_is_recorded(
    admin, material_version, sender, fake_mailchimp
):
    fake_mailchimp.fail_with = 503
    response = create(admin, material_version)
    assert said(response) == [
        "Mailchimp could not be reached or is busy (Service Unavailable: Injected failure.). "
        "Nothing was created; try again in a moment."
    ]
    assert not PolicyChangeCampaign.objects.exists()


def test_mailchimp_refusing_the_sender_names_the_field(admin, material_version, fake_mailchimp):
    # The server's default sender, hello@localhost, is no address Mailchimp can reply to.
    response = create(admin, material_version)
    assert said(response) == [
        "Mailchimp refused the campaign (Invalid Resource: settings.reply_to: This value should "
        "be a valid email.). Nothing was created. Check the sender's name and address in "
        "Settings → Mail sender and texts."
    ]
    assert fake_mailchimp.campaigns == {}


def test_a_draft_whose_text_failed_is_kept_and_said(
    admin, material_version, sender, fake_mailchimp
):
    def refuse(handler, campaign, body):
        return fake_mailchimp.problem(handler, 500, "Internal Server Error", "Try later.")

    fake_mailchimp.set_content = refuse
    response = create(admin, material_version)
    [message] = said(response)
    assert message.startswith(
        "The draft was created in Mailchimp, but its text could not be set (Mailchimp: "
        "Internal Server Error: Try later.)."
    )
    record = PolicyChangeCampaign.objects.get()
    assert record.has_content is False
    assert "without its text" in admin.get(reverse("newsletter_policy_changes")).content.decode()


def test_only_material_versions_are_offered(admin, demo_site, fake_mailchimp):
    page = PolicyPage.objects.get(slug="cookies")
    minor = publish(page, version_label="9.1", change_summary="Typos.")
    screen = admin.get(reverse("newsletter_policy_changes") + f"?page={page.pk}").content.decode()
    assert "No published version is marked as a material change yet." in screen
    response = admin.post(reverse("newsletter_policy_change_draft", args=[minor.pk]))
    assert response.status_code == 404
    assert fake_mailchimp.campaigns == {}


def test_the_legal_page_offers_the_action_once_it_has_a_material_change(admin, demo_site):
    page = PolicyPage.objects.get(slug="cookies")
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert "Tell subscribers about a change" not in admin.get(edit).content.decode()
    publish(page, version_label="9.0", effective_date=EFFECTIVE, is_material_change=True)
    html = admin.get(edit).content.decode()
    assert "Tell subscribers about a change" in html
    assert f"{reverse('newsletter_policy_changes')}?page={page.pk}" in html


def test_an_editor_without_the_permission_gets_neither_screen_nor_action(
    client, django_user_model, material_version
):
    user = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    client.force_login(user)
    assert client.get(reverse("newsletter_policy_changes")).status_code in (302, 403)
    response = client.post(reverse("newsletter_policy_change_draft", args=[material_version.pk]))
    assert response.status_code in (302, 403)
    assert not PolicyChangeCampaign.objects.exists()


def test_the_screen_escapes_the_editors_words(admin, material_version):
    screen = admin.get(reverse("newsletter_policy_changes")).content.decode()
    assert "&lt;b&gt;from the US&lt;/b&gt;" in screen and "<b>from the US</b>" not in screen
