"""Retention: `apply_retention` deletes exactly what is due, by the clock (moved with
time-machine, never slept), and nothing else; safe to run again and again."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from legal.models import ConsentRecord
from newsletter.models import (
    ConsentEvent,
    Contact,
    DataRequest,
    SyncAttempt,
    SyncJob,
    WebhookEvent,
)

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
PROOF = {
    "at": T0.isoformat(),
    "user_agent": "TestBrowser/1.0",
    "network": "203.0.113.0/24",
    "purposes": ["newsletter"],
}


def at(when):
    return time_machine.travel(when, tick=False)


def apply_retention(*args) -> dict[str, str]:
    """Run the command as cron would; its lines by category."""
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    lines = out.getvalue().splitlines()
    return {line.split(":", 1)[0]: line for line in lines}


def signup(email, status=Contact.Status.PENDING, confirmed=False):
    contact = Contact.objects.create(email=email, first_name="Ada", status=status)
    if confirmed:
        contact.confirmed_at = contact.created_at
        contact.confirmation_proof = dict(PROOF)
        contact.save()
    ConsentEvent.objects.record(contact, purpose="newsletter", text="Yes.", channel="form")
    SyncJob.objects.create(contact=contact)
    return contact


def emails():
    return set(Contact.objects.values_list("email", flat=True))


def test_unconfirmed_signups_go_after_30_days_with_their_consents_and_jobs():
    with at(T0):
        signup("pending@example.org")
        signup("left-unconfirmed@example.org", status=Contact.Status.UNSUBSCRIBED)
        signup("confirmed@example.org", Contact.Status.SUBSCRIBED, confirmed=True)
        signup("left-later@example.org", Contact.Status.UNSUBSCRIBED, confirmed=True)
    with at(T0 + 29 * DAY):
        lines = apply_retention()
        assert len(emails()) == 4
        assert lines["Unconfirmed sign-ups"] == (
            "Unconfirmed sign-ups: deleted 0 contact(s) not confirmed within 30 days, "
            "with 0 consent record(s) and 0 sync job(s)."
        )
    with at(T0 + 31 * DAY):
        lines = apply_retention()
    assert emails() == {"confirmed@example.org", "left-later@example.org"}
    assert lines["Unconfirmed sign-ups"] == (
        "Unconfirmed sign-ups: deleted 2 contact(s) not confirmed within 30 days, "
        "with 2 consent record(s) and 2 sync job(s)."
    )
    assert ConsentEvent.objects.count() == SyncJob.objects.count() == 2
    # Confirmed contacts are never deleted for age.
    with at(T0 + 3650 * DAY):
        apply_retention()
    assert emails() == {"confirmed@example.org", "left-later@example.org"}


def test_a_fresh_confirmation_mail_keeps_an_old_unconfirmed_signup_until_its_link_had_time():
    with at(T0):
        contact = signup("again@example.org")
    with at(T0 + 25 * DAY):  # signed up again: a new confirmation mail went out
        Contact.objects.filter(pk=contact.pk).update(confirmation_sent_at=T0 + 25 * DAY)
    with at(T0 + 31 * DAY):
        apply_retention()
        assert emails() == {"again@example.org"}
    with at(T0 + 56 * DAY):
        apply_retention()
        assert emails() == set()


def test_the_periods_come_from_settings(settings):
    settings.NEWSLETTER_UNCONFIRMED_DAYS = 10
    with at(T0):
        signup("pending@example.org")
    with at(T0 + 9 * DAY):
        apply_retention()
        assert emails() == {"pending@example.org"}
    with at(T0 + 11 * DAY):
        apply_retention()
        assert emails() == set()


def test_request_metadata_is_dropped_after_90_days_and_the_time_stays():
    with at(T0):
        contact = signup("confirmed@example.org", Contact.Status.SUBSCRIBED, confirmed=True)
    with at(T0 + 89 * DAY):
        apply_retention()
        contact.refresh_from_db()
        assert contact.confirmation_proof == PROOF
    with at(T0 + 91 * DAY):
        lines = apply_retention()
        contact.refresh_from_db()
        assert contact.confirmation_proof == {"at": PROOF["at"], "purposes": ["newsletter"]}
        assert contact.confirmed_at == T0
        assert lines["Request metadata"] == (
            "Request metadata: cleared user agent and network of 1 confirmation(s) older "
            "than 90 days."
        )
        assert "cleared user agent and network of 0" in apply_retention()["Request metadata"]


def test_the_consent_ledger_is_pruned_by_its_own_period(settings):
    settings.CONSENT_RECORD_RETENTION_DAYS = 365
    with at(T0):
        ConsentRecord.objects.create(
            consent_id="c1", method="banner", choices={"groups": {}}, banner_text_hash="h"
        )
    with at(T0 + 2 * DAY):
        ConsentRecord.objects.create(
            consent_id="c2", method="banner", choices={"groups": {}}, banner_text_hash="h"
        )
    with at(T0 + 364 * DAY):
        apply_retention()
        assert ConsentRecord.objects.count() == 2
    with at(T0 + 366 * DAY):
        lines = apply_retention()
        assert list(ConsentRecord.objects.values_list("consent_id", flat=True)) == ["c2"]
    assert lines["Consent ledger"] == (
        "Consent ledger: deleted 1 cookie-consent record(s) older than 365 days."
    )


def test_sync_history_goes_after_180_days_but_never_a_job_still_to_do():
    with at(T0):
        contact = signup("confirmed@example.org", Contact.Status.SUBSCRIBED, confirmed=True)
        jobs = {
            state: SyncJob.objects.create(contact=contact, state=state) for state in SyncJob.State
        }
        SyncJob.objects.filter(pk=jobs["done"].pk).update(finished_at=T0)
        for job in jobs.values():
            SyncAttempt.objects.create(job=job, outcome="ok")
    with at(T0 + 179 * DAY):
        apply_retention()
        assert SyncAttempt.objects.count() == 4
        assert SyncJob.objects.count() == 5
    with at(T0 + 181 * DAY):
        lines = apply_retention()
    assert SyncAttempt.objects.count() == 0
    left = set(SyncJob.objects.values_list("state", flat=True))
    assert left == {"queued", "retrying", "failed"}  # the sign-up job, queued, is kept too
    assert SyncJob.objects.filter(state="queued").count() == 2
    assert lines["Sync history"] == (
        "Sync history: deleted 4 attempt(s) and 1 finished job(s) older than 180 days."
    )


def test_webhook_events_go_after_30_days():
    with at(T0):
        WebhookEvent.objects.create(dedupe_key="old", event_type="unsubscribe")
    with at(T0 + 2 * DAY):
        WebhookEvent.objects.create(dedupe_key="newer", event_type="profile")
    with at(T0 + 29 * DAY):
        apply_retention()
        assert WebhookEvent.objects.count() == 2
    with at(T0 + 31 * DAY):
        lines = apply_retention()
    assert list(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == ["newer"]
    assert lines["Webhook events"] == (
        "Webhook events: deleted 1 Mailchimp delivery record(s) older than 30 days."
    )


def test_privacy_requests_nobody_confirmed_expire_after_7_days():
    with at(T0):
        waiting = DataRequest.objects.create(kind="erasure", source="public_form", email_hash="a")
        done = DataRequest.objects.create(
            kind="access", source="public_form", email_hash="b", status="done"
        )
    with at(T0 + 6 * DAY):
        apply_retention()
        waiting.refresh_from_db()
        assert waiting.status == DataRequest.Status.AWAITING_CONFIRMATION
    with at(T0 + 8 * DAY):
        lines = apply_retention()
    waiting.refresh_from_db()
    done.refresh_from_db()
    assert waiting.status == DataRequest.Status.EXPIRED
    assert done.status == DataRequest.Status.DONE
    assert DataRequest.objects.count() == 2  # the audit log keeps both
    assert lines["Data requests"] == (
        "Data requests: expired 1 request(s) not confirmed within 7 days."
    )


def test_dry_run_counts_what_is_due_and_changes_nothing():
    with at(T0):
        signup("pending@example.org")
        signup("confirmed@example.org", Contact.Status.SUBSCRIBED, confirmed=True)
        WebhookEvent.objects.create(dedupe_key="old", event_type="unsubscribe")
    with at(T0 + 200 * DAY):
        lines = apply_retention("--dry-run")
        assert lines["Unconfirmed sign-ups"] == (
            "Unconfirmed sign-ups: would delete 1 contact(s) not confirmed within 30 days."
        )
        assert "would clear user agent and network of 1" in lines["Request metadata"]
        assert "would delete 1 Mailchimp delivery" in lines["Webhook events"]
        assert len(emails()) == 2 and WebhookEvent.objects.count() == 1
        assert Contact.objects.get(email="confirmed@example.org").confirmation_proof == PROOF


def test_one_line_per_category_and_a_second_run_deletes_nothing_more():
    with at(T0):
        signup("pending@example.org")
        signup("confirmed@example.org", Contact.Status.SUBSCRIBED, confirmed=True)
    with at(T0 + 400 * DAY):
        first = apply_retention()
        second = apply_retention()
    assert list(first) == [
        "Unconfirmed sign-ups",
        "Unconfirmed requests",
        "Request metadata",
        "Consent ledger",
        "Sync history",
        "Webhook events",
        "Data requests",
    ]
    assert "deleted 1 contact(s)" in first["Unconfirmed sign-ups"]
    for line in second.values():
        assert " 0 " in line, line
    assert emails() == {"confirmed@example.org"}
