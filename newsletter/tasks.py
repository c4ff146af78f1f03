"""Background work run by `manage.py db_worker`: confirmation mails and the Mailchimp outbox."""

import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from legal.http import TransactionOpenError

from . import mailchimp
from .inbound import apply_webhook_event  # noqa: F401 (the worker's tasks, all in one place)
from .mail import compose_mail
from .models import Contact, SignupRequest, SyncAttempt, SyncJob
from .preferences import preferences_url
from .unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

# Retry temporary failures with exponential backoff and full jitter, for up to 24 hours.
RETRY_WINDOW = timezone.timedelta(hours=24)
# Before the double opt-in the person is no member in Mailchimp: these wait for confirmation.
HELD_UNTIL_CONFIRMED = (SyncJob.Kind.UPSERT, SyncJob.Kind.TOPICS)
IN_FLIGHT = (SyncJob.State.QUEUED, SyncJob.State.RETRYING)


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@task()
def send_confirmation(request_id: int) -> None:
    """The mail with a sign-up request's confirmation link, in plain words about what
    confirming it does."""
    from .signup import NEWSLETTER, confirmation_token

    request = SignupRequest.objects.select_related("contact").filter(pk=request_id).first()
    if request is None or request.confirmed_at or request.contact.status == Contact.Status.CLEANED:
        return
    contact, purposes = request.contact, request.purposes
    leave = purposes[0] if purposes else NEWSLETTER  # what its unsubscribe link ends
    token = confirmation_token(request)
    context = {
        "contact": contact,
        "confirm_url": absolute(reverse("newsletter:confirm", args=[token])),
        "valid_days": settings.NEWSLETTER_CONFIRM_DAYS,
        "newsletter": NEWSLETTER in purposes,
        "asked_for_more": any(purpose != NEWSLETTER for purpose in purposes),
        "unsubscribe_url": unsubscribe_url(contact, leave),
        "preferences_url": preferences_url(contact),
    }
    # The list's own double opt-in is list mail: its List-Id and unsubscribe headers too.
    compose_mail(
        "Please confirm your sign-up",
        "newsletter/mail/confirm",
        context,
        to=contact.email,
        contact=contact,
        purpose=leave,
    ).send()


def backoff_seconds(attempt: int) -> float:
    """Full jitter: a random wait up to base * 2^attempt, capped (AWS architecture blog)."""
    base, cap = settings.MAILCHIMP_RETRY_BASE_SECONDS, settings.MAILCHIMP_RETRY_CAP_SECONDS
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311


@task()
def sync_contact(contact_id: int) -> None:
    """Bring a contact's due outbox jobs to Mailchimp, oldest first.

    Each job takes three steps, so that no database transaction is open while Mailchimp
    answers (on SQLite a write transaction locks the whole database for every request):
    claim it in one short transaction, call Mailchimp with none open, record the outcome in
    another. The claim is a lease on the job: while it runs, no other worker starts a job of
    this contact, so jobs keep their order; a job that succeeded is never sent again, so a
    repeated task is harmless.
    """
    if not mailchimp.is_configured():
        Contact.objects.filter(pk=contact_id).update(sync_state=Contact.SyncState.OFF)
        return
    while (job := claim_next_job(contact_id)) is not None:
        if not record_outcome(job, call_mailchimp(job)):
            return  # keep later jobs waiting behind a failing one: order per contact


def job_lease() -> timezone.timedelta:
    """How long a claimed job stays with its worker: longer than the longest job can take,
    so a lease only runs out when the worker died in the middle."""
    return timezone.timedelta(seconds=mailchimp.MAX_CALLS_PER_JOB * mailchimp.longest_call())


def claim_next_job(contact_id: int) -> SyncJob | None:
    """The contact's next due job, leased to this worker; None when there is nothing to do
    now (a retry or another worker's lease then schedules the next look)."""
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            return None
        in_flight = list(contact.sync_jobs.filter(state__in=IN_FLIGHT).order_by("pk"))
        leased = [
            job.leased_until for job in in_flight if job.leased_until and job.leased_until > now
        ]
        if leased:
            # Another worker is calling Mailchimp for this contact: it goes on with the
            # following jobs itself; look again once its lease would have run out.
            defer(sync_contact, max(leased), contact.pk)
            return None
        for job in in_flight:
            if job.kind in HELD_UNTIL_CONFIRMED and not contact.is_confirmed:
                continue  # held until the double opt-in is confirmed
            if job.next_attempt_at > now:
                defer(sync_contact, job.next_attempt_at, contact.pk)
                return None
            job.leased_until = now + job_lease()
            job.save(update_fields=["leased_until"])
            job.contact = contact
            return job
        if contact.sync_state != Contact.SyncState.AWAITING_MAILCHIMP:
            contact.sync_state = Contact.SyncState.SYNCED
        contact.last_sync_error = ""
        contact.last_synced_at = now
        contact.save(update_fields=["sync_state", "last_sync_error", "last_synced_at"])
    return None


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
    if not mailchimp.is_configured():
        return  # the job stays queued until sync is configured again
    job = claim_erasure(job_id)
    if job is not None:
        record_outcome(job, call_mailchimp(job))


