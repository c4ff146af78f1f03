"""Background work run by `manage.py db_worker`: confirmation mails and the Mailchimp outbox."""

import logging
import random
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from . import mailchimp
from .inbound import apply_webhook_event  # noqa: F401 (the worker's tasks, all in one place)
from .models import Contact, SyncAttempt, SyncJob
from .preferences import preferences_url
from .unsubscribe import list_unsubscribe_headers, unsubscribe_url

logger = logging.getLogger(__name__)

# Retry temporary failures with exponential backoff and full jitter, for up to 24 hours.
RETRY_WINDOW = timezone.timedelta(hours=24)
# Before the double opt-in the person is no member in Mailchimp: these wait for confirmation.
HELD_UNTIL_CONFIRMED = (SyncJob.Kind.UPSERT, SyncJob.Kind.TOPICS)


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@task()
def send_confirmation(contact_id: int, purposes: list[str]) -> None:
    from .signup import confirmation_token

    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None or contact.status in (Contact.Status.CLEANED,):
        return
    token = confirmation_token(contact, purposes)
    context = {
        "contact": contact,
        "confirm_url": absolute(reverse("newsletter:confirm", args=[token])),
        "valid_days": settings.NEWSLETTER_CONFIRM_DAYS,
        "asked_for_more": any(purpose != "newsletter" for purpose in purposes),
        "unsubscribe_url": unsubscribe_url(contact, purposes[0] if purposes else "newsletter"),
        "preferences_url": preferences_url(contact),
    }
    message = EmailMultiAlternatives(
        subject="Please confirm your sign-up",
        body=render_to_string("newsletter/mail/confirm.txt", context),
        to=[contact.email],
        headers=list_unsubscribe_headers(contact, purposes[0] if purposes else "newsletter"),
    )
    message.send()


def backoff_seconds(attempt: int) -> float:
    """Full jitter: a random wait up to base * 2^attempt, capped (AWS architecture blog)."""
    base, cap = settings.MAILCHIMP_RETRY_BASE_SECONDS, settings.MAILCHIMP_RETRY_CAP_SECONDS
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311


@task()
def sync_contact(contact_id: int) -> None:
    """Bring a contact's due outbox jobs to Mailchimp, oldest first.

    The contact row is locked (SKIP LOCKED on PostgreSQL) so two workers never sync one
    contact at once; a job that succeeded is never sent again, so a repeated task is harmless.
    """
    if not mailchimp.is_configured():
        Contact.objects.filter(pk=contact_id).update(sync_state=Contact.SyncState.OFF)
        return
    with transaction.atomic():
        contact = Contact.objects.select_for_update(skip_locked=True).filter(pk=contact_id).first()
        if contact is None:
            return
        for job in contact.sync_jobs.filter(
            state__in=[SyncJob.State.QUEUED, SyncJob.State.RETRYING]
        ).order_by("pk"):
            if job.kind in HELD_UNTIL_CONFIRMED and not contact.is_confirmed:
                continue  # held until the double opt-in is confirmed
            if job.next_attempt_at > timezone.now():
                defer(sync_contact, job.next_attempt_at, contact.pk)
                return
            if not run_job(contact, job):
                return  # keep later jobs waiting behind a failing one: order per contact
        contact.sync_state = Contact.SyncState.SYNCED
        contact.last_sync_error = ""
        contact.last_synced_at = timezone.now()
        contact.save(update_fields=["sync_state", "last_sync_error", "last_synced_at"])


def defer(task_function, when, *args) -> None:
    """Run `task_function(*args)` at `when`, once the transaction commits: how every retry
    of the outbox and of webhook events waits (the database backend defers; a backend that
    cannot, like the test suite's immediate one, leaves it to the next run)."""
    if task_function.get_backend().supports_defer:
        transaction.on_commit(lambda: task_function.using(run_after=when).enqueue(*args))


@task()
def erase_member(job_id: int) -> None:
    """Carry an erasure to Mailchimp (GDPR Art. 28(3)(g)) through the outbox: retried with
    backoff like any sync job. The contact is already gone; the job holds only the
    subscriber hash, and only until Mailchimp has deleted the member."""
    from .privacy import record_mailchimp_erasure

    if not mailchimp.is_configured():
        return  # the job stays queued until sync is configured again
    with transaction.atomic():
        job = (
            SyncJob.objects.select_for_update(skip_locked=True)
            .filter(
                pk=job_id,
                contact=None,
                kind=SyncJob.Kind.ERASE,
                state__in=[SyncJob.State.QUEUED, SyncJob.State.RETRYING],
            )
            .first()
        )
        if job is None:
            return
        if job.next_attempt_at > timezone.now():
            defer(erase_member, job.next_attempt_at, job.pk)
            return
        run_job(None, job)
        record_mailchimp_erasure(job)


def run_job(contact, job) -> bool:
    started = time.monotonic()
    status_code, error = None, ""
    try:
        if job.kind == SyncJob.Kind.UPSERT:
            mailchimp.upsert_member(contact, sorted(set(contact.tags) | set(job.tags)))
        elif job.kind == SyncJob.Kind.RESUBSCRIBE:
            mailchimp.resubscribe_member(contact)
        elif job.kind == SyncJob.Kind.TOPICS:
            mailchimp.update_topics(contact, job.payload.get("topics", {}))
        elif job.kind == SyncJob.Kind.ERASE:
            found = mailchimp.delete_member_permanently(job.payload["subscriber_hash"])
            job.payload["member_found"] = found
        else:
            mailchimp.unsubscribe_member(contact)
        outcome = "ok"
    except mailchimp.MailchimpError as failure:
        status_code, error = failure.status, str(failure)
        outcome = "retry" if failure.retryable else "failed"
    job.attempts += 1
    SyncAttempt.objects.create(
        job=job,
        duration_ms=int((time.monotonic() - started) * 1000),
        status_code=status_code,
        outcome=outcome,
        error=error,
    )
    now = timezone.now()
    if outcome == "ok":
        job.state, job.finished_at, job.last_error = SyncJob.State.DONE, now, ""
        job.save()
        return True
    if outcome == "retry" and now - job.created_at < RETRY_WINDOW:
        job.state, job.last_error = SyncJob.State.RETRYING, error
        job.next_attempt_at = now + timezone.timedelta(seconds=backoff_seconds(job.attempts))
        job.save()
        if contact is None:  # an erasure: its contact is already gone
            defer(erase_member, job.next_attempt_at, job.pk)
            return False
        contact.sync_state, contact.last_sync_error = Contact.SyncState.RETRYING, error
        contact.save(update_fields=["sync_state", "last_sync_error"])
        defer(sync_contact, job.next_attempt_at, contact.pk)
        return False
    reason = error if outcome == "failed" else f"Gave up after 24 hours: {error}"
    job.state, job.finished_at, job.last_error = SyncJob.State.FAILED, now, reason
    job.save()
    if contact is None:
        logger.warning("Mailchimp erasure job %s failed: %s", job.pk, reason)
        return False
    contact.sync_state, contact.last_sync_error = Contact.SyncState.FAILED, reason
    contact.save(update_fields=["sync_state", "last_sync_error"])
    logger.warning("Mailchimp sync of contact %s failed: %s", contact.pk, reason)
    return False
