"""How long the newsletter keeps what (GDPR Art. 5(1)(c) and (e): no more data, and for no
longer, than the purpose needs). `manage.py apply_retention` runs these rules.

Every rule selects by age alone, so running it twice, or from two cron jobs at once, deletes
nothing more than running it once. With `dry_run` a rule only counts what is due.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from legal.consent import prune_records
from legal.models import ConsentRecord

from .models import Contact, DataRequest, SignupRequest, SyncAttempt, SyncJob, WebhookEvent
from .privacy.request_link import REQUEST_LINK_DAYS
from .privacy.requests import expire_unconfirmed_requests

# What the confirming request told about the person's device and network (the rest of the
# proof, its time and purposes, stays as long as the contact).
REQUEST_METADATA_KEYS = ("user_agent", "network")


@dataclass
class Outcome:
    category: str
    count: int  # the rows deleted, cleared or expired (or due, in a dry run)
    line: str  # what the command prints


DRY_RUN_VERBS = {"deleted": "would delete", "cleared": "would clear", "expired": "would expire"}


def outcome(category: str, count: int, verb: str, rest: str, *, dry_run: bool) -> Outcome:
    verb = DRY_RUN_VERBS[verb] if dry_run else verb
    return Outcome(category, count, f"{category}: {verb} {rest}.")


def days_ago(days: int):
    return timezone.now() - timezone.timedelta(days=days)


@transaction.atomic
def delete_unconfirmed_signups(*, dry_run: bool = False) -> Outcome:
    """Sign-ups nobody confirmed: the person never proved the address was theirs, so
    nothing justifies keeping it. Their consent records and held jobs go with them. A
    confirmation mail sent within the period (a repeated sign-up, an undo) keeps the
    contact until its link has had the full period too."""
    days = settings.NEWSLETTER_UNCONFIRMED_DAYS
    cutoff = days_ago(days)
    due = Contact.objects.filter(
        confirmed_at__isnull=True,
        status__in=[Contact.Status.PENDING, Contact.Status.UNSUBSCRIBED],
        created_at__lt=cutoff,
    ).exclude(confirmation_sent_at__gte=cutoff)
    rest = f"contact(s) not confirmed within {days} days"
    if dry_run:
        count = due.count()
        return outcome("Unconfirmed sign-ups", count, "deleted", f"{count} {rest}", dry_run=True)
    _total, per_model = due.delete()
    count = per_model.get("newsletter.Contact", 0)
    consents = per_model.get("newsletter.ConsentEvent", 0)
    jobs = per_model.get("newsletter.SyncJob", 0)
    rest = f"{count} {rest}, with {consents} consent record(s) and {jobs} sync job(s)"
    return outcome("Unconfirmed sign-ups", count, "deleted", rest, dry_run=False)


@transaction.atomic
def delete_unconfirmed_requests(*, dry_run: bool = False) -> Outcome:
    """Requests nobody confirmed, of contacts that stay (someone typed a known address, or
    the person did not click): what they hold was never agreed to by the mailbox's owner."""
    days = settings.NEWSLETTER_UNCONFIRMED_DAYS
    due = SignupRequest.objects.filter(confirmed_at=None, created_at__lt=days_ago(days))
    count = due.count() if dry_run else due.delete()[0]
    rest = f"{count} sign-up request(s) not confirmed within {days} days"
    return outcome("Unconfirmed requests", count, "deleted", rest, dry_run=dry_run)


