"""Leaving: the unsubscribe link in every mail (one per contact and purpose, without
expiry, made and read by `links`), its undo, and `end_subscription`, the one way out that
the preference centre takes too."""

from django.db import transaction
from django.utils import timezone

from .legacy_links import read_legacy_unsubscribe_token
from .links import read_unsubscribe_token
from .models import ConsentChannel, ConsentEvent, Contact, SyncJob
from .outbox import enqueue_sync
from .signup import request_confirmation
from .texts import UNSUBSCRIBED_WITH_LINK


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
            text=UNSUBSCRIBED_WITH_LINK,
            channel=ConsentChannel.UNSUBSCRIBE_LINK,
        )
    return contact


def end_subscription(contact, *, purpose: str, text: str, channel: str) -> bool:
    """Unsubscribe a contact locked by the caller's transaction: the withdrawal is recorded
    like a consent and reaches Mailchimp through the outbox. The one way out, shared by the
    link in every mail and the preference centre; False when there was nothing to end."""
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
    if contact.status == Contact.Status.SUBSCRIBED:
        return False
    undo = ConsentChannel.UNSUBSCRIBE_UNDO
    return request_confirmation(contact, purposes, channel=undo) is not None
