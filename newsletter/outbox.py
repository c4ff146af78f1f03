"""The Mailchimp outbox: the changes queued for Mailchimp (`SyncJob`), and running them.

Queueing: `enqueue_sync` adds a contact's job (held while the contact is unconfirmed), and
`queue_erasure` the deletion of an erased member, which holds only its subscriber hash.

Running: `run_due_jobs` brings a contact's due jobs to Mailchimp, oldest first, and
`run_erasure` one erasure. Each job takes three steps, so that no database transaction is
open while Mailchimp answers (on SQLite a write transaction locks the whole database for
every request): claim it in one short transaction, call Mailchimp with none open, record
the outcome in another. Temporary failures are retried with backoff for up to 24 hours.

Waking the worker: this module names no task. Whenever a job becomes due (a new job that
is not held, a retry, another worker's lease running out, held jobs released) it sends
`jobs_queued` or `erasure_queued` once the transaction commits, and `newsletter.tasks`
answers by enqueueing the task that runs it.
"""

import json
import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from legal.http import TransactionOpenError

from . import mailchimp
from .models import Contact, DataRequest, SyncAttempt, SyncJob
from .texts import NEWSLETTER

logger = logging.getLogger(__name__)

jobs_queued = Signal()  # kwargs: contact_id, run_after (None: now)
erasure_queued = Signal()  # kwargs: job_id, run_after (None: now)

# Retry temporary failures with exponential backoff and full jitter, for up to 24 hours.
RETRY_WINDOW = timezone.timedelta(hours=24)
# Before the double opt-in the person is no member in Mailchimp: these wait for confirmation.
HELD_UNTIL_CONFIRMED = (SyncJob.Kind.UPSERT, SyncJob.Kind.TOPICS)
IN_FLIGHT = (SyncJob.State.QUEUED, SyncJob.State.RETRYING)
# Jobs that would put the person (back) on the list in Mailchimp.
SUBSCRIBING_JOBS = (SyncJob.Kind.UPSERT, SyncJob.Kind.RESUBSCRIBE)


# --- Waking the worker ------------------------------------------------------------------


def wake(contact_id: int, run_after=None) -> None:
    """Have the contact's due jobs run (at `run_after`, or now) once the transaction
    commits: the worker must not look before the jobs are there to see."""
    transaction.on_commit(
        lambda: jobs_queued.send(sender=SyncJob, contact_id=contact_id, run_after=run_after)
    )


def wake_erasure(job_id: int, run_after=None) -> None:
    transaction.on_commit(
        lambda: erasure_queued.send(sender=SyncJob, job_id=job_id, run_after=run_after)
    )


def defer(task, when, *args) -> None:
    """Run `task(*args)` at `when`, once the transaction commits: how a task that retries
    itself waits (the webhook events, with this outbox's backoff). The database backend
    defers; a backend that cannot, like the test suite's immediate one, leaves it to the
    next run."""
    if task.get_backend().supports_defer:
        transaction.on_commit(lambda: task.using(run_after=when).enqueue(*args))


# --- Queueing ---------------------------------------------------------------------------


def enqueue_sync(contact, *, tags=(), kind=SyncJob.Kind.UPSERT, payload=None) -> SyncJob:
    """Add a job to the outbox; the worker picks it up once the transaction commits."""
    job = SyncJob.objects.create(contact=contact, kind=kind, tags=list(tags), payload=payload or {})
    if contact.is_confirmed or kind not in HELD_UNTIL_CONFIRMED:
        queued = Contact.objects.filter(pk=contact.pk)
        if not job.payload.get("status"):
            # Only a new explicit subscribe ends the wait for Mailchimp's own opt-in.
            queued = queued.exclude(sync_state=Contact.SyncState.AWAITING_MAILCHIMP)
        queued.update(sync_state=Contact.SyncState.QUEUED)
        wake(contact.pk)
    return job


def requeue_failed(contact) -> None:
    """An editor's retry: the contact's failed jobs back in the outbox, due now."""
    contact.sync_jobs.filter(state=SyncJob.State.FAILED).requeue()
    contact.sync_state = Contact.SyncState.QUEUED
    contact.save(update_fields=["sync_state"])
    wake(contact.pk)