def claim_erasure(job_id: int) -> SyncJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            SyncJob.objects.select_for_update()
            .filter(pk=job_id, contact=None, kind=SyncJob.Kind.ERASE, state__in=IN_FLIGHT)
            .first()
        )
        if job is None:
            return None
        if job.leased_until and job.leased_until > now:
            defer(erase_member, job.leased_until, job.pk)
            return None
        if job.next_attempt_at > now:
            defer(erase_member, job.next_attempt_at, job.pk)
            return None
        job.leased_until = now + job_lease()
        job.save(update_fields=["leased_until"])
        return job


@dataclass
class CallResult:
    """What one job's call to Mailchimp came to; recorded after the call."""

    outcome: str  # ok, retry, failed
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0
    title: str = ""  # Mailchimp's error title
    member_found: bool | None = None  # erasures: whether Mailchimp held the member
    member_status: str = ""  # the member's status after an upsert


def call_mailchimp(job: SyncJob) -> CallResult:
    """Carry out one claimed job. Touches no database row: runs with no transaction open."""
    contact = job.contact
    started = time.monotonic()
    result = CallResult("ok")
    try:
        if job.kind in (SyncJob.Kind.UPSERT, SyncJob.Kind.RESUBSCRIBE):
            member = mailchimp.upsert_member(
                contact,
                sorted(set(contact.tags) | set(job.tags)),
                # A fresh confirmation of the newsletter sets the status outright.
                status="subscribed"
                if job.kind == SyncJob.Kind.RESUBSCRIBE
                else job.payload.get("status"),
                confirmed_purposes=job.payload.get("purposes", []),
                signed_up_at=job.payload.get("signed_up_at"),
            )
            result.member_status = str((member or {}).get("status") or "")
        elif job.kind == SyncJob.Kind.TOPICS:
            mailchimp.update_topics(contact, job.payload.get("topics", {}))
        elif job.kind == SyncJob.Kind.ERASE:
            result.member_found = mailchimp.delete_member_permanently(
                job.payload["subscriber_hash"]
            )
        else:
            mailchimp.unsubscribe_member(contact, job.payload.get("purpose", "newsletter"))
    except mailchimp.MailchimpError as failure:
        result = CallResult(
            "retry" if failure.retryable else "failed",
            failure.status,
            str(failure),
            title=failure.title,
        )
    except TransactionOpenError:
        raise  # a programming error, not Mailchimp's: never retried away
    except Exception as failure:  # a bug must not leave the job leased and unscheduled
        logger.exception("Unexpected error in Mailchimp job %s", job.pk)
        result = CallResult("retry", None, f"Unexpected error: {failure!r}"[:500])
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def record_outcome(job: SyncJob, result: CallResult) -> bool:
    """Write down a call's outcome and what follows from it (done, a retry with backoff,
    or failed with its reason). Returns whether the contact's next job may run."""
    from .privacy import record_mailchimp_erasure  # privacy enqueues this module's tasks

    contact = job.contact
    with transaction.atomic():
        current = SyncJob.objects.select_for_update().filter(pk=job.pk).first()
        if current is None:  # the contact was erased meanwhile
            return False
        SyncAttempt.objects.create(
            job=current,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            outcome=result.outcome,
            error=result.error,
        )
        current.attempts += 1
        current.leased_until = None
        if current.state not in IN_FLIGHT:
            # Settled while Mailchimp answered (superseded by a webhook, say): it stands.
            current.save(update_fields=["attempts", "leased_until"])
            return True
        now = timezone.now()
        if result.outcome == "ok":
            current.state, current.finished_at, current.last_error = SyncJob.State.DONE, now, ""
            if current.kind == SyncJob.Kind.ERASE:
                current.payload["member_found"] = result.member_found
            current.save()
            if contact is None:
                record_mailchimp_erasure(current)
            elif result.member_status == "pending":
                # Refused as a compliance state: Mailchimp mailed its own opt-in, and a
                # webhook or the reconciliation sees the member subscribed once it is done.
                Contact.objects.filter(pk=contact.pk).update(
                    sync_state=Contact.SyncState.AWAITING_MAILCHIMP
                )
            return True
        error = result.error
        if result.outcome == "retry" and now - current.created_at < RETRY_WINDOW:
            current.state, current.last_error = SyncJob.State.RETRYING, error
            current.next_attempt_at = now + timezone.timedelta(
                seconds=backoff_seconds(current.attempts)
            )
            current.save()
            if contact is None:  # an erasure: its contact is already gone
                record_mailchimp_erasure(current)
                defer(erase_member, current.next_attempt_at, current.pk)
                return False
            Contact.objects.filter(pk=contact.pk).update(
                sync_state=Contact.SyncState.RETRYING, last_sync_error=error
            )
            defer(sync_contact, current.next_attempt_at, contact.pk)
            return False
        reason = error if result.outcome == "failed" else f"Gave up after 24 hours: {error}"
        current.state, current.finished_at, current.last_error = SyncJob.State.FAILED, now, reason
        current.save()
        if contact is None:
            record_mailchimp_erasure(current)
            logger.warning("Mailchimp erasure job %s failed: %s", current.pk, reason)
            return False
        changes = {"sync_state": Contact.SyncState.FAILED, "last_sync_error": reason}
        if result.title == "Forgotten Email Not Subscribed":
            # Deleted there for good: only Mailchimp's hosted form can add it again.
            changes["forgotten_in_mailchimp"] = True
        Contact.objects.filter(pk=contact.pk).update(**changes)
        logger.warning("Mailchimp sync of contact %s failed: %s", contact.pk, reason)
        return False
