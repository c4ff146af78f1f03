"""Unsubscribe links: one per contact and purpose, signed with their own salt, without
expiry, and still valid after a SECRET_KEY rotation (Django's Signer tries
SECRET_KEY_FALLBACKS). The token names the contact by its random `link_key`: no database
id, no address."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .legacy_links import read_legacy_unsubscribe_token
from .models import ConsentChannel, ConsentEvent, Contact, SyncJob

# v2: {"k": link key, "p": purpose}. v1 carried the contact id (legacy_links.py).
SALT = "newsletter.unsubscribe.v2"


def unsubscribe_token(contact, purpose: str = "newsletter") -> str:
    return signing.Signer(salt=SALT).sign_object({"k": contact.link_key, "p": purpose})


def read_unsubscribe_token(token: str) -> dict | None:
    """The token's contact key and purpose ({"k": ..., "p": ...}), or None: forged,
    tampered, truncated and foreign-salt tokens all fail the signature check."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    if not isinstance(data.get("p"), str):
        return None
    return data


def link_target(token: str) -> tuple[dict, str] | None:
    """How to find the link's contact (a filter on its key, or on its id for a link of the
    old format) and the purpose the link leaves; None for anything not signed by the site."""
    data = read_unsubscribe_token(token)
    if data is not None:
        return {"link_key": data["k"]}, data["p"]
    legacy = read_legacy_unsubscribe_token(token)
    if legacy is not None:
        contact_id, purpose = legacy
        return {"pk": contact_id}, purpose
    return None


def contact_for_unsubscribe_token(token: str) -> Contact | None:
    target = link_target(token)
    return Contact.objects.filter(**target[0]).first() if target else None


def unsubscribe_url(contact, purpose: str = "newsletter") -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("newsletter:unsubscribe", args=[unsubscribe_token(contact, purpose)])


def list_unsubscribe_headers(contact, purpose: str = "newsletter") -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    url = unsubscribe_url(contact, purpose)
    headers = {"List-Unsubscribe": f"<{url}>"}
    # RFC 8058 §3.1: the one-click URI must be HTTPS; over http the link alone goes out.
    if urlsplit(url).scheme == "https":
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


@transaction.atomic
def unsubscribe(token: str) -> Contact | None:
    """Unsubscribe the token's contact; a second use changes nothing more."""
    target = link_target(token)
    if target is None:
        return None
    lookup, purpose = target
    contact = Contact.objects.select_for_update().filter(**lookup).first()
    if contact is not None:
        end_subscription(
            contact,
            purpose=purpose,
            text="Unsubscribed with the link in a mail.",
            channel=ConsentChannel.UNSUBSCRIBE_LINK,
        )
    return contact


def end_subscription(contact, *, purpose: str, text: str, channel: str) -> bool:
    """Unsubscribe a contact locked by the caller's transaction: the withdrawal is recorded
    like a consent and reaches Mailchimp through the outbox. The one way out, shared by the
    link in every mail and the preference centre; False when there was nothing to end."""
    from .signup import enqueue_sync

    if contact.status == Contact.Status.UNSUBSCRIBED:
        return False
    was_synced_member = contact.is_confirmed
    contact.status = Contact.Status.UNSUBSCRIBED
    contact.unsubscribed_at = timezone.now()
    contact.save(update_fields=["status", "unsubscribed_at"])
    # GDPR Art. 7(3): withdrawing is recorded like the consent it ends.
    ConsentEvent.objects.record(
        contact, purpose=purpose, text=text, channel=channel, withdrawn=True
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
    target = link_target(token)
    if target is None:
        return None
    lookup, purpose = target
    contact = Contact.objects.select_for_update().filter(**lookup).first()
    if contact is not None:
        ask_to_confirm_again(contact, [purpose])
    return contact


def ask_to_confirm_again(contact, purposes) -> bool:
    """Mail an unsubscribed contact (locked by the caller) a fresh confirmation link; only
    confirming it subscribes again. At most one mail per resend interval; False when no
    mail goes out."""
    from .signup import request_confirmation

    if contact.status == Contact.Status.SUBSCRIBED:
        return False
    undo = ConsentChannel.UNSUBSCRIBE_UNDO
    return request_confirmation(contact, purposes, channel=undo) is not None
