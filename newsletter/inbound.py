"""Changes that come from Mailchimp (webhooks and the nightly reconciliation), applied here.

Webhooks are unsigned, so a payload is only a hint: the member is read back from the API and
its state there is what gets applied. A change that came from Mailchimp is never sent back to
it (no echo). Withdrawal wins: an unsubscribe on either side is never undone by the other
side's older state, and a member that Mailchimp archived or no longer has (deleted there)
counts as unsubscribed. The one job queued here is the site's own change: a confirmation
here that is newer than Mailchimp's unsubscribe is carried there by an explicit subscribe.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from legal.http import TransactionOpenError

from . import mailchimp
from .models import (
    ConsentChannel,
    ConsentEvent,
    Contact,
    Suppression,
    SyncJob,
    WebhookEvent,
    normalise_email,
)
from .outbox import (
    IN_FLIGHT,
    RETRY_WINDOW,
    backoff_seconds,
    enqueue_sync,
    supersede_subscribing_jobs,
    wake,
)
from .texts import NEWSLETTER, SUBSCRIBED_IN_MAILCHIMP, WITHDRAWAL_TEXTS

logger = logging.getLogger(__name__)

WEBHOOK_SOURCE = ConsentChannel.MAILCHIMP_WEBHOOK
RECONCILE_SOURCE = ConsentChannel.MAILCHIMP_RECONCILE
WITHDRAWING_JOBS = [SyncJob.Kind.UNSUBSCRIBE, SyncJob.Kind.ERASE]
# Jobs that set the member's status to subscribed outright (a fresh confirmation here).
EXPLICIT_SUBSCRIBE = Q(kind=SyncJob.Kind.RESUBSCRIBE) | Q(
    kind=SyncJob.Kind.UPSERT, payload__status="subscribed"
)
# Webhook events after which a member the API no longer has was deleted in Mailchimp
# (webhook guide: an unsubscribe with data[action]=delete); after a subscribe or profile
# event it only means the change is gone again: nothing to apply.
WITHDRAWN_IF_GONE = {"unsubscribe", "cleaned"}
# Outcomes the reconciliation counts by.
UNSUBSCRIBED = "unsubscribed"
KEPT_SUBSCRIBED = "confirmed here after Mailchimp's unsubscribe: kept subscribed"
SUBSCRIBE_QUEUED = f"{KEPT_SUBSCRIBED}, subscribe queued for Mailchimp"
SUBSCRIBE_ON_ITS_WAY = f"{KEPT_SUBSCRIBED}, its subscribe is on its way to Mailchimp"
SUBSCRIBE_FAILED = f"{KEPT_SUBSCRIBED}, its subscribe failed in Mailchimp: left for an editor"
OPT_IN_DONE = "subscribed in Mailchimp after its own opt-in: synced"
NOT_CONFIRMED_BY_API = "not confirmed by the API: left alone"


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
    if status in ("unsubscribed", "archived"):
        # Archived: deleted from the audience in Mailchimp (its "Archive" action, or the API's
        # DELETE); the person gets no campaigns there, so none are theirs here either.
        done.append(withdraw(contact, member, source=source))
    elif status == "cleaned":
        done.append(clean(contact))
    elif status == "subscribed":
        done.append(resubscribe(contact, member, source=source))
    else:  # pending (Mailchimp's own double opt-in), transactional
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


def confirmed_after_change(contact, member) -> bool:
    """Whether the newsletter was confirmed here after Mailchimp's last change of `member`.
    Mailchimp counts in whole seconds: a tie is not after."""
    changed_at = mailchimp_time(member.get("last_changed"))
    return bool(
        contact.status == Contact.Status.SUBSCRIBED
        and changed_at
        and contact.confirmed_at
        and contact.confirmed_at.replace(microsecond=0) > changed_at
    )


def withdraw(contact, member, *, source: str) -> str:
    """Mailchimp's unsubscribe (or archive, or deletion) applied here, without echo."""
    if contact.status == Contact.Status.UNSUBSCRIBED:
        return "already unsubscribed"
    status = str(member.get("status"))
    if status in ("archived", "gone") and contact.status != Contact.Status.SUBSCRIBED:
        # No newsletter subscription here to end (waiting for a confirmation, only a lead
        # magnet's reader, or bounced): a deleted member takes nothing away.
        return f"{status} in Mailchimp, {contact.status} here: nothing to withdraw"
    if confirmed_after_change(contact, member):
        # A fresh confirmation here is newer than Mailchimp's unsubscribe: the site's own
        # change, which only an explicit subscribe carries to Mailchimp (where Mailchimp
        # refuses, it mails its own opt-in). Make sure one is on its way.
        return ensure_explicit_subscribe(contact)
    changed_at = mailchimp_time(member.get("last_changed"))
    contact.status = Contact.Status.UNSUBSCRIBED
    contact.unsubscribed_at = changed_at or timezone.now()
    contact.save(update_fields=["status", "unsubscribed_at"])
    text = WITHDRAWAL_TEXTS.get(status, WITHDRAWAL_TEXTS["unsubscribed"])
    # GDPR Art. 7(3): a withdrawal is recorded like the consent it ends.
    ConsentEvent.objects.record(
        contact,
        purpose=NEWSLETTER,
        text=text,
        channel=source,
        withdrawn=True,
        occurred_at=contact.unsubscribed_at,
    )
    supersede_subscribing_jobs(contact, f"Superseded: {text[0].lower()}{text[1:]}")
    return UNSUBSCRIBED


