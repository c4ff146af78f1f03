"""No database transaction is open while another service answers (Mailchimp, reCAPTCHA,
Cloudflare): on SQLite one open write transaction holds every request of the site.

The guard sits in front of each outside call (`legal.http.assert_no_transaction`); these
tests show it is reached on every path and that the outbox claims, calls and records in
three steps."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core import checks
from django.db import transaction
from django.utils import timezone

from legal.http import TransactionOpenError
from newsletter import mailchimp
from newsletter.captcha import captcha_field
from newsletter.models import Contact, SyncAttempt, SyncJob, WebhookEvent
from newsletter.tasks import apply_webhook_event, erase_member, sync_contact
from website.checks import busy_timeout_errors, check_sqlite_busy_timeout

pytestmark = pytest.mark.django_db


def confirmed_contact(email=None) -> Contact:
    email = email or f"reader{Contact.objects.count()}@example.org"
    contact = Contact.objects.create(
        email=email, status=Contact.Status.SUBSCRIBED, confirmed_at=timezone.now()
    )
    SyncJob.objects.create(contact=contact, tags=["newsletter"])
    return contact


def test_mailchimp_is_never_called_inside_a_transaction(fake_mailchimp):
    with transaction.atomic(), pytest.raises(TransactionOpenError, match="Mailchimp"):
        mailchimp.get_member("reader@example.org")
    assert fake_mailchimp.calls == []
    assert mailchimp.get_member("reader@example.org") is None  # outside one: a plain 404


def erase_job() -> SyncJob:
    return SyncJob.objects.create(
        contact=None, kind=SyncJob.Kind.ERASE, payload={"subscriber_hash": "0" * 32}
    )


def webhook_event() -> WebhookEvent:
    return WebhookEvent.objects.create(
        event_type="unsubscribe",
        subscriber_hash="0" * 32,
        dedupe_key=f"{WebhookEvent.objects.count():064d}",
    )


@pytest.mark.parametrize(
    "run",
    [
        lambda: sync_contact.call(confirmed_contact().pk),
        lambda: erase_member.call(erase_job().pk),
        lambda: apply_webhook_event.call(webhook_event().pk, "reader@example.org"),
    ],
    ids=["outbox sync", "erasure", "webhook event"],
)
def test_every_worker_path_reaches_mailchimp_with_no_transaction_open(fake_mailchimp, run):
    """Each task works as the worker runs it, and the guard is live on its path: started
    inside a transaction, it refuses instead of retrying the error away."""
    run()
    calls = len(fake_mailchimp.calls)
    assert calls >= 1
    with transaction.atomic(), pytest.raises(TransactionOpenError):
        run()
    assert len(fake_mailchimp.calls) == calls


def test_a_sync_claims_calls_and_records_in_separate_steps(fake_mailchimp):
    contact = confirmed_contact()
    seen = []
    real_call = mailchimp.call

    def watching_call(method, *args, **kwargs):
        job = SyncJob.objects.get(contact=contact)
        seen.append((job.state, job.leased_until is not None))
        return real_call(method, *args, **kwargs)

    with mock.patch.object(mailchimp, "call", watching_call):
        sync_contact.call(contact.pk)
    # While Mailchimp answered, the job was leased (claimed, committed) and still queued.
    assert seen and all(state == "queued" and leased for state, leased in seen)
    job = SyncJob.objects.get(contact=contact)
    assert (job.state, job.leased_until, job.attempts) == ("done", None, 1)
    assert Contact.objects.get(pk=contact.pk).sync_state == "synced"


def test_a_job_another_worker_holds_is_left_to_it_until_its_lease_runs_out(fake_mailchimp):
    contact = confirmed_contact()
    SyncJob.objects.filter(contact=contact).update(
        leased_until=timezone.now() + datetime.timedelta(minutes=1)
    )
    sync_contact.call(contact.pk)
    assert fake_mailchimp.calls == []
    assert SyncJob.objects.get(contact=contact).state == "queued"

    # The other worker died mid-call: once its lease has run out, the job is taken over.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        sync_contact.call(contact.pk)
    assert SyncJob.objects.get(contact=contact).state == "done"
    assert fake_mailchimp.member("list1", contact.email)["status"] == "subscribed"


def test_the_lease_outlasts_the_longest_job(settings):
    from newsletter.outbox import job_lease

    settings.MAILCHIMP_TIMEOUT = (3.05, 10)
    # Two calls, each waiting for a slot (read timeout), then connecting and reading.
    assert job_lease().total_seconds() >= 2 * (10 + 3.05 + 10)


def test_an_unexpected_error_in_a_job_is_retried_not_left_leased(fake_mailchimp, caplog):
    contact = confirmed_contact()
    with mock.patch.object(mailchimp, "upsert_member", side_effect=KeyError("FNAME")):
        sync_contact.call(contact.pk)
    job = SyncJob.objects.get(contact=contact)
    assert (job.state, job.leased_until, job.attempts) == ("retrying", None, 1)
    assert "Unexpected error" in job.last_error
    assert SyncAttempt.objects.get(job=job).outcome == "retry"
    assert "Unexpected error in Mailchimp job" in caplog.text


def test_recaptcha_is_never_verified_inside_a_transaction(settings):
    settings.RECAPTCHA_PUBLIC_KEY, settings.RECAPTCHA_PRIVATE_KEY = "public", "private"
    settings.RECAPTCHA_DOMAIN = "127.0.0.1:9"  # nothing listens there
    field = captcha_field(action="signup")
    with transaction.atomic(), pytest.raises(TransactionOpenError, match="reCAPTCHA"):
        field.clean("token")


def test_sqlite_gives_up_waiting_for_the_lock_before_gunicorn_kills_the_request(settings):
    assert check_sqlite_busy_timeout(None) == []  # the defaults: 10 s against 30 s
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "x", "OPTIONS": {"timeout": 10}}
    assert busy_timeout_errors({"default": sqlite}, gunicorn_timeout=30) == []
    errors = busy_timeout_errors({"default": {**sqlite, "OPTIONS": {"timeout": 30}}}, 30)
    assert [error.id for error in errors] == ["website.E010"]
    assert isinstance(errors[0], checks.Error) and "SQLITE_BUSY_TIMEOUT" in errors[0].hint
