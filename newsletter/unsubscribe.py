"""Unsubscribe links: one per contact and purpose, signed with their own salt, without
expiry, and still valid after a SECRET_KEY rotation (Django's Signer tries
SECRET_KEY_FALLBACKS)."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from legal.models import LegalKind, PolicyVersion

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
    data = read_unsubscribe_token(token)
    if data is None:
        return None
    contact = Contact.objects.select_for_update().filter(pk=data["c"]).first()
    if contact is not None:
        end_subscription(
            contact,
            purpose=data["p"],
            consent_text="Unsubscribed with the link in a mail.",
            source_url="unsubscribe-link",
        )
    return contact


def end_subscription(contact, *, purpose: str, consent_text: str, source_url: str) -> bool:
    """Unsubscribe a contact locked by the caller's transaction: the withdrawal is recorded
    like a consent and reaches Mailchimp through the outbox. The one way out, shared by the
    link in every mail and the preference centre; False when there was nothing to end."""
    from .signup import enqueue_sync, text_hash

    if contact.status == Contact.Status.UNSUBSCRIBED:
        return False
    was_synced_member = contact.is_confirmed
    contact.status = Contact.Status.UNSUBSCRIBED
    contact.unsubscribed_at = timezone.now()
    contact.save(update_fields=["status", "unsubscribed_at"])
    # GDPR Art. 7(3): withdrawing is recorded like the consent it ends.
    SignupConsent.objects.create(
        contact=contact,
        purpose=purpose,
        withdrawn=True,
        consent_text=consent_text,
        text_sha256=text_hash(consent_text),
        privacy_version=PolicyVersion.objects.in_force(LegalKind.PRIVACY),
        source_url=source_url,
    )
    # Held sign-up jobs must never reach Mailchimp now; an unconfirmed contact is no member
    # there at all, so its held topic changes go too.
    held = [SyncJob.Kind.UPSERT]
    if not was_synced_member:
        held.append(SyncJob.Kind.TOPICS)
    contact.sync_jobs.filter(
        state__in=[SyncJob.State.QUEUED, SyncJob.State.RETRYING], kind__in=held
    ).update(
        state=SyncJob.State.DONE,
        finished_at=timezone.now(),
        last_error="Superseded by unsubscribe.",
    )
    if was_synced_member:
        # After any pending sync of this contact, in order (the outbox runs jobs by id).
        enqueue_sync(contact, kind=SyncJob.Kind.UNSUBSCRIBE)
    return True


@transaction.atomic
def request_resubscribe(token: str) -> Contact | None:
    """Undo: never re-subscribes by itself, only sends a fresh confirmation mail."""
    data = read_unsubscribe_token(token)
    if data is None:
        return None
    contact = Contact.objects.select_for_update().filter(pk=data["c"]).first()
    if contact is not None:
        ask_to_confirm_again(contact, [data["p"]])
    return contact


def ask_to_confirm_again(contact, purposes) -> bool:
    """Mail an unsubscribed contact (locked by the caller) a fresh confirmation link; only
    confirming it subscribes again. At most one mail per resend interval after the
    unsubscribe; False when no mail goes out."""
    from .signup import enqueue_sync
    from .tasks import send_confirmation

    if contact.status != Contact.Status.UNSUBSCRIBED:
        return False
    interval = timezone.timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES)
    last = contact.confirmation_sent_at
    if last and last > contact.unsubscribed_at and timezone.now() - last < interval:
        return False
    contact.confirmation_sent_at = timezone.now()
    contact.save(update_fields=["confirmation_sent_at"])
    held = contact.sync_jobs.filter(kind=SyncJob.Kind.UPSERT, state=SyncJob.State.QUEUED)
    if not contact.is_confirmed and not held.exists():
        # Never confirmed: the unsubscribe dropped the held sign-up and topic jobs, so hold
        # fresh ones for this confirmation to release.
        enqueue_sync(contact)
        chosen = dict.fromkeys(contact.topics.values_list("slug", flat=True), True)
        if chosen:
            enqueue_sync(contact, kind=SyncJob.Kind.TOPICS, payload={"topics": chosen})
    purposes = list(purposes)
    transaction.on_commit(lambda: send_confirmation.enqueue(contact.pk, purposes))
    return True