def ensure_explicit_subscribe(contact) -> str:
    """Queue the explicit subscribe that carries the newer confirmation here to Mailchimp,
    unless one is on its way or already failed for good. Returns the outcome."""
    outcome = explicit_subscribe_outcome(contact)
    if outcome == SUBSCRIBE_QUEUED:
        enqueue_sync(contact, payload={"status": "subscribed"})
    return outcome


def explicit_subscribe_outcome(contact) -> str:
    """What ensure_explicit_subscribe() comes to, without queueing anything."""
    jobs = contact.sync_jobs.filter(EXPLICIT_SUBSCRIBE)
    if jobs.filter(state__in=IN_FLIGHT).exists():
        return SUBSCRIBE_ON_ITS_WAY
    last = jobs.order_by("-pk").first()
    if last and last.state == SyncJob.State.FAILED and last.created_at >= contact.confirmed_at:
        # Refused for good since the confirmation (the reason is on the sync screen): queued
        # again with every webhook and nightly run, it would only fail the same way.
        return SUBSCRIBE_FAILED
    return SUBSCRIBE_QUEUED


def withdraw_gone(email: str, event: WebhookEvent, *, source: str) -> str:
    """An unsubscribe or cleaned event about a member the API no longer has: deleted in
    Mailchimp (for good, or archived and then purged), which ends the subscription too."""
    contact = Contact.objects.select_for_update().filter(email_key=normalise_email(email)).first()
    if contact is None:
        return "no such member in Mailchimp, no contact here: nothing to apply"
    # With no member there is no last_changed: the first delivery's arrival is the latest
    # the deletion can have happened, so only a confirmation here after it is newer.
    gone = {"email_address": email, "status": "gone", "last_changed": event.received_at.isoformat()}
    return "no longer a member in Mailchimp: " + withdraw(contact, gone, source=source)


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
        if contact.sync_state == Contact.SyncState.AWAITING_MAILCHIMP:
            # Mailchimp refused the site's subscribe (compliance state) and mailed its own
            # opt-in; the person has now confirmed it, so both sides agree.
            waiting = contact.sync_jobs.filter(state__in=IN_FLIGHT).exists()
            contact.sync_state = Contact.SyncState.QUEUED if waiting else Contact.SyncState.SYNCED
            contact.last_sync_error = ""
            contact.last_synced_at = timezone.now()
            contact.save(update_fields=["sync_state", "last_sync_error", "last_synced_at"])
            return OPT_IN_DONE
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
        wake(contact.pk)
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
    ConsentEvent.objects.record(
        contact,
        purpose=NEWSLETTER,
        text=SUBSCRIBED_IN_MAILCHIMP,
        channel=source,
        occurred_at=contact.confirmed_at,
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


def apply_event(
    event_id: int, email: str, old_email: str = "", attempt: int = 0
) -> tuple[datetime.datetime, int] | None:
    """Re-read the member a webhook was about and apply Mailchimp's state, once.

    The member is read with no transaction open (the call can take MAILCHIMP_TIMEOUT, and
    on SQLite an open write transaction stalls the whole site); the event row is then
    locked and `applied_at` checked again, so Mailchimp's retries and a repeated task
    change nothing twice. `email` is the address to read (for `upemail` the new one).

    Whatever fails, Mailchimp or a bug here, rolls the change back and is tried again with
    the outbox's backoff: an event is never left unapplied with nothing scheduled. Returns
    when to try again and that attempt's number, for the task to defer itself (None: done,
    or given up). Only a call made inside a transaction (TransactionOpenError) is raised: a
    programming error that retrying cannot fix.
    """
    event = WebhookEvent.objects.filter(pk=event_id, applied_at=None).first()
    if event is None:
        return None
    if not mailchimp.is_configured():
        WebhookEvent.objects.filter(pk=event_id).update(
            outcome="not applied: Mailchimp sync is off"
        )
        return None
    try:
        read_and_apply(event, email, old_email)
    except TransactionOpenError:
        raise
    except Exception as error:
        if not isinstance(error, mailchimp.MailchimpError):
            logger.exception("Unexpected error applying Mailchimp webhook event %s", event_id)
        return retry_or_give_up(event, error, attempt)
    return None


def read_and_apply(event: WebhookEvent, email: str, old_email: str) -> None:
    member = mailchimp.get_member(email)
    old_member = None
    moved = normalise_email(old_email) != normalise_email(email)  # not a change of case only
    if event.event_type == "upemail" and member is not None and moved:
        old_member = mailchimp.get_member(old_email)
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event.pk).first()
        if event is None or event.applied_at is not None:
            return  # applied by a repeated task while the member was read
        if event.event_type == "upemail":
            outcome = apply_address_change(old_email, member, old_member)
        elif member is None and event.event_type in WITHDRAWN_IF_GONE:
            outcome = withdraw_gone(email, event, source=WEBHOOK_SOURCE)
        elif member is None:
            outcome = "no such member in Mailchimp: nothing to apply"
        else:
            outcome = apply_member(
                member,
                source=WEBHOOK_SOURCE,
                update_names=event.event_type in ("profile", "subscribe"),
            )
        event.applied_at, event.outcome = timezone.now(), outcome[:200]
        event.save(update_fields=["applied_at", "outcome"])