def queue_erasure(member_hash: str, data_request_id: int) -> SyncJob:
    """Ask Mailchimp to delete an erased member permanently (GDPR Art. 28(3)(g)). The
    contact is already gone: the job holds the subscriber hash until the deletion is done,
    and the DataRequest whose log entry notes Mailchimp's part."""
    job = SyncJob.objects.create(
        contact=None,
        kind=SyncJob.Kind.ERASE,
        payload={"subscriber_hash": member_hash, "data_request": data_request_id},
    )
    wake_erasure(job.pk)
    return job


def requeue_erasure(job: SyncJob) -> None:
    """Put a failed Mailchimp deletion back in the outbox, due now."""
    SyncJob.objects.filter(pk=job.pk).requeue()
    wake_erasure(job.pk)


def supersede_subscribing_jobs(contact, reason: str) -> None:
    """Settle the contact's queued subscribes unsent: a withdrawal or a bounce made them
    wrong. Call it inside the transaction that made them so."""
    contact.sync_jobs.filter(state__in=IN_FLIGHT, kind__in=SUBSCRIBING_JOBS).update(
        state=SyncJob.State.DONE, finished_at=timezone.now(), last_error=reason
    )
    if not contact.sync_jobs.filter(state__in=IN_FLIGHT).exists():
        # Both sides agree now; nothing is left to send.
        contact.sync_state = Contact.SyncState.SYNCED
        contact.last_sync_error = ""
        contact.last_synced_at = timezone.now()
        contact.save(update_fields=["sync_state", "last_sync_error", "last_synced_at"])


# --- Running ----------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> float:
    """Full jitter: a random wait up to base * 2^attempt, capped (AWS architecture blog)."""
    base, cap = settings.MAILCHIMP_RETRY_BASE_SECONDS, settings.MAILCHIMP_RETRY_CAP_SECONDS
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311


def run_due_jobs(contact_id: int) -> None:
    """Bring a contact's due outbox jobs to Mailchimp, oldest first.

    The claim is a lease on the job: while it runs, no other worker starts a job of this
    contact, so jobs keep their order; a job that succeeded is never sent again, so a
    repeated run is harmless.
    """
    if not mailchimp.is_configured():
        Contact.objects.filter(pk=contact_id).update(sync_state=Contact.SyncState.OFF)
        return
    while (job := claim_next_job(contact_id)) is not None:
        if not record_outcome(job, call_mailchimp(job)):
            return  # keep later jobs waiting behind a failing one: order per contact


def run_erasure(job_id: int) -> None:
    """Carry an erasure to Mailchimp through the outbox: retried with backoff like any
    sync job."""
    if not mailchimp.is_configured():
        return  # the job stays queued until sync is configured again
    job = claim_erasure(job_id)
    if job is not None:
        record_outcome(job, call_mailchimp(job))


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
            wake(contact.pk, max(leased))
            return None
        for job in in_flight:
            if job.kind in HELD_UNTIL_CONFIRMED and not contact.is_confirmed:
                continue  # held until the double opt-in is confirmed
            if job.next_attempt_at > now:
                wake(contact.pk, job.next_attempt_at)
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
            wake_erasure(job.pk, job.leased_until)
            return None
        if job.next_attempt_at > now:
            wake_erasure(job.pk, job.next_attempt_at)
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
            mailchimp.unsubscribe_member(contact, job.payload.get("purpose", NEWSLETTER))
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
                wake_erasure(current.pk, current.next_attempt_at)
                return False
            Contact.objects.filter(pk=contact.pk).update(
                sync_state=Contact.SyncState.RETRYING, last_sync_error=error
            )
            wake(contact.pk, current.next_attempt_at)
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


def record_mailchimp_erasure(job: SyncJob) -> None:
    """Note Mailchimp's part in the erasure's log entry (its DataRequest); once done, drop
    the subscriber hash from the outbox job (the hash of an address is still personal
    data)."""
    if job.state == SyncJob.State.DONE:
        found = job.payload.get("member_found")
        result = "deleted permanently" if found else "not a member: nothing to delete"
        job.payload = {"data_request": job.payload.get("data_request"), "member_found": found}
        job.save(update_fields=["payload"])
    elif job.state == SyncJob.State.RETRYING:
        result = f"retrying: {job.last_error}"
    else:
        result = f"failed: {job.last_error}"
    logged = DataRequest.objects.filter(pk=job.payload.get("data_request")).first()
    if logged is not None:
        logged.outcome = {**logged.outcome, "mailchimp": result, "mailchimp_at": timezone.now()}
        logged.outcome = json.loads(json.dumps(logged.outcome, cls=DjangoJSONEncoder))
        logged.save(update_fields=["outcome"])
