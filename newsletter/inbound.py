"""Changes that come from Mailchimp (webhooks and the nightly reconciliation), applied here.

Webhooks are unsigned, so a payload is only a hint: the member is read back from the API and
its state there is what gets applied. Nothing here creates an outbox job: a change that came
from Mailchimp is never sent back to it (no echo). Withdrawal wins: an unsubscribe on either
side is never undone by the other side's older state.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from . import mailchimp
from .models import Contact, SignupConsent, Suppression, SyncJob, WebhookEvent, normalise_email
from .signup import text_hash

logger = logging.getLogger(__name__)

WEBHOOK_SOURCE = "mailchimp-webhook"
RECONCILE_SOURCE = "mailchimp-reconcile"
IN_FLIGHT = [SyncJob.State.QUEUED, SyncJob.State.RETRYING]
# Jobs that would put the person (back) on the list in Mailchimp.
SUBSCRIBING_JOBS = [SyncJob.Kind.UPSERT, SyncJob.Kind.RESUBSCRIBE]
WITHDRAWING_JOBS = [SyncJob.Kind.UNSUBSCRIBE, SyncJob.Kind.ERASE]
SUBSCRIBED_IN_MAILCHIMP = (
    "Subscribed through Mailchimp (one of its sign-up forms or the audience's admin); "
    "Mailchimp holds the wording that was shown."
)


def mailchimp_time(value) -> datetime.datetime | None:
    """Mailchimp's ISO 8601 timestamps ("2026-01-31T10:00:00+00:00"); None when absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def apply_member(member: dict, *, source: str, update_names: bool = False) -> str:
    """Bring the local contact of `member` (as read from the API) to Mailchimp's state.
    Returns what was done, for the webhook log or the command's output. Call it inside a
    transaction."""
    email = str(member.get("email_address") or "")
    status = str(member.get("status") or "")
    contact = Contact.objects.select_for_update().filter(email_key=normalise_email(email)).first()
    if contact is None:
        if status != "subscribed":
            return f"{status} in Mailchimp, no contact here: nothing to apply"
        return import_member(member, source=source)
    done = []
    if update_names and rename(contact, member):
        done.append("name updated")
    if status == "unsubscribed":
        done.append(withdraw(contact, member, source=source))
    elif status == "cleaned":
        done.append(clean(contact))
    elif status == "subscribed":
        done.append(resubscribe(contact, member, source=source))
    else:  # pending (Mailchimp's own double opt-in), archived, transactional
        done.append(f"{status} in Mailchimp: status left as it is")
    return "; ".join(done)


def rename(contact, member) -> bool:
    merge_fields = member.get("merge_fields") or {}
    first, last = merge_fields.get("FNAME"), merge_fields.get("LNAME")
    changed = []
    if isinstance(first, str) and first[:100] != contact.first_name:
        contact.first_name = first[:100]
        changed.append("first_name")
    if isinstance(last, str) and last[:100] != contact.last_name:
        contact.last_name = last[:100]
        changed.append("last_name")
    if changed:
        contact.save(update_fields=changed)
    return bool(changed)


def withdraw(contact, member, *, source: str) -> str:
    if contact.status == Contact.Status.UNSUBSCRIBED:
        return "already unsubscribed"
    changed_at = mailchimp_time(member.get("last_changed"))
    if (
        contact.status == Contact.Status.SUBSCRIBED
        and changed_at
        and contact.confirmed_at
        and contact.confirmed_at.replace(microsecond=0) > changed_at
    ):
        # A fresh confirmation here is newer than Mailchimp's unsubscribe; its RESUBSCRIBE
        # job carries it to Mailchimp. Mailchimp counts in whole seconds: a tie withdraws.
        return "confirmed here after Mailchimp's unsubscribe: kept subscribed"
    contact.status = Contact.Status.UNSUBSCRIBED
    contact.unsubscribed_at = changed_at or timezone.now()
    contact.save(update_fields=["status", "unsubscribed_at"])
    # GDPR Art. 7(3): a withdrawal is recorded like the consent it ends.
    SignupConsent.objects.create(
        contact=contact,
        purpose="newsletter",
        withdrawn=True,
        consent_text="Unsubscribed in Mailchimp.",
        text_sha256="",
        source_url=source,
    )
    supersede_subscribing_jobs(contact, "Superseded: unsubscribed in Mailchimp.")
    return "unsubscribed"