def apply_address_change(old_email: str, member: dict | None, old_member: dict | None) -> str:
    """`upemail` only once the API shows the change: the new address is a member, and the
    old one is not (gone under its hash, or archived). Anyone who learns the webhook URL
    could otherwise move a contact, and its consent records, onto their own address."""
    moved = member is not None and (old_member is None or old_member.get("status") == "archived")
    if not moved:
        return NOT_CONFIRMED_BY_API
    return change_address(old_email, member, source=WEBHOOK_SOURCE)


def retry_or_give_up(event, error, attempt: int) -> tuple[datetime.datetime, int] | None:
    """The outbox's policy: temporary failures again after a jittered backoff for up to 24
    hours, permanent ones not at all; the nightly reconciliation catches what is left. Any
    error that is not Mailchimp's (a bug, a database hiccup) counts as temporary. Returns
    the retry's time and attempt number, or None when the event is given up."""
    now = timezone.now()
    reason = str(error) if isinstance(error, mailchimp.MailchimpError) else repr(error)
    retry = None
    if not getattr(error, "retryable", True):
        outcome = f"failed: {reason}"
    elif now - event.received_at >= RETRY_WINDOW:
        outcome = f"failed: gave up after 24 hours: {reason}"
    else:
        outcome = f"retrying: {reason}"
        retry = now + datetime.timedelta(seconds=backoff_seconds(attempt + 1)), attempt + 1
    # Not over an outcome written meanwhile by a repeated task that did apply the event.
    WebhookEvent.objects.filter(pk=event.pk, applied_at=None).update(outcome=outcome[:200])
    logger.warning("Mailchimp webhook event %s not applied: %s", event.pk, reason)
    return retry
