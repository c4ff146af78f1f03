"""The preference centre: a signed link in every mail; each change is a consent record and an
outbox job; switching off is the unsubscribe, switching on again only a fresh confirmation."""

import hashlib
import io
import re

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client

from leadmagnets.models import LeadMagnetPage
from legal.models import PolicyVersion
from newsletter.links import PREFERENCES_SALT as SALT
from newsletter.links import preferences_token, read_preferences_token, unsubscribe_token
from newsletter.models import ConsentEvent, Contact, NewsletterTopic, SyncJob
from newsletter.texts import NEWSLETTER_TEXT, topic_text
from tests.leadmagnets.visitor import request_guide
from tests.newsletter.visitor import confirm_link, post

pytestmark = pytest.mark.django_db
INTEREST = "a1b2c3d4e5"


def local(url: str) -> str:
    return url.replace("http://127.0.0.1:8000", "")


def main(response) -> str:
    """The page's own content, without the footer form's time stamp and the cookie dialog."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def preferences_link(message) -> str:
    return local(re.search(r"http://\S+/newsletter/preferences/\S+/", message.body).group(0))


@pytest.fixture
def topics(demo_site):
    """The demo topics; "Studio notes" is a Mailchimp interest, the others are tags."""
    NewsletterTopic.objects.filter(slug="studio-notes").update(mailchimp_interest_id=INTEREST)
    return {topic.slug: topic for topic in NewsletterTopic.objects.all()}


@pytest.fixture
def member(client, signup_form, topics, fake_mailchimp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[0])))
    return Contact.objects.get()


def save(link, capture, **data):
    """Send the form as the browser would: the newsletter switch only when on."""
    fields = {"action": "save", "topics": data.pop("topics", [])}
    if data.pop("newsletter", False):
        fields["newsletter"] = "on"
    with capture(execute=True):
        return Client().post(link, fields)


def test_every_mail_carries_a_link_to_the_preference_centre(
    client, member, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_RESEND_MINUTES = 0
    link = preferences_link(mail.outbox[0])
    assert read_preferences_token(link.rstrip("/").rsplit("/", 1)[1]) == member.link_key
    guide = LeadMagnetPage.objects.get(slug="starter-guide")
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide, email=member.email)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[-1])))
    delivery = mail.outbox[-1]
    assert delivery.subject == "Your download: Free starter guide"
    assert preferences_link(delivery) == link


def test_the_page_shows_the_subscription_and_every_topic(member, topics):
    response = Client().get(preferences_link(mail.outbox[0]))
    html = main(response)
    assert response.status_code == 200
    assert "You receive the newsletter." in html
    assert re.search(r'<input type="checkbox" name="newsletter"[^>]* checked', html)
    for topic in topics.values():
        assert topic_text(topic) in html
    boxes = re.findall(r'<input type="checkbox" name="topics"[^>]*>', html)
    assert len(boxes) == 3 and not any("checked" in box for box in boxes)
    assert "Save" in html and "Leave everything" in html
    assert "A…@Example.org" in html and member.email not in html


def test_the_page_is_never_cached_and_its_form_is_csrf_protected(member):
    link = preferences_link(mail.outbox[0])
    response = Client().get(link)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    forged_post = Client(enforce_csrf_checks=True).post(link, {"action": "leave"})
    assert forged_post.status_code == 403
    member.refresh_from_db()
    assert member.status == Contact.Status.SUBSCRIBED


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_or_foreign_link_gets_the_same_neutral_page_and_changes_nothing(member, method):
    valid = preferences_token(member)
    tokens = [
        valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"),
        valid[:10],
        "not-a-token",
        unsubscribe_token(member),  # a real token of another purpose
        signing.Signer(salt=SALT).sign_object({"k": 1}),
        signing.Signer(salt=SALT).sign_object({"k": "x" * 32}),  # nobody (erased)
    ]
    pages = set()
    for token in tokens:
        response = getattr(Client(), method)(
            f"/newsletter/preferences/{token}/", {"action": "leave"}
        )
        assert response.status_code == 400
        pages.add(main(response))
    assert len(pages) == 1 and "This link is not valid" in pages.pop()
    member.refresh_from_db()
    assert member.status == Contact.Status.SUBSCRIBED
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()


def test_choosing_topics_records_each_consent_and_syncs_interests_and_tags(
    member, topics, fake_mailchimp, django_capture_on_commit_callbacks
):
    link = preferences_link(mail.outbox[0])
    response = save(
        link,
        django_capture_on_commit_callbacks,
        newsletter=True,
        topics=["studio-notes", "new-guides"],
    )
    assert "Your choices are saved." in response.content.decode()
    assert set(member.topics.values_list("slug", flat=True)) == {"studio-notes", "new-guides"}
    records = ConsentEvent.objects.filter(channel="preference-centre").order_by("purpose")
    assert [(r.purpose, r.withdrawn) for r in records] == [
        ("topic:new-guides", False),
        ("topic:studio-notes", False),
    ]
    for record in records:
        topic = topics[record.purpose.split(":", 1)[1]]
        assert record.text == topic_text(topic)
        assert record.text_sha256 == hashlib.sha256(record.text.encode()).hexdigest()
        assert record.privacy_version == PolicyVersion.objects.in_force("privacy")
    job = SyncJob.objects.get(kind=SyncJob.Kind.TOPICS)
    assert job.payload == {"topics": {"new-guides": True, "studio-notes": True}}
    assert job.state == SyncJob.State.DONE
    in_mailchimp = fake_mailchimp.member("list1", member.email)
    assert in_mailchimp["interests"] == {INTEREST: True}
    assert "topic:new-guides" in in_mailchimp["tags"]
    assert "topic:studio-notes" not in in_mailchimp["tags"]  # an interest, not a tag
    assert fake_mailchimp.count("PATCH", "/members/") == 1
    assert in_mailchimp["status"] == "subscribed"


def test_dropping_a_topic_withdraws_it_here_and_in_mailchimp(
    member, topics, fake_mailchimp, django_capture_on_commit_callbacks
):
    link = preferences_link(mail.outbox[0])
    save(link, django_capture_on_commit_callbacks, newsletter=True, topics=list(topics))
    save(link, django_capture_on_commit_callbacks, newsletter=True, topics=["drawing-walks"])
    assert list(member.topics.values_list("slug", flat=True)) == ["drawing-walks"]
    withdrawn = ConsentEvent.objects.filter(action="withdrawn").values_list("purpose", flat=True)
    assert sorted(withdrawn) == ["topic:new-guides", "topic:studio-notes"]
    in_mailchimp = fake_mailchimp.member("list1", member.email)
    assert in_mailchimp["interests"] == {INTEREST: False}
    assert "topic:new-guides" not in in_mailchimp["tags"]
    assert "topic:drawing-walks" in in_mailchimp["tags"]


def test_saving_the_same_choices_again_records_and_sends_nothing_more(
    member, topics, fake_mailchimp, django_capture_on_commit_callbacks
):
    link = preferences_link(mail.outbox[0])
    save(link, django_capture_on_commit_callbacks, newsletter=True, topics=["new-guides"])
    records, jobs, calls = (
        ConsentEvent.objects.count(),
        SyncJob.objects.count(),
        len(fake_mailchimp.calls),
    )
    response = save(
        link, django_capture_on_commit_callbacks, newsletter=True, topics=["new-guides"]
    )
    assert "Nothing changed" in response.content.decode()
    assert (ConsentEvent.objects.count(), SyncJob.objects.count()) == (records, jobs)
    assert len(fake_mailchimp.calls) == calls


def test_switching_the_newsletter_off_is_the_same_unsubscribe_as_the_mail_link(
    member, fake_mailchimp, django_capture_on_commit_callbacks
):
    response = save(preferences_link(mail.outbox[0]), django_capture_on_commit_callbacks)
    assert "You are unsubscribed from the newsletter." in response.content.decode()
    member.refresh_from_db()
    assert member.status == Contact.Status.UNSUBSCRIBED
    withdrawal = ConsentEvent.objects.get(action="withdrawn")
    assert (withdrawal.purpose, withdrawal.text) == ("newsletter", NEWSLETTER_TEXT)
    assert withdrawal.channel == "preference-centre"
    assert SyncJob.objects.get(kind=SyncJob.Kind.UNSUBSCRIBE).state == SyncJob.State.DONE
    assert fake_mailchimp.member("list1", member.email)["status"] == "unsubscribed"


def test_switching_it_on_again_only_sends_a_fresh_confirmation(
    member, fake_mailchimp, django_capture_on_commit_callbacks
):
    link = preferences_link(mail.outbox[0])
    save(link, django_capture_on_commit_callbacks)
    response = save(link, django_capture_on_commit_callbacks, newsletter=True)
    assert "A confirmation mail is on its way" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Contact.Status.UNSUBSCRIBED  # not before the confirmation
    assert not SyncJob.objects.filter(kind=SyncJob.Kind.RESUBSCRIBE).exists()
    assert len(mail.outbox) == 2
    consents = ConsentEvent.objects.filter(purpose="newsletter", action="given")
    assert consents.count() == 1  # the new consent counts from the confirmation on
    # Pressing Save again within the resend interval sends no second mail.
    again = save(link, django_capture_on_commit_callbacks, newsletter=True)
    assert "sent a few minutes ago" in again.content.decode() and len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(local(confirm_link(mail.outbox[1])))
    member.refresh_from_db()
    assert member.status == Contact.Status.SUBSCRIBED
    consent = consents.first()
    assert (consent.channel, consent.text) == ("preference-centre", NEWSLETTER_TEXT)
    assert fake_mailchimp.member("list1", member.email)["status"] == "pending"


def test_leave_everything_ends_the_newsletter_and_every_topic_in_one_click(
    member, topics, fake_mailchimp, django_capture_on_commit_callbacks
):
    link = preferences_link(mail.outbox[0])
    save(link, django_capture_on_commit_callbacks, newsletter=True, topics=["new-guides"])
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(link, {"action": "leave", "topics": ["studio-notes"]})
    assert "You have left everything" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Contact.Status.UNSUBSCRIBED
    assert not member.topics.exists()
    withdrawn = ConsentEvent.objects.filter(action="withdrawn").values_list("purpose", flat=True)
    assert sorted(withdrawn) == ["newsletter", "topic:new-guides"]
    in_mailchimp = fake_mailchimp.member("list1", member.email)
    assert in_mailchimp["status"] == "unsubscribed"
    assert "topic:new-guides" not in in_mailchimp["tags"]
    assert not SyncJob.objects.exclude(state=SyncJob.State.DONE).exists()


def test_topics_of_an_unconfirmed_contact_wait_for_the_confirmation(
    client, signup_form, topics, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    link = preferences_link(mail.outbox[0])
    assert "waits for your confirmation" in Client().get(link).content.decode()
    save(link, django_capture_on_commit_callbacks, newsletter=True, topics=["new-guides"])
    assert fake_mailchimp.calls == []
    assert SyncJob.objects.get(kind=SyncJob.Kind.TOPICS).state == SyncJob.State.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[0])))
    contact = Contact.objects.get()
    in_mailchimp = fake_mailchimp.member("list1", contact.email)
    assert in_mailchimp["status"] == "subscribed"
    assert {"newsletter", "topic:new-guides"} <= in_mailchimp["tags"]
    assert not SyncJob.objects.exclude(state=SyncJob.State.DONE).exists()


def test_an_unconfirmed_contact_who_left_and_came_back_reaches_mailchimp_on_confirming(
    client, signup_form, topics, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    link = preferences_link(mail.outbox[0])
    save(link, django_capture_on_commit_callbacks, topics=["new-guides"])  # and newsletter off
    assert Contact.objects.get().status == Contact.Status.UNSUBSCRIBED
    assert not SyncJob.objects.exclude(state=SyncJob.State.DONE).exists()
    save(link, django_capture_on_commit_callbacks, newsletter=True, topics=["new-guides"])
    assert fake_mailchimp.calls == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[-1])))
    contact = Contact.objects.get()
    assert contact.status == Contact.Status.SUBSCRIBED
    in_mailchimp = fake_mailchimp.member("list1", contact.email)
    assert in_mailchimp["status"] == "subscribed"
    assert "topic:new-guides" in in_mailchimp["tags"]


def test_the_unsubscribed_page_leads_to_the_preference_centre(
    member, django_capture_on_commit_callbacks
):
    unsubscribe_link = local(mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>"))
    with django_capture_on_commit_callbacks(execute=True):
        html = Client().post(unsubscribe_link).content.decode()
    onward = re.search(r'href="(/newsletter/unsubscribe/[^"]+/preferences/)"', html).group(1)
    response = Client().get(onward)
    assert response.status_code == 303
    assert response["Location"] == preferences_link(mail.outbox[0])
    assert (
        "You do not receive the newsletter." in Client().get(response["Location"]).content.decode()
    )
    forged = onward.replace("/preferences/", "x/preferences/")
    assert Client().get(forged).status_code == 400


def test_links_survive_a_secret_key_rotation_and_have_their_own_salt(member, settings):
    token = preferences_token(member)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "p" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert read_preferences_token(token) == member.link_key
    settings.SECRET_KEY_FALLBACKS = []
    assert read_preferences_token(token) is None
    assert SALT not in {"newsletter.unsubscribe.v2", "newsletter.confirm.v2"}


def test_demo_topics_are_loaded_once_and_editable_as_snippets(demo_site, admin_client):
    assert list(NewsletterTopic.objects.values_list("name", flat=True)) == [
        "Studio notes",
        "New guides",
        "Drawing walks",
    ]
    call_command("load_initial_data", stdout=io.StringIO())
    assert NewsletterTopic.objects.count() == 3
    listing = admin_client.get("/admin/snippets/newsletter/newslettertopic/")
    assert listing.status_code == 200 and "Studio notes" in listing.content.decode()
    # Newsletter → Topics in the sidebar links to that listing.
    dashboard = admin_client.get("/admin/").content.decode()
    assert '"Topics"' in dashboard and "/admin/snippets/newsletter/newslettertopic/" in dashboard
