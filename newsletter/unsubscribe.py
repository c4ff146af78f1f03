"""Unsubscribe links: one per contact and purpose, signed with their own salt, without
expiry, and still valid after a SECRET_KEY rotation (Django's Signer tries
SECRET_KEY_FALLBACKS)."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Contact, SignupConsent, SyncJob

SALT = "newsletter.unsubscribe.v1"


def unsubscribe_token(contact, purpose: str = "newsletter") -> str:
    return signing.Signer(salt=SALT).sign_object({"c": contact.pk, "p": purpose})


def read_unsubscribe_token(token: str) -> dict | None:
    """The token's contact id and purpose, or None: forged, tampered, truncated and
    foreign-salt tokens all fail the signature check."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    if not isinstance(data.get("p"), str):
        return None
    return data


def unsubscribe_url(contact, purpose: str = "newsletter") -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("newsletter:unsubscribe", args=[unsubscribe_token(contact, purpose)])


def list_unsubscribe_headers(contact, purpose: str = "newsletter") -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(contact, purpose)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@transaction.atomic
def unsubscribe(token: str) -> Contact | None:
    """Unsubscribe the token's contact; a second use changes nothing more."""
    from .signup import enqueue_sync

    data = read_unsubscribe_token(token)
    if data is None:
        return None
    contact = Contact.objects.select_for_update().filter(pk=data["c"]).first()
    if contact is None or contact.status == Contact.Status.UNSUBSCRIBED:
        return contact
    was_synced_member = contact.is_confirmed
    contact.status = Contact.Status.UNSUBSCRIBED
    contact.unsubscribed_at = timezone.now()
    contact.save(update_fields=["status", "unsubscribed_at"])
    SignupConsent.objects.create(
        contact=contact,
        purpose=data["p"],
        withdrawn=True,
        consent_text="Unsubscribed with the link in a mail.",
        text_sha256="",
        source_url="unsubscribe-link",
    )
    # Held sign-up jobs of an unconfirmed contact must never reach Mailchimp now.
    contact.sync_jobs.filter(
        state__in=[SyncJob.State.QUEUED, SyncJob.State.RETRYING], kind=SyncJob.Kind.UPSERT
    ).update(
        state=SyncJob.State.DONE,
        finished_at=timezone.now(),
        last_error="Superseded by unsubscribe.",
    )
    if was_synced_member:
        # After any pending sync of this contact, in order (the outbox runs jobs by id).
        enqueue_sync(contact, kind=SyncJob.Kind.UNSUBSCRIBE)
    return contact


@transaction.atomic
def request_resubscribe(token: str) -> Contact | None:
    """Undo: never re-subscribes by itself, only sends a fresh confirmation mail."""
    from .tasks import send_confirmation

    data = read_unsubscribe_token(token)
    if data is None:
        return None
    contact = Contact.objects.select_for_update().filter(pk=data["c"]).first()
    if contact is None or contact.status != Contact.Status.UNSUBSCRIBED:
        return contact
    # At most one undo mail per resend interval after the unsubscribe.
    interval = timezone.timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES)
    last = contact.confirmation_sent_at
    if last and last > contact.unsubscribed_at and timezone.now() - last < interval:
        return contact
    contact.confirmation_sent_at = timezone.now()
    contact.save(update_fields=["confirmation_sent_at"])
    transaction.on_commit(lambda: send_confirmation.enqueue(contact.pk, [data["p"]]))
    return contact
