"""The right to erasure (GDPR Art. 17): delete everything held about an address, here in one
transaction and in Mailchimp through the outbox."""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from legal.models import ConsentRecord

from .. import mailchimp, outbox
from ..models import (
    ConsentEvent,
    Contact,
    DataRequest,
    SignupRequest,
    Suppression,
    SyncJob,
    WebhookEvent,
    email_hashes,
    normalise_email,
)
from .log import new_request


@transaction.atomic
def erase_personal_data(email: str, *, source, user=None, data_request=None) -> DataRequest:
    """GDPR Art. 17: delete everything held about `email` in one transaction and keep only
    a keyed hash, so the address is not re-imported unnoticed; ask Mailchimp, through the
    outbox, to delete the member permanently (Art. 28(3)(g): the processor erases too)."""
    now = timezone.now()
    logged = data_request or new_request(DataRequest.Kind.ERASURE, email, source=source, user=user)
    logged.confirmed_at = logged.confirmed_at or now
    logged.completed_at = now
    # Other public-form requests still waiting for their link hold the address as typed.
    waiting = DataRequest.objects.filter(email_hash__in=email_hashes(email))
    waiting.exclude(pending_email="").update(pending_email="")
    contacts = list(Contact.objects.select_for_update().filter(email_key=normalise_email(email)))
    if not contacts:
        logged.status, logged.outcome = DataRequest.Status.NOTHING_HELD, {}
        logged.save()
        return logged
    cookie_ids = {
        consent_id
        for model in (ConsentEvent, SignupRequest)
        for consent_id in model.objects.filter(contact__in=contacts)
        .exclude(cookie_consent_id="")
        .values_list("cookie_consent_id", flat=True)
    }
    ever_synced = any(contact.last_synced_at for contact in contacts)
    member_hash = mailchimp.subscriber_hash(email)
    deleted = Counter()
    for contact in contacts:
        # Cascades: consents, outbox jobs and their attempts, topics, lead-magnet grants.
        deleted.update(contact.delete()[1])
    # The cookie decisions made in the same browser (ConsentRecord is append-only, which
    # forbids changes, not deletion on request).
    deleted.update(ConsentRecord.objects.filter(consent_id__in=cookie_ids).delete()[1])
    deleted.update(WebhookEvent.objects.filter(subscriber_hash=member_hash).delete()[1])
    Suppression.add(email)
    logged.status = DataRequest.Status.DONE
    logged.outcome = {
        "deleted": {label: count for label, count in sorted(deleted.items()) if count},
        "suppressed": True,
    }
    if mailchimp.is_configured():
        logged.save()  # the job refers to it
        outbox.queue_erasure(member_hash, logged.pk)
        logged.outcome["mailchimp"] = "queued"
    elif ever_synced:
        logged.outcome["mailchimp"] = (
            "not sent: Mailchimp sync is switched off; delete the member in Mailchimp by hand"
        )
    else:
        logged.outcome["mailchimp"] = "not needed: never synced"
    logged.save()
    return logged


@transaction.atomic
def retry_mailchimp_erasure(logged: DataRequest) -> bool:
    """Put a failed Mailchimp deletion back in the outbox, due now."""
    job = SyncJob.objects.filter(
        contact=None,
        kind=SyncJob.Kind.ERASE,
        state=SyncJob.State.FAILED,
        payload__data_request=logged.pk,
    ).first()
    if job is None:
        return False
    outbox.requeue_erasure(job)
    logged.outcome = {**logged.outcome, "mailchimp": "queued again"}
    logged.save(update_fields=["outcome"])
    return True