def clean(contact) -> str:
    if contact.status == Contact.Status.CLEANED:
        return "already cleaned"
    contact.status = Contact.Status.CLEANED
    contact.save(update_fields=["status"])
    # Mailchimp refuses cleaned addresses; these jobs could only fail.
    supersede_subscribing_jobs(contact, "Superseded: the address bounced (cleaned in Mailchimp).")
    return "cleaned"


def resubscribe(contact, member, *, source: str) -> str:
    if contact.status == Contact.Status.SUBSCRIBED:
        return "already subscribed"
    if contact.sync_jobs.filter(state__in=IN_FLIGHT, kind__in=WITHDRAWING_JOBS).exists():
        return "unsubscribe still on its way to Mailchimp: not re-subscribed"
    changed_at = mailchimp_time(member.get("last_changed"))
    if contact.status == Contact.Status.UNSUBSCRIBED and not (
        changed_at and contact.unsubscribed_at and changed_at > contact.unsubscribed_at
    ):
        # GDPR Art. 7(3): a withdrawal stands until the person consents again, so only a
        # sign-up in Mailchimp that is provably newer than the unsubscribe here counts.
        return "unsubscribed here, Mailchimp's subscription is not newer: kept unsubscribed"
    confirm_from_mailchimp(contact, member, source=source)
    held = contact.sync_jobs.filter(state__in=IN_FLIGHT).exists()
    if held:
        # The sign-up's own jobs here (its tags) were held for a confirmation that
        # Mailchimp has now had; they are this site's changes, not an echo.
        contact.sync_state = Contact.SyncState.QUEUED
    contact.save()
    record_mailchimp_consent(contact, source=source)
    if held:
        from .tasks import sync_contact

        transaction.on_commit(lambda: sync_contact.enqueue(contact.pk))
    return "subscribed (through Mailchimp)"


def confirm_from_mailchimp(contact, member, *, source: str) -> None:
    now = timezone.now()
    moments = [mailchimp_time(member.get(key)) for key in ("timestamp_opt", "last_changed")]
    if contact.pk is None:  # new here: the opt-in Mailchimp recorded is the confirmation
        contact.confirmed_at = next((moment for moment in moments if moment), now)
    else:  # back after an unsubscribe: the later of the two is the fresh confirmation
        contact.confirmed_at = max((moment for moment in moments if moment), default=now)
    contact.status = Contact.Status.SUBSCRIBED
    # GDPR Art. 7(1): Mailchimp ran the opt-in, so it holds the proof; say where it is.
    contact.confirmation_proof = {
        "at": contact.confirmed_at.isoformat(),
        "confirmed_by": "mailchimp",
        "reported_by": source,
        "timestamp_opt": str(member.get("timestamp_opt") or ""),
    }
    contact.sync_state = Contact.SyncState.SYNCED
    contact.last_sync_error = ""
    contact.last_synced_at = now


def record_mailchimp_consent(contact, *, source: str) -> None:
    SignupConsent.objects.create(
        contact=contact,
        purpose="newsletter",
        consent_text=SUBSCRIBED_IN_MAILCHIMP,
        text_sha256=text_hash(SUBSCRIBED_IN_MAILCHIMP),
        source_url=source,
    )


def import_member(member, *, source: str) -> str:
    email = str(member.get("email_address") or "").strip()
    if not email:
        return "member without an address: nothing to apply"
    if Suppression.covers(email):
        # GDPR Art. 17: an erased address is never re-imported, whatever Mailchimp holds.
        return "erased address: not imported"
    contact = Contact(email=email)
    merge_fields = member.get("merge_fields") or {}
    contact.first_name = str(merge_fields.get("FNAME") or "")[:100]
    contact.last_name = str(merge_fields.get("LNAME") or "")[:100]
    confirm_from_mailchimp(contact, member, source=source)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # signed up here at the same moment; the next run compares again
        return "a contact with this address appeared meanwhile: left for the next run"
    record_mailchimp_consent(contact, source=source)
    return "added (subscribed through Mailchimp)"


