"""Mailchimp webhooks: a secret path, the payload only a hint, each event applied once."""

import datetime
import logging
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from legal.http import TransactionOpenError
from newsletter.models import (
    ConsentEvent,
    Contact,
    SignupRequest,
    Suppression,
    SyncJob,
    WebhookEvent,
)
from newsletter.tasks import apply_webhook_event
from tests.fake_mailchimp import subscriber_hash
from tests.newsletter.visitor import post, subscribe, unsubscribe_link

pytestmark = pytest.mark.django_db
SECRET = "webhook-secret-for-tests-0123456789"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.MAILCHIMP_WEBHOOK_SECRET = SECRET


def webhook_path(secret: str = SECRET) -> str:
    return f"/newsletter/webhooks/mailchimp/{secret}/"


def deliver(payload, capture, secret: str = SECRET):
    """Mailchimp's POST: form-encoded, no cookies, no CSRF token."""
    with capture(execute=True):
        return Client(enforce_csrf_checks=True).post(
            webhook_path(secret),
            urlencode(payload),
            content_type="application/x-www-form-urlencoded",
        )


def member_reads(fake, email) -> int:
    return fake.count("GET", subscriber_hash(email))


@pytest.fixture
def synced(fake_mailchimp):
    """A subscribed contact on both sides, stored directly (for tests about refusals)."""
    contact = Contact.objects.create(
        email="ada@example.org",
        status=Contact.Status.SUBSCRIBED,
        confirmed_at=timezone.now(),
        sync_state=Contact.SyncState.SYNCED,
    )
    fake_mailchimp.set_status("list1", contact.email, "subscribed")
    return contact


