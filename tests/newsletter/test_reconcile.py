"""The nightly reconciliation: Mailchimp and the contacts here brought back in step."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from newsletter.models import ConsentEvent, Contact, SyncJob
from tests.fake_mailchimp import subscriber_hash
from tests.newsletter.visitor import subscribe, unsubscribe_link

pytestmark = pytest.mark.django_db


def reconcile(*args) -> str:
    out = io.StringIO()
    call_command("reconcile_mailchimp", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def audience(client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks):
    """One contact per kind of difference, each set up through the site's real flow, and one
    that is in step. Returns the contacts by what happened to them."""
    capture = django_capture_on_commit_callbacks
    contacts = {
        name: subscribe(client, signup_form, capture, email=f"{name}@example.org")
        for name in ("unsubscribed_there", "bounced", "unsubscribed_here", "lost", "in_step")
    }
    # Changes in Mailchimp whose webhooks never arrived:
    fake_mailchimp.set_status("list1", "unsubscribed_there@example.org", "unsubscribed")
    fake_mailchimp.set_status("list1", "bounced@example.org", "cleaned")
    # Unsubscribed on the site, then re-added by someone in Mailchimp's admin:
    message = next(m for m in mail.outbox if "unsubscribed_here@" in m.to[0])
    with capture(execute=True):
        Client().post(unsubscribe_link(message))
    fake_mailchimp.set_status("list1", "unsubscribed_here@example.org", "subscribed")
    # Confirmed here, but gone from the audience (deleted in Mailchimp, a lost sync):
    del fake_mailchimp.members[("list1", subscriber_hash("lost@example.org"))]
    # Only in Mailchimp: not this command's to import.
    fake_mailchimp.set_status("list1", "stranger@example.org", "subscribed")
    return contacts


def status(email) -> str:
    return Contact.objects.get(email_key=email).status


def test_reconcile_fixes_each_kind_of_difference(
    audience, fake_mailchimp, django_capture_on_commit_callbacks
):
    jobs_before = SyncJob.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        output = reconcile("--page-size", "2")
    assert "Page 1: members 1–2 of 5" in output and "Page 3: members 5–5 of 5" in output
    assert (
        "Done: 5 Mailchimp member(s) compared; 1 unsubscribed here, 1 marked cleaned here, "
        "1 unsubscribe job(s) queued for Mailchimp, 1 upsert job(s) queued for Mailchimp"
    ) in output

    # Mailchimp's withdrawals and bounces, applied here with a record:
    assert status("unsubscribed_there@example.org") == Contact.Status.UNSUBSCRIBED
    withdrawal = ConsentEvent.objects.get(channel="mailchimp-reconcile")
    assert withdrawal.withdrawn and withdrawal.contact == audience["unsubscribed_there"]
    assert status("bounced@example.org") == Contact.Status.CLEANED
    # The unsubscribe here wins over Mailchimp's subscribed state, through the outbox:
    assert status("unsubscribed_here@example.org") == Contact.Status.UNSUBSCRIBED
    member = fake_mailchimp.member("list1", "unsubscribed_here@example.org")
    assert member["status"] == "unsubscribed"
    # The confirmed subscriber Mailchimp lost is added back:
    assert fake_mailchimp.member("list1", "lost@example.org")["status"] == "subscribed"
    assert SyncJob.objects.count() == jobs_before + 2
    assert set(SyncJob.objects.values_list("state", flat=True)) == {SyncJob.State.DONE}
    # In step, and Mailchimp-only members, are left as they are:
    assert status("in_step@example.org") == Contact.Status.SUBSCRIBED
    assert not Contact.objects.filter(email_key="stranger@example.org").exists()

    # A second run finds nothing left to do.
    output = reconcile()
    assert "0 unsubscribed here, 0 marked cleaned here, 0 unsubscribe job(s)" in output
    assert "0 upsert job(s)" in output


def test_reconcile_dry_run_changes_nothing(
    audience, fake_mailchimp, django_capture_on_commit_callbacks
):
    statuses = dict(Contact.objects.values_list("email_key", "status"))
    jobs, consents = SyncJob.objects.count(), ConsentEvent.objects.count()
    calls = len(fake_mailchimp.calls)
    with django_capture_on_commit_callbacks(execute=True):
        output = reconcile("--dry-run", "-v", "2")
    assert "Dry run, nothing changed: 5 Mailchimp member(s) compared; 1 unsubscribed here" in output
    assert "would queue unsubscribe" in output and "would queue upsert" in output
    assert "@" not in output  # contact ids only: cron output ends up in mailboxes
    assert dict(Contact.objects.values_list("email_key", "status")) == statuses
    assert (SyncJob.objects.count(), ConsentEvent.objects.count()) == (jobs, consents)
    assert {method for method, _path in fake_mailchimp.calls[calls:]} == {"GET"}


def test_reconcile_never_queues_a_second_job_for_a_change_already_on_its_way(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    contact = subscribe(client, signup_form, django_capture_on_commit_callbacks)
    fake_mailchimp.fail_with = 503
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(unsubscribe_link(mail.outbox[0]))
    fake_mailchimp.fail_with = None
    output = reconcile()
    assert "1 already queued" in output
    assert SyncJob.objects.filter(kind=SyncJob.Kind.UNSUBSCRIBE).count() == 1
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED


def test_reconcile_with_mailchimp_down_stops_without_calling_anyone_missing(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    subscribe(client, signup_form, django_capture_on_commit_callbacks)
    jobs = SyncJob.objects.count()
    fake_mailchimp.fail_with = 503
    with pytest.raises(CommandError, match="Reading Mailchimp failed at offset 0: 503"):
        reconcile()
    assert SyncJob.objects.count() == jobs


def test_reconcile_without_sync_says_so(settings):
    settings.MAILCHIMP_API_KEY = ""
    with pytest.raises(CommandError, match="Mailchimp sync is off"):
        reconcile()


def stored_subscriber(fake, email, **fields) -> Contact:
    """A contact confirmed here just now, stored directly; Mailchimp's side set by the test."""
    fields = {"sync_state": Contact.SyncState.SYNCED, **fields}
    contact = Contact.objects.create(
        email=email, status=Contact.Status.SUBSCRIBED, confirmed_at=timezone.now(), **fields
    )
    fake.set_status("list1", email, "subscribed")
    return contact


