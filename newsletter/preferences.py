"""The preference centre: one signed link per contact to see what they receive (the
newsletter and its topics), change it, or leave everything.

Like unsubscribe links, the link (made and read by `links`) has no expiry, survives a
SECRET_KEY rotation and names the contact by its random `link_key`, never by its database
id or address. Every change is a consent record and goes to Mailchimp through the outbox;
switching the newsletter off is the same unsubscribe as the link in every mail, and
switching it on again only ever sends a fresh confirmation.
"""

from dataclasses import dataclass, field

from django.db import transaction

from .legacy_links import read_legacy_preferences_token
from .links import read_preferences_token
from .models import ConsentChannel, ConsentEvent, Contact, SyncJob
from .outbox import enqueue_sync
from .signup import request_confirmation
from .texts import NEWSLETTER, NEWSLETTER_TEXT, topic_text
from .unsubscribe import end_subscription

CHANNEL = ConsentChannel.PREFERENCE_CENTRE


def contact_for_token(token: str) -> Contact | None:
    key = read_preferences_token(token)
    if key is not None:
        return Contact.objects.filter(link_key=key).first()
    contact_id = read_legacy_preferences_token(token)
    if contact_id is not None:
        return Contact.objects.filter(pk=contact_id).first()
    return None


def masked_address(email: str) -> str:
    """Enough of the address to recognise it, not enough to read it off a forwarded link."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}" if local else "…"


def receives_newsletter(contact) -> bool:
    """On, or on as soon as the person confirms a sign-up that asked for it."""
    if contact.status == Contact.Status.SUBSCRIBED:
        return True
    return contact.status == Contact.Status.PENDING and any(
        NEWSLETTER in request.purposes
        for request in contact.signup_requests.filter(confirmed_at=None)
    )


@dataclass
class PreferenceChanges:
    # "", "unsubscribed", "confirmation_sent", "confirmation_recently_sent" or "bounced"
    newsletter: str = ""
    topics: dict[str, bool] = field(default_factory=dict)

    def __bool__(self):
        return bool(self.newsletter or self.topics)


@transaction.atomic
def update_preferences(contact, *, newsletter: bool, topics) -> PreferenceChanges:
    """Apply the person's choices: each change is a consent record (GDPR Art. 7(1) and
    7(3)) and reaches Mailchimp through one outbox job per kind of change."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changes = PreferenceChanges()

    def record(purpose: str, text: str, *, withdrawn: bool) -> None:
        ConsentEvent.objects.record(
            contact, purpose=purpose, text=text, channel=CHANNEL, withdrawn=withdrawn
        )

    chosen = {topic.slug: topic for topic in topics}
    current = {topic.slug: topic for topic in contact.topics.all()}
    for slug, topic in sorted(chosen.items()):
        if slug not in current:
            record(topic.tag, topic_text(topic), withdrawn=False)
            changes.topics[slug] = True
    for slug, topic in sorted(current.items()):
        if slug not in chosen:
            record(topic.tag, topic_text(topic), withdrawn=True)
            changes.topics[slug] = False
    if changes.topics:
        contact.topics.set(chosen.values())
        # Held like the sign-up itself while the contact is unconfirmed.
        enqueue_sync(contact, kind=SyncJob.Kind.TOPICS, payload={"topics": changes.topics})

    # After the topics: unsubscribing an unconfirmed contact also drops their held topic job.
    if not newsletter and receives_newsletter(contact):
        end_subscription(contact, purpose=NEWSLETTER, text=NEWSLETTER_TEXT, channel=CHANNEL)
        changes.newsletter = "unsubscribed"
    elif newsletter and contact.status == Contact.Status.CLEANED:
        changes.newsletter = "bounced"  # Mailchimp refuses cleaned addresses; nothing to send
    elif newsletter and contact.status != Contact.Status.SUBSCRIBED:
        # Never subscribed directly: only the fresh confirmation does that, and records the
        # consent to these words then.
        sent = request_confirmation(
            contact, [NEWSLETTER], channel=CHANNEL, texts={NEWSLETTER: NEWSLETTER_TEXT}
        )
        changes.newsletter = "confirmation_sent" if sent else "confirmation_recently_sent"
    return changes


def leave_everything(contact) -> PreferenceChanges:
    """GDPR Art. 7(3): withdrawing must be as easy as giving consent, so one button."""
    return update_preferences(contact, newsletter=False, topics=[])
