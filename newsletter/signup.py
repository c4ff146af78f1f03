"""The sign-up service: store first, then let the worker talk to the outside world.

`sign_up()` is what forms call (the newsletter block, lead-magnet pages); it knows nothing
of who calls it beyond a purpose, its consent text and tags.
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from legal.models import LegalKind, PolicyVersion

from .models import Contact, SignupConsent, Suppression, SyncJob, normalise_email

CONFIRM_SALT = "newsletter.confirm.v1"
# Sent after a contact confirms; lead magnets listen to deliver their resource.
contact_confirmed = Signal()  # kwargs: contact, purposes


@dataclass
class Consent:
    purpose: str
    text: str


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@transaction.atomic
def sign_up(
    *,
    email,
    first_name,
    consents,
    tags=(),
    last_name="",
    phone="",
    source_page=None,
    source_url="",
    always_confirm=False,
    cookie_consent_id="",
):
    """Store the contact, one consent record per purpose and the sync job in one
    transaction, and schedule the confirmation mail once it commits.

    `always_confirm` asks even a subscribed contact to confirm (a lead magnet is delivered
    only to someone who proves the address is theirs). `cookie_consent_id` is the visitor's
    pseudonymous cookie-consent id, kept so access and erasure requests reach those records.

    Returns (contact, mail_scheduled). The caller answers the same either way, so nobody can
    tell from the response whether an address was already on the list.
    """
    from .tasks import send_confirmation

    contact, created = Contact.objects.select_for_update().get_or_create(
        email_key=normalise_email(email),
        defaults={
            "email": email.strip(),
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
        },
    )
    if created and Suppression.covers(email):
        # GDPR Art. 17: an erased address that comes back is kept apart for an editor to
        # see; Mailchimp itself refuses to re-import it ("Forgotten Email Not Subscribed").
        contact.returned_after_erasure = True
    if not created and contact.status == Contact.Status.PENDING:
        # Still unconfirmed: the newest details win.
        contact.first_name, contact.last_name = first_name, last_name or contact.last_name
        contact.phone = phone or contact.phone
    privacy = PolicyVersion.objects.in_force(LegalKind.PRIVACY)
    for consent in consents:
        SignupConsent.objects.create(
            contact=contact,
            purpose=consent.purpose,
            consent_text=consent.text,
            text_sha256=text_hash(consent.text),
            privacy_version=privacy,
            source_page=source_page,
            source_url=source_url[:500],
            cookie_consent_id=cookie_consent_id[:40],
        )
    contact.tags = sorted(set(contact.tags) | set(tags))
    mail_due = _confirmation_due(contact, always_confirm)
    if mail_due:
        contact.confirmation_sent_at = timezone.now()
    contact.save()
    enqueue_sync(contact, tags=list(tags))
    if mail_due:
        purposes = [consent.purpose for consent in consents]
        transaction.on_commit(lambda: send_confirmation.enqueue(contact.pk, purposes))
    return contact, mail_due


def _confirmation_due(contact, always_confirm=False) -> bool:
    """Pending contacts get a confirmation mail, at most one per resend interval."""
    if contact.status != Contact.Status.PENDING and not always_confirm:
        return False
    if contact.status == Contact.Status.CLEANED:
        return False
    if contact.confirmation_sent_at is None:
        return True
    interval = timezone.timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES)
    return timezone.now() - contact.confirmation_sent_at >= interval


def enqueue_sync(contact, *, tags=(), kind=SyncJob.Kind.UPSERT, payload=None):
    """Add a job to the outbox; the worker picks it up once the transaction commits."""
    from .tasks import HELD_UNTIL_CONFIRMED, sync_contact

    job = SyncJob.objects.create(contact=contact, kind=kind, tags=list(tags), payload=payload or {})
    if contact.is_confirmed or kind not in HELD_UNTIL_CONFIRMED:
        Contact.objects.filter(pk=contact.pk).update(sync_state=Contact.SyncState.QUEUED)
        transaction.on_commit(lambda: sync_contact.enqueue(contact.pk))
    return job


def confirmation_token(contact, purposes) -> str:
    return signing.dumps({"c": contact.pk, "p": list(purposes)}, salt=CONFIRM_SALT)


def read_confirmation_token(token: str) -> dict | None:
    max_age = settings.NEWSLETTER_CONFIRM_DAYS * 24 * 60 * 60
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    return data


def truncated_address(address: str) -> str:
    """The network, never the full address: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@transaction.atomic
def confirm(contact_id: int, purposes, *, user_agent: str, remote_addr: str):
    """Record the confirming request as proof and release the contact's held sync jobs."""
    from .tasks import sync_contact

    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None or contact.status == Contact.Status.CLEANED:
        return None
    if contact.status in (Contact.Status.PENDING, Contact.Status.UNSUBSCRIBED):
        returning = contact.status == Contact.Status.UNSUBSCRIBED and contact.is_confirmed
        contact.status = Contact.Status.SUBSCRIBED
        contact.confirmed_at = timezone.now()
        contact.confirmation_proof = {
            "at": contact.confirmed_at.isoformat(),
            "user_agent": user_agent[:300],
            "network": truncated_address(remote_addr),
            "purposes": list(purposes),
        }
        contact.sync_state = Contact.SyncState.QUEUED
        contact.save()
        if returning:
            # Back after an unsubscribe: Mailchimp keeps the member unsubscribed unless told
            # explicitly, which this fresh confirmation allows.
            enqueue_sync(contact, kind=SyncJob.Kind.RESUBSCRIBE)
        else:
            contact.sync_jobs.filter(state=SyncJob.State.QUEUED).update(
                next_attempt_at=timezone.now()
            )
            transaction.on_commit(lambda: sync_contact.enqueue(contact.pk))
    # Receivers (lead magnets) deliver what the person asked for and return next steps,
    # e.g. {"label": "Download the guide", "url": ...}, shown on the confirmation page.
    responses = contact_confirmed.send(sender=Contact, contact=contact, purposes=list(purposes))
    contact.next_steps = [step for _receiver, step in responses if step]
    return contact