def unsubscribed_an_hour_ago(fake, email) -> None:
    moment = timezone.now() - datetime.timedelta(hours=1)
    member = fake.set_status("list1", email, "unsubscribed")
    member["last_changed"] = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@pytest.fixture
def out_of_step(fake_mailchimp):
    """Three contacts that only this site's changes can bring back in step with Mailchimp."""
    # Confirmed here after unsubscribing in Mailchimp, with no subscribe sent there.
    confirmed_later = stored_subscriber(fake_mailchimp, "later@example.org")
    unsubscribed_an_hour_ago(fake_mailchimp, "later@example.org")
    # Mailchimp mailed its own opt-in after refusing our subscribe; the person confirmed it.
    awaiting = stored_subscriber(
        fake_mailchimp, "awaiting@example.org", sync_state=Contact.SyncState.AWAITING_MAILCHIMP
    )
    # Archived (deleted from the audience) in Mailchimp's admin.
    archived = stored_subscriber(fake_mailchimp, "archived@example.org")
    fake_mailchimp.set_status("list1", "archived@example.org", "archived")
    return confirmed_later, awaiting, archived


def test_reconcile_converges_what_only_the_sites_own_changes_can_fix(
    out_of_step, fake_mailchimp, django_capture_on_commit_callbacks
):
    confirmed_later, awaiting, archived = out_of_step
    with django_capture_on_commit_callbacks(execute=True):
        output = reconcile()
    assert "1 unsubscribed here" in output
    assert "1 subscribe job(s) queued for Mailchimp" in output
    assert "1 synced after Mailchimp's opt-in" in output
    assert "0 left alone" in output

    # The newer confirmation here goes to Mailchimp as an explicit subscribe; Mailchimp
    # refuses an unsubscribed member (compliance state) and mails its own opt-in.
    job = SyncJob.objects.get(contact=confirmed_later)
    assert (job.payload, job.state) == ({"status": "subscribed"}, SyncJob.State.DONE)
    assert fake_mailchimp.member("list1", "later@example.org")["status"] == "pending"
    assert fake_mailchimp.optin_mails == ["later@example.org"]
    confirmed_later.refresh_from_db()
    assert confirmed_later.status == Contact.Status.SUBSCRIBED
    assert confirmed_later.sync_state == Contact.SyncState.AWAITING_MAILCHIMP
    awaiting.refresh_from_db()
    assert awaiting.sync_state == Contact.SyncState.SYNCED
    archived.refresh_from_db()
    assert archived.status == Contact.Status.UNSUBSCRIBED
    withdrawal = ConsentEvent.objects.get(action="withdrawn")
    assert (withdrawal.contact, withdrawal.channel) == (archived, "mailchimp-reconcile")
    assert not SyncJob.objects.filter(contact__in=[awaiting, archived]).exists()  # no echo

    # A second run finds nothing left to do, and queues nothing twice.
    output = reconcile()
    assert "0 unsubscribed here" in output and "0 subscribe job(s)" in output
    assert "0 synced after" in output
    assert SyncJob.objects.count() == 1


def test_reconcile_dry_run_says_what_convergence_would_do(
    out_of_step, fake_mailchimp, django_capture_on_commit_callbacks
):
    states = list(Contact.objects.values_list("status", "sync_state"))
    calls = len(fake_mailchimp.calls)
    with django_capture_on_commit_callbacks(execute=True):
        output = reconcile("--dry-run", "-v", "2")
    assert "confirmed here later: would queue subscribe" in output
    assert "would be synced (Mailchimp's opt-in is done)" in output
    assert "archived in Mailchimp: would be unsubscribed here" in output
    assert "1 subscribe job(s) queued" in output and "1 synced after" in output
    assert list(Contact.objects.values_list("status", "sync_state")) == states
    assert not SyncJob.objects.exists() and not ConsentEvent.objects.exists()
    assert {method for method, _path in fake_mailchimp.calls[calls:]} == {"GET"}
