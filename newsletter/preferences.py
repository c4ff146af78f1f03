"""The preference centre: one signed link per contact to see what they receive (the
newsletter and its topics), change it, or leave everything.

Like unsubscribe links, the token has its own salt and no expiry, survives a SECRET_KEY
rotation (Django's Signer tries SECRET_KEY_FALLBACKS) and names the contact by its random
`link_key`, never by its database id or address. Every change is a consent record and
goes to Mailchimp through the outbox; switching the newsletter off is the same unsubscribe
as the link in every mail, and switching it on again only ever sends a fresh confirmation.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .legacy_links import read_legacy_preferences_token
from .models import ConsentChannel, ConsentEvent, Contact, SyncJob
from .signup import enqueue_sync, request_confirmation
from .unsubscribe import end_subscription

# v2: {"k": link key}. v1 carried the contact id (legacy_links.py).
SALT = "newsletter.preferences.v2"
CHANNEL = ConsentChannel.PREFERENCE_CENTRE
# The words next to the newsletter switch, stored word for word with each change.
NEWSLETTER_TEXT = (
    "Send me the newsletter by e-mail. I can switch it off here or with the link in every mail."
)


def preferences_token(contact) -> str:
    return signing.Signer(salt=SALT).sign_object({"k": contact.link_key})


def read_preferences_token(token: str) -> str | None:
    """The token's contact key, or None: forged, tampered, truncated and foreign-salt
    tokens all fail the signature check."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    return data["k"]


def contact_for_token(token: str) -> Contact | None:
    key = read_preferences_token(token)
    if key is not None:
        return Contact.objects.filter(link_key=key).first()
    contact_id = read_legacy_preferences_token(token)
    if contact_id is not None:
        return Contact.objects.filter(pk=contact_id).first()
    return None


def preferences_url(contact) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("newsletter:preferences", args=[preferences_token(contact)])


def masked_address(email: str) -> str:
    """Enough of the address to recognise it, not enough to read it off a forwarded link."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}" if local else "…"


def topic_text(topic) -> str:
    """The words next to a topic's checkbox, stored word for word with each change."""
    return f"{topic.name}: {topic.description}" if topic.description else topic.name


def receives_newsletter(contact) -> bool:
    """On, or on as soon as the person confirms a sign-up that asked for it."""
    if contact.status == Contact.Status.SUBSCRIBED:
        return True
    return contact.status == Contact.Status.PENDING and any(
        "newsletter" in request.purposes
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
        end_subscription(contact, purpose="newsletter", text=NEWSLETTER_TEXT, channel=CHANNEL)
        changes.newsletter = "unsubscribed"
    elif newsletter and contact.status == Contact.Status.CLEANED:
        changes.newsletter = "bounced"  # Mailchimp refuses cleaned addresses; nothing to send
    elif newsletter and contact.status != Contact.Status.SUBSCRIBED:
        # Never subscribed directly: only the fresh confirmation does that, and records the
        # consent to these words then.
        sent = request_confirmation(
            contact, ["newsletter"], channel=CHANNEL, texts={"newsletter": NEWSLETTER_TEXT}
        )
        changes.newsletter = "confirmation_sent" if sent else "confirmation_recently_sent"
    return changes


def leave_everything(contact) -> PreferenceChanges:
    """GDPR Art. 7(3): withdrawing must be as easy as giving consent, so one button."""
    return update_preferences(contact, newsletter=False, topics=[])