def change_address(old_email: str, member: dict, *, source: str) -> str:
    """Mailchimp's `upemail`: the contact of the old address takes the new one."""
    new_email = str(member.get("email_address") or "").strip()
    contact = (
        Contact.objects.select_for_update().filter(email_key=normalise_email(old_email)).first()
    )
    if contact is None:
        return apply_member(member, source=source, update_names=True)
    if normalise_email(new_email) != contact.email_key:
        if Contact.objects.filter(email_key=normalise_email(new_email)).exists():
            # Merging two people's consent records is an editor's decision, not a webhook's.
            return "new address already belongs to another contact: left for an editor"
        if Suppression.covers(new_email):
            return "new address was erased: not taken over"
    contact.email = new_email
    try:
        with transaction.atomic():
            contact.save(update_fields=["email", "email_key"])
    except IntegrityError:
        return "new address appeared meanwhile: left for an editor"
    return "address changed; " + apply_member(member, source=source, update_names=True)


def supersede_subscribing_jobs(contact, reason: str) -> None:
    contact.sync_jobs.filter(state__in=IN_FLIGHT, kind__in=SUBSCRIBING_JOBS).update(
        state=SyncJob.State.DONE, finished_at=timezone.now(), last_error=reason
    )
    if not contact.sync_jobs.filter(state__in=IN_FLIGHT).exists():
        # Both sides agree now; nothing is left to send.
        contact.sync_state = Contact.SyncState.SYNCED
        contact.last_sync_error = ""
        contact.last_synced_at = timezone.now()
        contact.save(update_fields=["sync_state", "last_sync_error", "last_synced_at"])


@task()
def apply_webhook_event(event_id: int, email: str, old_email: str = "", attempt: int = 0) -> None:
    """Re-read the member a webhook was about and apply Mailchimp's state, once.

    The member is read with no transaction open (the call can take MAILCHIMP_TIMEOUT, and
    on SQLite an open write transaction stalls the whole site); the event row is then
    locked and `applied_at` checked again, so Mailchimp's retries and a repeated task
    change nothing twice. `email` is the address to read (for `upemail` the new one).
    """
    event = WebhookEvent.objects.filter(pk=event_id, applied_at=None).first()
    if event is None:
        return
    if not mailchimp.is_configured():
        WebhookEvent.objects.filter(pk=event_id).update(
            outcome="not applied: Mailchimp sync is off"
        )
        return
    try:
        member = mailchimp.get_member(email)
    except mailchimp.MailchimpError as error:
        retry_or_give_up(event, error, email, old_email, attempt)
        return
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.applied_at is not None:
            return  # applied by a repeated task while the member was read
        if member is None:
            outcome = "no such member in Mailchimp: nothing to apply"
        elif event.event_type == "upemail":
            outcome = change_address(old_email, member, source=WEBHOOK_SOURCE)
        else:
            outcome = apply_member(
                member,
                source=WEBHOOK_SOURCE,
                update_names=event.event_type in ("profile", "subscribe"),
            )
        event.applied_at, event.outcome = timezone.now(), outcome[:200]
        event.save(update_fields=["applied_at", "outcome"])


def retry_or_give_up(event, error, email: str, old_email: str, attempt: int) -> None:
    """The outbox's policy: temporary failures again after a jittered backoff for up to 24
    hours, permanent ones not at all; the nightly reconciliation catches what is left."""
    from .tasks import RETRY_WINDOW, backoff_seconds, defer

    now = timezone.now()
    if not error.retryable:
        event.outcome = f"failed: {error}"
    elif now - event.received_at >= RETRY_WINDOW:
        event.outcome = f"failed: gave up after 24 hours: {error}"
    else:
        event.outcome = f"retrying: {error}"
        when = now + datetime.timedelta(seconds=backoff_seconds(attempt + 1))
        defer(apply_webhook_event, when, event.pk, email, old_email, attempt + 1)
    event.outcome = event.outcome[:200]
    event.save(update_fields=["outcome"])
    logger.warning("Mailchimp webhook event %s not applied: %s", event.pk, error)
