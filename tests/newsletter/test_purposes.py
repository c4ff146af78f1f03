"""What Mailchimp is told matches what the person chose (R2 2/8, points 1–5 and 7), checked
against the wire-level fake, whose rules cite Mailchimp's documentation."""

import datetime
import re

import pytest
import time_machine
from django.core import mail, signing
from django.core.cache import cache
from django.utils import timezone

from leadmagnets.models import DownloadGrant, LeadMagnetPage
from newsletter import mailchimp
from newsletter.models import ConsentEvent, Contact, SignupRequest, SyncJob
from tests.leadmagnets.visitor import request_guide
from tests.newsletter.visitor import confirm_link, local, post, unsubscribe_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(demo_site):
    return LeadMagnetPage.objects.get(slug="starter-guide")


def click(client, message, capture):
    with capture(execute=True):
        return client.post(local(confirm_link(message)))


def subscribe(client, signup_form, capture, email="ada@example.org"):
    with capture(execute=True):
        post(client, signup_form, email=email)
    click(client, mail.outbox[-1], capture)
    return Contact.objects.get(email_key=email)


# --- 1. Purposes decide status --------------------------------------------------------------


def test_a_lead_magnet_alone_never_makes_a_newsletter_subscriber(
    client, guide, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide)  # the newsletter box left unticked
    response = click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert contact.status == Contact.Status.TRANSACTIONAL
    assert "newsletter" not in contact.tags
    # The default keeps lead-magnet-only readers out of Mailchimp altogether.
    assert fake_mailchimp.member("list1", contact.email) is None
    assert not SyncJob.objects.filter(contact=contact).exists()


def test_with_transactional_sync_a_lead_magnet_reader_is_a_transactional_member(
    client, guide, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.MAILCHIMP_LEADMAGNET_SYNC = "transactional"
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide)
    click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    member = fake_mailchimp.member("list1", "reader@example.org")
    assert member["status"] == "transactional"
    assert f"leadmagnet:{guide.slug}" in member["tags"] and "newsletter" not in member["tags"]


def test_a_reader_who_also_ticks_the_newsletter_is_subscribed(
    client, guide, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide, newsletter="on")
    click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    member = fake_mailchimp.member("list1", "reader@example.org")
    assert member["status"] == "subscribed"
    assert {"newsletter", f"leadmagnet:{guide.slug}"} <= member["tags"]