@transaction.atomic
def drop_request_metadata(*, dry_run: bool = False) -> Outcome:
    """The user agent and truncated network of the confirming request: useful against a
    dispute soon after a sign-up, not years later. The confirmation time stays."""
    days = settings.REQUEST_METADATA_DAYS
    has_metadata = Q()
    for key in REQUEST_METADATA_KEYS:
        has_metadata |= Q(confirmation_proof__has_key=key)
    due = Contact.objects.filter(has_metadata, confirmed_at__lt=days_ago(days))
    if dry_run:
        count = due.count()
    else:
        contacts = list(due.select_for_update().only("pk", "confirmation_proof"))
        for contact in contacts:
            for key in REQUEST_METADATA_KEYS:
                contact.confirmation_proof.pop(key, None)
        Contact.objects.bulk_update(contacts, ["confirmation_proof"], batch_size=500)
        count = len(contacts)
    rest = f"user agent and network of {count} confirmation(s) older than {days} days"
    return outcome("Request metadata", count, "cleared", rest, dry_run=dry_run)


@transaction.atomic
def prune_consent_ledger(*, dry_run: bool = False) -> Outcome:
    """The cookie-consent ledger, by legal's own rule."""
    days = settings.CONSENT_RECORD_RETENTION_DAYS
    if dry_run:
        count = ConsentRecord.objects.filter(created_at__lt=days_ago(days)).count()
    else:
        count = prune_records(days)
    rest = f"{count} cookie-consent record(s) older than {days} days"
    return outcome("Consent ledger", count, "deleted", rest, dry_run=dry_run)


@transaction.atomic
def prune_sync_history(*, dry_run: bool = False) -> Outcome:
    """Calls to Mailchimp and finished outbox jobs. Queued and retrying jobs are work still
    to do and failed ones wait for an editor, so no job of those is touched."""
    days = settings.SYNC_HISTORY_RETENTION_DAYS
    cutoff = days_ago(days)
    jobs = SyncJob.objects.filter(state=SyncJob.State.DONE).filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )
    attempts = SyncAttempt.objects.filter(Q(started_at__lt=cutoff) | Q(job__in=jobs))
    if dry_run:
        attempt_count, job_count = attempts.count(), jobs.count()
    else:
        attempt_count = attempts.delete()[1].get("newsletter.SyncAttempt", 0)
        job_count = jobs.delete()[1].get("newsletter.SyncJob", 0)
    rest = f"{attempt_count} attempt(s) and {job_count} finished job(s) older than {days} days"
    return outcome("Sync history", attempt_count + job_count, "deleted", rest, dry_run=dry_run)


@transaction.atomic
def prune_webhook_events(*, dry_run: bool = False) -> Outcome:
    """Mailchimp's deliveries are kept to apply each once; it stops retrying after about
    75 minutes, so a month is ample."""
    days = settings.WEBHOOK_EVENT_RETENTION_DAYS
    due = WebhookEvent.objects.filter(received_at__lt=days_ago(days))
    count = due.count() if dry_run else due.delete()[1].get("newsletter.WebhookEvent", 0)
    rest = f"{count} Mailchimp delivery record(s) older than {days} days"
    return outcome("Webhook events", count, "deleted", rest, dry_run=dry_run)


@transaction.atomic
def expire_data_requests(*, dry_run: bool = False) -> Outcome:
    """Privacy requests from the public form whose link nobody confirmed: closed as expired,
    not deleted (the audit log shows every request was answered, GDPR Art. 12(3))."""
    if dry_run:
        count = DataRequest.objects.filter(
            status=DataRequest.Status.AWAITING_CONFIRMATION,
            requested_at__lt=days_ago(REQUEST_LINK_DAYS),
        ).count()
    else:
        count = expire_unconfirmed_requests()
    rest = f"{count} request(s) not confirmed within {REQUEST_LINK_DAYS} days"
    return outcome("Data requests", count, "expired", rest, dry_run=dry_run)


RULES = [
    delete_unconfirmed_signups,
    delete_unconfirmed_requests,
    drop_request_metadata,
    prune_consent_ledger,
    prune_sync_history,
    prune_webhook_events,
    expire_data_requests,
]


def apply_retention(*, dry_run: bool = False) -> list[Outcome]:
    """Each rule in its own transaction: one failing leaves the others done, and the next
    run picks up where this one stopped."""
    return [rule(dry_run=dry_run) for rule in RULES]