@pytest.mark.django_db(transaction=True)
def test_webhook_unsubscribe_is_applied_once_when_delivered_three_times(
    live_server, client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    # The person used the unsubscribe link in a Mailchimp campaign; Mailchimp then retries
    # its webhook, as it does when an answer is slow or lost.
    fake_mailchimp.set_status("list1", contact.email, "unsubscribed")
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", contact.email)
    for _ in range(3):
        assert fake_mailchimp.deliver_webhook(live_server.url + webhook_path(), payload) == (
            200,
            "ok",
        )

    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED
    assert contact.unsubscribed_at is not None
    withdrawal = ConsentEvent.objects.get(action="withdrawn")
    assert withdrawal.channel == "mailchimp-webhook"
    event = WebhookEvent.objects.get()
    assert event.deliveries == 3
    assert event.applied_at is not None and event.outcome == "unsubscribed"
    assert event.subscriber_hash == subscriber_hash(contact.email)
    assert member_reads(fake_mailchimp, contact.email) == 1  # re-read once, not trusted
    # No echo: nothing goes back to Mailchimp.
    assert not SyncJob.objects.filter(kind=SyncJob.Kind.UNSUBSCRIBE).exists()
    assert fake_mailchimp.count("PATCH") == 0


def test_without_a_configured_secret_the_endpoint_is_not_found(
    settings, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    settings.MAILCHIMP_WEBHOOK_SECRET = ""
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    assert Client().get(webhook_path("")).status_code == 404
    assert Client().get(webhook_path("anything")).status_code == 404
    assert (
        deliver(payload, django_capture_on_commit_callbacks, secret="anything").status_code == 404
    )
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "secret", ["wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), "webhook-secret-for-tests"]
)
def test_a_wrong_secret_is_not_found_and_touches_nothing(
    secret, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    fake_mailchimp.set_status("list1", synced.email, "unsubscribed")
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    response = deliver(payload, django_capture_on_commit_callbacks, secret=secret)
    assert response.status_code == 404  # never 410: Mailchimp would disable the webhook
    assert Client().get(webhook_path(secret)).status_code == 404
    assert not WebhookEvent.objects.exists()
    synced.refresh_from_db()
    assert synced.status == Contact.Status.SUBSCRIBED
    assert member_reads(fake_mailchimp, synced.email) == 0


def test_mailchimps_validation_request_gets_200_and_stores_nothing(
    fake_mailchimp, django_capture_on_commit_callbacks
):
    assert Client().get(webhook_path()).status_code == 200
    assert Client().head(webhook_path()).status_code == 200
    assert deliver({}, django_capture_on_commit_callbacks).status_code == 200  # the empty POST
    assert Client().put(webhook_path()).status_code == 405
    assert not WebhookEvent.objects.exists()
    assert fake_mailchimp.calls == []


# What Mailchimp never sends (webhook guide: the fields of each type, fired_at as
# "YYYY-MM-DD HH:MM:SS"): with the right secret, a forgery or a bug, answered 400.
MALFORMED = {
    "malformed audience id": ("unsubscribe", {"data[list_id]": "../lists/someone-elses"}),
    "no audience": ("unsubscribe", {"data[list_id]": None}),
    "no address": ("unsubscribe", {"data[email]": None}),
    "invalid address": ("unsubscribe", {"data[email]": "not-an-address"}),
    "markup for an address": ("profile", {"data[email]": "<script>@example.org"}),
    "no fired_at": ("unsubscribe", {"fired_at": None}),
    "fired_at in another format": ("unsubscribe", {"fired_at": "2026-01-31T10:00:00Z"}),
    "malformed member id": ("cleaned", {"id": "../../members"}),
    "upemail without the new address": (
        "upemail",
        {"new_email": "ada@new.example", "data[new_email]": None},
    ),
    "upemail with an invalid old address": (
        "upemail",
        {"new_email": "ada@new.example", "data[old_email]": "ada"},
    ),
}


@pytest.mark.parametrize("event_type,fields", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_deliveries_are_refused_and_touch_nothing(
    event_type, fields, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    payload = fake_mailchimp.webhook_payload(event_type, "list1", synced.email, **fields)
    response = deliver(payload, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert 0 < len(response.content) < 100
    assert not WebhookEvent.objects.exists()
    synced.refresh_from_db()
    assert (synced.email, synced.status) == ("ada@example.org", Contact.Status.SUBSCRIBED)
    assert fake_mailchimp.calls == []


def test_a_flood_of_deliveries_is_rate_limited(
    monkeypatch, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("newsletter.webhooks.RATE_LIMIT", (2, 60))
    payload = fake_mailchimp.webhook_payload("profile", "list1", synced.email)
    codes = [deliver(payload, django_capture_on_commit_callbacks).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert WebhookEvent.objects.get().deliveries == 2


def test_a_payload_that_lies_is_not_trusted_the_member_is_re_read(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    # Anyone who learns the URL can post this; Mailchimp still has the member subscribed.
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", contact.email)
    assert deliver(payload, django_capture_on_commit_callbacks).status_code == 200
    contact.refresh_from_db()
    assert contact.status == Contact.Status.SUBSCRIBED
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()
    assert WebhookEvent.objects.get().outcome == "already subscribed"
    assert member_reads(fake_mailchimp, contact.email) == 1


def test_a_bounce_in_mailchimp_marks_the_contact_cleaned(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.set_status("list1", contact.email, "cleaned")
    payload = fake_mailchimp.webhook_payload("cleaned", "list1", contact.email)
    assert "data[id]" not in payload  # Mailchimp's cleaned event names only the address
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.CLEANED
    assert WebhookEvent.objects.get().outcome == "cleaned"
    assert not SyncJob.objects.filter(state__in=["queued", "retrying"]).exists()


def test_a_profile_change_in_mailchimp_updates_the_name_here(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.set_status("list1", contact.email, "subscribed", FNAME="Augusta", LNAME="King")
    # The payload's names are not what is stored: Mailchimp's current ones are.
    payload = fake_mailchimp.webhook_payload("profile", "list1", contact.email, FNAME="Mallory")
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name) == ("Augusta", "King")
    assert contact.status == Contact.Status.SUBSCRIBED
    assert SyncJob.objects.filter(kind=SyncJob.Kind.UPSERT).count() == 1  # the sign-up's only


def test_an_address_change_in_mailchimp_moves_the_contact_to_the_new_address(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    consents = list(contact.consent_events.values_list("pk", flat=True))
    fake_mailchimp.change_email("list1", contact.email, "Ada.King@New.example")
    payload = fake_mailchimp.webhook_payload(
        "upemail", "list1", contact.email, new_email="Ada.King@New.example"
    )
    assert deliver(payload, django_capture_on_commit_callbacks).status_code == 200
    moved = Contact.objects.get()
    assert moved.pk == contact.pk
    assert (moved.email, moved.email_key) == ("Ada.King@New.example", "ada.king@new.example")
    assert list(moved.consent_events.values_list("pk", flat=True)) == consents
    assert moved.status == Contact.Status.SUBSCRIBED
    event = WebhookEvent.objects.get()
    assert event.outcome.startswith("address changed")
    assert event.subscriber_hash == subscriber_hash("ada.king@new.example")


def test_an_address_change_onto_another_contacts_address_is_left_for_an_editor(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    other = Contact.objects.create(email="grace@example.org", status=Contact.Status.PENDING)
    fake_mailchimp.change_email("list1", contact.email, "grace@example.org")
    payload = fake_mailchimp.webhook_payload(
        "upemail", "list1", contact.email, new_email="grace@example.org"
    )
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    other.refresh_from_db()
    assert contact.email == "ada@example.org" and other.status == Contact.Status.PENDING
    assert "another contact" in WebhookEvent.objects.get().outcome


def test_subscribing_again_through_mailchimp_after_unsubscribing_is_applied_with_consent(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.set_status("list1", contact.email, "unsubscribed")
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", contact.email)
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED

    later = timezone.now() + datetime.timedelta(days=3)
    with time_machine.travel(later):  # days later, on a Mailchimp-hosted form
        fake_mailchimp.set_status("list1", contact.email, "subscribed")
        payload = fake_mailchimp.webhook_payload("subscribe", "list1", contact.email)
        deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.SUBSCRIBED
    assert contact.confirmation_proof["confirmed_by"] == "mailchimp"
    consent = ConsentEvent.objects.filter(action="given").first()  # newest first
    assert consent.channel == "mailchimp-webhook"
    assert "Mailchimp" in consent.text
    assert [e.outcome for e in WebhookEvent.objects.order_by("pk")] == [
        "unsubscribed",
        "subscribed (through Mailchimp)",
    ]
    assert not SyncJob.objects.filter(kind=SyncJob.Kind.RESUBSCRIBE).exists()  # no echo


def test_an_unsubscribe_on_its_way_to_mailchimp_is_not_undone_by_a_webhook(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.fail_with = 503  # the site's unsubscribe cannot reach Mailchimp yet
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(unsubscribe_link(mail.outbox[0]))
    fake_mailchimp.fail_with = None
    # Meanwhile Mailchimp, still holding the member as subscribed, reports a profile edit.
    payload = fake_mailchimp.webhook_payload("profile", "list1", contact.email)
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED
    assert "not re-subscribed" in WebhookEvent.objects.get().outcome
    assert SyncJob.objects.get(kind=SyncJob.Kind.UNSUBSCRIBE).state == SyncJob.State.RETRYING


def test_a_new_subscriber_from_a_mailchimp_form_is_added_with_a_consent_record(
    fake_mailchimp, django_capture_on_commit_callbacks
):
    fake_mailchimp.set_status("list1", "Grace@Example.org", "subscribed", FNAME="Grace")
    payload = fake_mailchimp.webhook_payload("subscribe", "list1", "Grace@Example.org")
    deliver(payload, django_capture_on_commit_callbacks)
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name) == ("Grace@Example.org", "Grace")
    assert contact.status == Contact.Status.SUBSCRIBED and contact.is_confirmed
    assert contact.sync_state == Contact.SyncState.SYNCED
    assert contact.consent_events.get().channel == "mailchimp-webhook"
    assert not SyncJob.objects.exists()


def test_mailchimps_own_opt_in_subscribes_but_leaves_the_sites_request_unconfirmed(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form, email="ada@example.org")  # a request, waiting for its link
    request = SignupRequest.objects.get()
    assert fake_mailchimp.calls == []
    # Before anyone clicks the site's link, Ada signs up on a Mailchimp-hosted form and
    # confirms Mailchimp's own opt-in. That confirms Mailchimp's newsletter for her mailbox,
    # not the site's request: whoever typed the address into the site's form may not be her.
    fake_mailchimp.set_status("list1", "ada@example.org", "subscribed")
    payload = fake_mailchimp.webhook_payload("subscribe", "list1", "ada@example.org")
    deliver(payload, django_capture_on_commit_callbacks)

    contact = Contact.objects.get()
    assert contact.status == Contact.Status.SUBSCRIBED and contact.is_confirmed
    assert contact.confirmation_proof["confirmed_by"] == "mailchimp"
    assert WebhookEvent.objects.get().outcome == "subscribed (through Mailchimp)"
    request.refresh_from_db()
    assert request.confirmed_at is None
    # Nothing of the request took effect: no consent record of its own, no tags, no sync.
    assert [c.channel for c in contact.consent_events.all()] == ["mailchimp-webhook"]
    assert contact.tags == []
    assert not SyncJob.objects.exists()
    assert {method for method, _path in fake_mailchimp.calls} == {"GET"}  # no echo


def test_an_erased_address_is_never_re_imported_from_mailchimp(
    fake_mailchimp, django_capture_on_commit_callbacks
):
    Suppression.add("erased@example.org")
    fake_mailchimp.set_status("list1", "Erased@Example.org", "subscribed")
    for event_type in ("subscribe", "profile"):
        payload = fake_mailchimp.webhook_payload(event_type, "list1", "Erased@Example.org")
        assert deliver(payload, django_capture_on_commit_callbacks).status_code == 200
    assert not Contact.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {
        "erased address: not imported"
    }


def test_mailchimp_down_during_the_re_read_is_applied_later_once_it_recovers(
    client, signup_form, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.set_status("list1", contact.email, "unsubscribed")
    settings.TASKS = DUMMY_TASKS  # tasks wait in the queue until this test runs them
    backend = apply_webhook_event.get_backend()
    fake_mailchimp.fail_with = 503
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", contact.email)
    assert deliver(payload, django_capture_on_commit_callbacks).status_code == 200

    def run(result):
        with django_capture_on_commit_callbacks(execute=True):
            result.task.call(*result.args, **result.kwargs)

    run(backend.results.pop())  # the worker's first try, during the outage
    event = WebhookEvent.objects.get()
    assert event.applied_at is None
    assert event.outcome.startswith("retrying: 503")
    contact.refresh_from_db()
    assert contact.status == Contact.Status.SUBSCRIBED
    retry = backend.results.pop()
    assert retry.task.run_after is not None  # deferred with the outbox's backoff
    assert backend.results == []

    fake_mailchimp.fail_with = None
    with time_machine.travel(retry.task.run_after + datetime.timedelta(seconds=1)):
        run(retry)
        run(retry)  # a repeated run is harmless
    event.refresh_from_db()
    assert event.applied_at is not None and event.outcome == "unsubscribed"
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED
    assert ConsentEvent.objects.filter(action="withdrawn").count() == 1
    assert backend.results == []


# --- Every delivery Mailchimp may send gets a 2xx ---------------------------------------------

IGNORED = {
    # Webhook guide, "Campaign Sending": about a campaign, not a member; not used here.
    "campaign": ("campaign", {}),
    # A type Mailchimp may add later.
    "unknown type": ("unsubscribe", {"type": "abuse_report"}),
    # The same URL registered on another audience of the account (ids are alphanumeric).
    "another audience": ("unsubscribe", {"data[list_id]": "0a1b2c3d4e"}),
}


@pytest.mark.parametrize("event_type,fields", IGNORED.values(), ids=IGNORED.keys())
def test_deliveries_the_site_does_not_use_get_200_and_change_nothing(
    event_type, fields, synced, fake_mailchimp, caplog, django_capture_on_commit_callbacks
):
    # Webhook guide: Mailchimp retries failed deliveries and may disable a webhook whose
    # requests keep failing, so a delivery that is Mailchimp's is never answered 4xx.
    caplog.set_level(logging.INFO, logger="newsletter.webhooks")
    fake_mailchimp.set_status("list1", synced.email, "unsubscribed")
    payload = fake_mailchimp.webhook_payload(event_type, "list1", synced.email, **fields)
    response = deliver(payload, django_capture_on_commit_callbacks)
    assert (response.status_code, response.content) == (200, b"ignored")
    assert not WebhookEvent.objects.exists()
    synced.refresh_from_db()
    assert synced.status == Contact.Status.SUBSCRIBED
    assert fake_mailchimp.count("GET") == 0
    assert "Mailchimp webhook delivery ignored" in caplog.text


# --- Deleted or archived in Mailchimp: a withdrawal here -------------------------------------


def archive(fake, email):
    """An admin archives the member in Mailchimp's audience page: it answers GET with status
    "archived" (mailchimp.com/help/archive-and-unarchive-contacts)."""
    fake.set_status("list1", email, "archived")


def delete_for_good(fake, email):
    fake.forget("list1", email)


DELETED = {
    # Webhook guide: an unsubscribe with data[action]=delete is a member deleted (archived).
    "archived, unsubscribe action=delete": (archive, "unsubscribe", {"action": "delete"}),
    "deleted for good, unsubscribe action=delete": (
        delete_for_good,
        "unsubscribe",
        {"action": "delete"},
    ),
    "deleted for good after a bounce": (delete_for_good, "cleaned", {}),
    "archived, then a profile event": (archive, "profile", {}),
}


@pytest.mark.parametrize("change,event_type,fields", DELETED.values(), ids=DELETED.keys())
def test_a_member_deleted_in_mailchimp_is_unsubscribed_here_without_echo(
    change, event_type, fields, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    payload = fake_mailchimp.webhook_payload(event_type, "list1", synced.email, **fields)
    change(fake_mailchimp, synced.email)
    assert deliver(payload, django_capture_on_commit_callbacks).status_code == 200
    synced.refresh_from_db()
    applied = WebhookEvent.objects.values_list("outcome", flat=True).first()
    assert synced.status == Contact.Status.UNSUBSCRIBED and synced.unsubscribed_at, applied
    withdrawal = ConsentEvent.objects.get(action="withdrawn")
    assert (withdrawal.contact, withdrawal.channel) == (synced, "mailchimp-webhook")
    assert "Mailchimp" in withdrawal.text
    assert WebhookEvent.objects.get().outcome.endswith("unsubscribed")
    # Never echoed: no job, and nothing but the re-read goes to Mailchimp.
    assert not SyncJob.objects.exists()
    assert {method for method, _path in fake_mailchimp.calls} == {"GET"}


@pytest.mark.parametrize("status", [Contact.Status.TRANSACTIONAL, Contact.Status.PENDING])
def test_a_deleted_member_takes_nothing_from_a_contact_not_subscribed_here(
    status, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    Contact.objects.filter(pk=synced.pk).update(status=status)
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email, action="delete")
    archive(fake_mailchimp, synced.email)
    deliver(payload, django_capture_on_commit_callbacks)
    synced.refresh_from_db()
    assert synced.status == status
    assert not ConsentEvent.objects.exists()
    assert WebhookEvent.objects.get().outcome.endswith("nothing to withdraw")


@pytest.mark.parametrize("event_type", ["subscribe", "profile"])
def test_a_member_gone_after_a_subscribe_or_profile_event_changes_nothing(
    event_type, synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    payload = fake_mailchimp.webhook_payload(event_type, "list1", synced.email)
    fake_mailchimp.forget("list1", synced.email)
    deliver(payload, django_capture_on_commit_callbacks)
    synced.refresh_from_db()
    assert synced.status == Contact.Status.SUBSCRIBED
    assert not ConsentEvent.objects.exists()
    assert WebhookEvent.objects.get().outcome == "no such member in Mailchimp: nothing to apply"


def test_a_deletion_reported_before_a_newer_confirmation_here_does_not_undo_it(
    synced, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    backend = apply_webhook_event.get_backend()
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email, action="delete")
    delete_for_good(fake_mailchimp, synced.email)
    deliver(payload, django_capture_on_commit_callbacks)
    # The person confirms the newsletter on the site after the deletion reached the site,
    # before the worker applies it: the deleted member has no last_changed to compare, so
    # the delivery's arrival stands for the moment of the deletion.
    Contact.objects.filter(pk=synced.pk).update(
        confirmed_at=timezone.now() + datetime.timedelta(seconds=5)
    )
    result = backend.results.pop()
    with django_capture_on_commit_callbacks(execute=True):
        result.task.call(*result.args, **result.kwargs)
    synced.refresh_from_db()
    assert synced.status == Contact.Status.SUBSCRIBED
    assert "kept subscribed, subscribe queued" in WebhookEvent.objects.get().outcome
    assert SyncJob.objects.get().payload == {"status": "subscribed"}


# --- upemail: only what the API shows ----------------------------------------------------------


def test_an_address_change_the_api_does_not_show_is_left_alone(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    # Someone who learned the URL posts an upemail onto their own address, which is a member
    # (they signed up on a Mailchimp form); Mailchimp still has Ada under her address.
    fake_mailchimp.set_status("list1", "mallory@example.net", "subscribed")
    payload = fake_mailchimp.webhook_payload(
        "upemail", "list1", contact.email, new_email="mallory@example.net"
    )
    assert deliver(payload, django_capture_on_commit_callbacks).status_code == 200
    # And one onto an address that is no member at all.
    payload = fake_mailchimp.webhook_payload(
        "upemail", "list1", contact.email, new_email="nobody@example.net"
    )
    deliver(payload, django_capture_on_commit_callbacks)

    contact.refresh_from_db()
    assert (contact.email, contact.status) == ("ada@example.org", Contact.Status.SUBSCRIBED)
    assert not Contact.objects.filter(email_key="mallory@example.net").exists()
    assert [event.outcome for event in WebhookEvent.objects.order_by("pk")] == [
        "not confirmed by the API: left alone"
    ] * 2


def test_an_address_change_with_the_old_member_archived_is_applied(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.change_email("list1", contact.email, "ada@new.example")
    archive(fake_mailchimp, contact.email)  # the old address kept, archived
    payload = fake_mailchimp.webhook_payload(
        "upemail", "list1", contact.email, new_email="ada@new.example"
    )
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert (contact.email, contact.status) == ("ada@new.example", Contact.Status.SUBSCRIBED)
    assert member_reads(fake_mailchimp, "ada@example.org") == 1  # the old address, checked


# --- Convergence -------------------------------------------------------------------------------


def unsubscribed_before(fake, email, moment):
    """The member unsubscribed in Mailchimp at `moment` (Mailchimp's whole seconds)."""
    fake.set_status("list1", email, "unsubscribed")["last_changed"] = moment.strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )


def test_a_confirmation_here_newer_than_mailchimps_unsubscribe_is_sent_as_a_subscribe(
    synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    # Ada unsubscribed in a Mailchimp campaign an hour ago (its webhook lost), then confirmed
    # the newsletter again on the site; no explicit subscribe carried that to Mailchimp.
    unsubscribed_before(fake_mailchimp, synced.email, timezone.now() - datetime.timedelta(hours=1))
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    deliver(payload, django_capture_on_commit_callbacks)

    synced.refresh_from_db()
    assert synced.status == Contact.Status.SUBSCRIBED
    assert WebhookEvent.objects.get().outcome == (
        "confirmed here after Mailchimp's unsubscribe: kept subscribed, "
        "subscribe queued for Mailchimp"
    )
    job = SyncJob.objects.get()
    assert (job.kind, job.payload, job.state) == (
        SyncJob.Kind.UPSERT,
        {"status": "subscribed"},
        SyncJob.State.DONE,
    )
    # Mailchimp refuses to subscribe an unsubscribed member (compliance state) and mails its
    # own opt-in; the contact waits for it.
    assert fake_mailchimp.member("list1", synced.email)["status"] == "pending"
    assert fake_mailchimp.optin_mails == [synced.email]
    assert synced.sync_state == Contact.SyncState.AWAITING_MAILCHIMP


def test_a_subscribe_already_on_its_way_to_mailchimp_is_not_queued_twice(
    synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    unsubscribed_before(fake_mailchimp, synced.email, timezone.now() - datetime.timedelta(hours=1))
    SyncJob.objects.create(
        contact=synced, kind=SyncJob.Kind.RESUBSCRIBE, state=SyncJob.State.RETRYING
    )
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    deliver(payload, django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.get().outcome.endswith("its subscribe is on its way to Mailchimp")
    assert SyncJob.objects.count() == 1


def test_a_subscribe_that_failed_for_good_is_not_queued_again_and_again(
    synced, fake_mailchimp, django_capture_on_commit_callbacks
):
    unsubscribed_before(fake_mailchimp, synced.email, timezone.now() - datetime.timedelta(hours=1))
    SyncJob.objects.create(
        contact=synced,
        payload={"status": "subscribed"},
        state=SyncJob.State.FAILED,
        last_error="400 Invalid Resource: looks fake or invalid",
    )
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    deliver(payload, django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.get().outcome.endswith(
        "its subscribe failed in Mailchimp: left for an editor"
    )
    assert SyncJob.objects.count() == 1


def test_finishing_mailchimps_own_opt_in_marks_the_contact_synced(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    fake_mailchimp.set_status("list1", "ada@example.org", "unsubscribed")
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    assert contact.sync_state == Contact.SyncState.AWAITING_MAILCHIMP  # Mailchimp's opt-in
    # Ada clicks the link in Mailchimp's opt-in mail.
    fake_mailchimp.set_status("list1", contact.email, "subscribed")
    payload = fake_mailchimp.webhook_payload("subscribe", "list1", contact.email)
    deliver(payload, django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.status == Contact.Status.SUBSCRIBED
    assert contact.sync_state == Contact.SyncState.SYNCED
    assert WebhookEvent.objects.get().outcome == (
        "subscribed in Mailchimp after its own opt-in: synced"
    )


# --- Nothing left unapplied with nothing scheduled ----------------------------------------------


def test_an_unexpected_error_while_applying_is_retried_with_backoff(
    monkeypatch, synced, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    backend = apply_webhook_event.get_backend()
    fake_mailchimp.set_status("list1", synced.email, "unsubscribed")
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    deliver(payload, django_capture_on_commit_callbacks)

    def bug(*args, **kwargs):
        ConsentEvent.objects.record(synced, purpose="half-done", text="", channel="form")
        raise RuntimeError("a bug")

    monkeypatch.setattr("newsletter.inbound.apply_member", bug)
    first = backend.results.pop()
    with django_capture_on_commit_callbacks(execute=True):
        first.task.call(*first.args, **first.kwargs)  # raises nothing
    event = WebhookEvent.objects.get()
    assert event.applied_at is None
    assert event.outcome == "retrying: RuntimeError('a bug')"
    assert not ConsentEvent.objects.exists()  # rolled back
    retry = backend.results.pop()
    assert retry.task.run_after is not None

    monkeypatch.undo()
    later = time_machine.travel(retry.task.run_after + datetime.timedelta(seconds=1))
    with later, django_capture_on_commit_callbacks(execute=True):
        retry.task.call(*retry.args, **retry.kwargs)
    event.refresh_from_db()
    assert event.applied_at is not None and event.outcome == "unsubscribed"


def test_a_mailchimp_call_inside_a_transaction_is_raised_not_retried(
    synced, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    backend = apply_webhook_event.get_backend()
    payload = fake_mailchimp.webhook_payload("profile", "list1", synced.email)
    deliver(payload, django_capture_on_commit_callbacks)
    result = backend.results.pop()
    with pytest.raises(TransactionOpenError), transaction.atomic():
        result.task.call(*result.args, **result.kwargs)
    assert backend.results == []
    assert WebhookEvent.objects.get().outcome == ""


# --- The secret stays out of the logs ------------------------------------------------------------


def test_the_webhook_secret_never_reaches_the_log(
    synced, fake_mailchimp, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO)
    wrong = "guessed-secret-0123456789"
    payload = fake_mailchimp.webhook_payload("unsubscribe", "list1", synced.email)
    assert deliver(payload, django_capture_on_commit_callbacks, secret=wrong).status_code == 404
    junk = {**payload, "fired_at": "yesterday"}
    assert deliver(junk, django_capture_on_commit_callbacks).status_code == 400
    assert "Not Found: /newsletter/webhooks/mailchimp/***/" in caplog.text
    assert "Bad Request: /newsletter/webhooks/mailchimp/***/" in caplog.text
    for record in caplog.records:
        assert SECRET not in record.getMessage() and wrong not in record.getMessage()
    assert SECRET not in caplog.text and wrong not in caplog.text