def test_marketing_permissions_follow_the_confirmed_purposes_and_stay_off_once_switched_off(
    client, signup_form, guide, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.MAILCHIMP_MARKETING_PERMISSIONS = ["perm-news", "perm-guide=leadmagnet"]
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    assert fake_mailchimp.permission("list1", contact.email, "perm-news") is True
    assert fake_mailchimp.permission("list1", contact.email, "perm-guide") is None

    # The person switches the newsletter permission off in Mailchimp's profile page…
    fake_mailchimp.member("list1", contact.email)["marketing_permissions"][0]["enabled"] = False
    # …then asks for the guide: that confirmation switches on only the guide's permission.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            request_guide(client, guide, email=contact.email)
        click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    assert fake_mailchimp.permission("list1", contact.email, "perm-guide") is True
    assert fake_mailchimp.permission("list1", contact.email, "perm-news") is False


# --- 2. A new purpose takes effect only after the mailbox confirms it -----------------------


def test_typing_someone_elses_address_changes_nothing_until_they_confirm(
    client, signup_form, guide, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    consents, calls = ConsentEvent.objects.count(), len(fake_mailchimp.calls)
    jobs = SyncJob.objects.count()
    later = time_machine.travel(timezone.now() + datetime.timedelta(minutes=11))
    with later, django_capture_on_commit_callbacks(execute=True):
        response = request_guide(client, guide, email=contact.email, first_name="Mallory")
    assert response.status_code == 303
    contact.refresh_from_db()
    assert contact.first_name == "Ada"  # nobody renames another person's contact
    assert f"leadmagnet:{guide.slug}" not in contact.tags
    assert ConsentEvent.objects.count() == consents
    assert SyncJob.objects.count() == jobs and len(fake_mailchimp.calls) == calls
    assert not DownloadGrant.objects.exists()
    # The guide goes to the address: only its owner can take it further.
    assert mail.outbox[-1].to == [contact.email]

    click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert f"leadmagnet:{guide.slug}" in contact.tags
    assert ConsentEvent.objects.filter(purpose=f"leadmagnet:{guide.slug}").count() == 1
    assert f"leadmagnet:{guide.slug}" in fake_mailchimp.member("list1", contact.email)["tags"]
    assert DownloadGrant.objects.count() == 1


def test_the_consent_record_keeps_the_time_it_was_given_and_the_text_shown(
    client, signup_form, django_capture_on_commit_callbacks
):
    signed_up = time_machine.travel(
        datetime.datetime(2031, 3, 1, 9, tzinfo=datetime.UTC), tick=False
    )
    with signed_up, django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with time_machine.travel(datetime.datetime(2031, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    consent = ConsentEvent.objects.get()
    assert consent.occurred_at == datetime.datetime(2031, 3, 1, 9, tzinfo=datetime.UTC)
    assert consent.text == signup_form[1].value["consent_text"]


# --- 3. Coming back -------------------------------------------------------------------------


def test_signing_up_again_after_an_unsubscribe_sends_a_fresh_confirmation(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(unsubscribe_link(mail.outbox[-1]))
    assert fake_mailchimp.member("list1", contact.email)["status"] == "unsubscribed"
    sent = len(mail.outbox)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, signup_form, email=contact.email).status_code == 303
        assert len(mail.outbox) == sent + 1
        response = click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.status == Contact.Status.SUBSCRIBED
    # Mailchimp refuses to subscribe an unsubscribed member ("Member In Compliance State"):
    # it is set to pending, Mailchimp mails its opt-in, and the admin says so.
    assert fake_mailchimp.member("list1", contact.email)["status"] == "pending"
    assert fake_mailchimp.optin_mails == [contact.email]
    assert contact.sync_state == Contact.SyncState.AWAITING_MAILCHIMP
    assert contact.get_sync_state_display() == "Awaiting Mailchimp's confirmation"


def test_after_a_permanent_delete_the_person_is_shown_mailchimps_own_form(
    client, signup_form, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.MAILCHIMP_HOSTED_FORM_URL = "https://example.us21.list-manage.com/subscribe?u=1"
    fake_mailchimp.forget("list1", "ada@example.org")
    subscribe(client, signup_form, django_capture_on_commit_callbacks)
    contact = Contact.objects.get()
    assert contact.forgotten_in_mailchimp and contact.sync_state == Contact.SyncState.FAILED
    assert "Forgotten Email Not Subscribed" in contact.last_sync_error

    # A second try: the page says plainly that it can't add them, and where they can.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        client.post(unsubscribe_link(mail.outbox[-1]))
        with django_capture_on_commit_callbacks(execute=True):
            post(client, signup_form, email=contact.email)
        html = click(client, mail.outbox[-1], django_capture_on_commit_callbacks)
    text = html.content.decode()
    assert settings.MAILCHIMP_HOSTED_FORM_URL.replace("&", "&amp;") in text
    assert "You are subscribed" not in text


# --- 4. Single-use links --------------------------------------------------------------------


def test_a_confirmation_link_works_once(
    client, guide, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide, newsletter="on")
    message = mail.outbox[-1]
    click(client, message, django_capture_on_commit_callbacks)
    deliveries = len(mail.outbox)
    contact = Contact.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(unsubscribe_link(mail.outbox[-1]))
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED

    assert "Already confirmed" in client.get(local(confirm_link(message))).content.decode()
    replay = click(client, message, django_capture_on_commit_callbacks)
    assert replay.status_code == 200 and "Already confirmed" in replay.content.decode()
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED  # the replay undid nothing
    assert DownloadGrant.objects.count() == 1
    assert len(mail.outbox) == deliveries
    assert SignupRequest.objects.get().confirmed_at is not None


def test_a_link_carries_no_id_and_no_address(
    client, signup_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    token = confirm_link(mail.outbox[-1]).rstrip("/").rsplit("/", 1)[1]
    payload = signing.loads(token, salt="newsletter.confirm.v2")
    assert set(payload) == {"r"} and len(payload["r"]) >= 32
    assert "ada" not in token.lower()


# --- 5. Proof sent along --------------------------------------------------------------------


def test_mailchimp_gets_the_sign_up_and_opt_in_times_and_the_language(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    member = fake_mailchimp.member("list1", contact.email)
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
    assert re.fullmatch(pattern, member["timestamp_signup"])
    assert re.fullmatch(pattern, member["timestamp_opt"])
    assert member["timestamp_signup"] <= member["timestamp_opt"]
    assert member["language"] == "en"


# --- 7. A limiter that holds ----------------------------------------------------------------


def test_a_slot_is_only_ever_freed_by_the_call_that_holds_it(settings):
    with mailchimp.connection_slot():
        held = [key for key in (f"mailchimp-slot:{n}" for n in range(10)) if cache.get(key)]
        assert held == ["mailchimp-slot:0"]
        # The call outlives its slot (expired), and another call takes the same slot.
        cache.delete("mailchimp-slot:0")
        cache.add("mailchimp-slot:0", "another call's token")
    assert cache.get("mailchimp-slot:0") == "another call's token"


def test_slots_expire_only_after_the_longest_call(settings):
    settings.MAILCHIMP_TIMEOUT = (3.05, 10)
    with time_machine.travel(timezone.now(), tick=False) as clock, mailchimp.connection_slot():
        clock.shift(mailchimp.longest_call() - 1)
        assert cache.get("mailchimp-slot:0")


def test_the_admin_shows_who_awaits_mailchimps_confirmation(admin_client, settings):
    contact = Contact.objects.create(
        email="back@example.org",
        status=Contact.Status.SUBSCRIBED,
        sync_state=Contact.SyncState.AWAITING_MAILCHIMP,
    )
    html = admin_client.get("/admin/newsletter/sync/?state=awaiting").content.decode()
    assert contact.email in html and "Awaiting Mailchimp&#x27;s confirmation" in html


def test_an_unknown_lead_magnet_sync_setting_is_a_system_error(settings):
    from website.checks import check_leadmagnet_sync

    assert check_leadmagnet_sync(None) == []
    settings.MAILCHIMP_LEADMAGNET_SYNC = "transactionnal"
    assert [error.id for error in check_leadmagnet_sync(None)] == ["website.E012"]
