"""The sign-up service: store first, then let the worker talk to the outside world.

`sign_up()` is what forms call (the newsletter block, lead-magnet pages); it knows nothing
of who calls it beyond a purpose, its consent text and tags. `confirm()` is what the link
in the confirmation mail leads to; `request_confirmation()` mails a fresh link to someone
coming back (the unsubscribe page's undo, the preference centre).
"""

import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from legal.models import LegalKind, PolicyVersion

from . import tasks
from .mail_limits import claim_mail_slot
from .mailchimp import mailchimp_time
from .models import (
    ConsentChannel,
    ConsentEvent,
    Contact,
    SignupRequest,
    Suppression,
    SyncJob,
    normalise_email,
)
from .outbox import enqueue_sync
from .texts import DEFAULT_CONSENT_TEXTS, NEWSLETTER

# Sent after a contact confirms; lead magnets listen to deliver their resource.
contact_confirmed = Signal()  # kwargs: contact, purposes


@dataclass
class Consent:
    purpose: str
    text: str


def sign_up(
    *,
    email,
    first_name,
    consents,
    tags=(),
    last_name="",
    phone="",
    channel=ConsentChannel.FORM,
    page=None,
    page_url="",
    cookie_consent_id="",
    language="",
):
    """Store the sign-up as a request and mail its confirmation link once it commits.

    The request (what was asked for, the texts shown, where) is stored first, in one short
    transaction; nothing of it takes effect until the mailbox's owner confirms it
    (`confirm()`), so nobody can add a purpose, a tag or a consent record to another
    person's contact by typing their address. A subscribed contact asking only for the
    newsletter again needs no new request. `cookie_consent_id` is the visitor's
    pseudonymous cookie-consent id, kept so access and erasure requests reach those records.

    The mail takes a slot of the mailbox's hourly allowance (`mail_limits`), taken before
    anything is looked up, so that the answer depends on nothing held about the address.
    Without a free slot the request is stored all the same and no mail goes out.

    Returns (contact, request or None, held_until): `held_until` is None, or the time
    before which no mail goes to this mailbox, for the caller to say so. Nothing else of
    the outcome may show in the caller's answer, so nobody can tell from it whether an
    address was already on the list.
    """
    held_until = claim_mail_slot(email)
    with transaction.atomic():
        contact, created = Contact.objects.select_for_update().get_or_create(
            email_key=normalise_email(email),
            defaults={
                "email": email.strip(),
                "first_name": first_name,
                "last_name": last_name,
                "phone": phone,
                "language": language[:10],
            },
        )
        if created and Suppression.covers(email):
            # GDPR Art. 17: an erased address that comes back is kept apart for an editor to
            # see; Mailchimp itself refuses to re-import it ("Forgotten Email Not Subscribed").
            contact.returned_after_erasure = True
            contact.save(update_fields=["returned_after_erasure"])
        purposes = [consent.purpose for consent in consents]
        already = contact.status == Contact.Status.SUBSCRIBED and set(purposes) == {NEWSLETTER}
        if already or contact.status == Contact.Status.CLEANED:
            return contact, None, held_until  # nothing to confirm; a bounced address: no mail
        request = SignupRequest.objects.create(
            contact=contact,
            consents=[{"purpose": c.purpose, "text": c.text} for c in consents],
            tags=sorted(set(tags)),
            details={"first_name": first_name, "last_name": last_name, "phone": phone},
            privacy_version=PolicyVersion.objects.in_force(LegalKind.PRIVACY),
            channel=channel,
            page=page,
            page_url=page_url[:500],
            cookie_consent_id=cookie_consent_id[:40],
        )
        if held_until is None and _confirmation_due(contact):
            mail_confirmation(contact, request)
    return contact, request, held_until


def _confirmation_due(contact) -> bool:
    """At most one confirmation mail per address and resend interval: a form can't be used
    to flood someone's mailbox."""
    last = contact.confirmation_sent_at
    if last is None or (contact.unsubscribed_at and last < contact.unsubscribed_at):
        return True  # the first mail, or the first since the person unsubscribed
    interval = timezone.timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES)
    return timezone.now() - contact.confirmation_sent_at >= interval


def request_confirmation(contact, purposes, *, channel: str, texts=None) -> SignupRequest | None:
    """A fresh confirmation for a contact locked by the caller (the undo link, the
    preference centre's newsletter switch), for the words in `texts` ({purpose: text})
    or else the ones they last agreed to. None when no mail may go out now (it counts
    towards the mailbox's hourly allowance too)."""
    if contact.status == Contact.Status.CLEANED or not _confirmation_due(contact):
        return None
    if claim_mail_slot(contact.email) is not None:
        return None
    consents = []
    for purpose in purposes:
        text = (texts or {}).get(purpose)
        if text is None:
            given = contact.consent_events.filter(
                purpose=purpose, action=ConsentEvent.Action.GIVEN
            ).first()
            text = given.text if given else DEFAULT_CONSENT_TEXTS.get(purpose, "")
        consents.append({"purpose": purpose, "text": text})
    request = SignupRequest.objects.create(
        contact=contact,
        consents=consents,
        privacy_version=PolicyVersion.objects.in_force(LegalKind.PRIVACY),
        channel=channel,
    )
    mail_confirmation(contact, request)
    return request


def mail_confirmation(contact, request) -> None:
    """Note the mail (it counts towards the resend interval) and send it once the
    transaction commits."""
    contact.confirmation_sent_at = request.mailed_at = timezone.now()
    contact.save(update_fields=["confirmation_sent_at"])
    request.save(update_fields=["mailed_at"])
    transaction.on_commit(lambda: tasks.send_confirmation.enqueue(request.pk))


def truncated_address(address: str) -> str:
    """The network, never the full address: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@dataclass
class Confirmation:
    """What a click on a confirmation link came to, for the page that answers it."""

    contact: Contact
    purposes: list[str]
    # The link was used before: nothing was done again (no second grant or mail).
    already_confirmed: bool = False
    # Next steps from receivers (lead magnets): [{"label": ..., "url": ...}].
    next_steps: list = field(default_factory=list)

    @property
    def newsletter(self) -> bool:
        return NEWSLETTER in self.purposes

    @property
    def mailchimp_refuses(self) -> bool:
        """The address was deleted from Mailchimp for good: the site can't add it back."""
        return self.newsletter and (
            self.contact.forgotten_in_mailchimp or self.contact.returned_after_erasure
        )


def confirm(request_key: str, *, user_agent: str, remote_addr: str) -> Confirmation | None:
    """Carry out a confirmed request, once: record its consents (with the time they were
    given and the policy version in force then), apply its tags and details, subscribe the
    newsletter where it was asked for, and queue what Mailchimp must learn. A second click
    changes nothing. None for an unknown request or a bounced address."""
    with transaction.atomic():
        request = SignupRequest.objects.select_for_update().filter(key=request_key).first()
        if request is None:
            return None
        contact = Contact.objects.select_for_update().get(pk=request.contact_id)
        if contact.status == Contact.Status.CLEANED:
            return None
        if request.confirmed_at is not None:
            return Confirmation(contact, request.purposes, already_confirmed=True)
        now = timezone.now()
        request.confirmed_at = now
        request.save(update_fields=["confirmed_at"])
        apply_request(contact, request, now, user_agent=user_agent, remote_addr=remote_addr)
        outcome = Confirmation(contact, request.purposes)
        # Receivers (lead magnets) deliver what the person asked for and return next steps,
        # e.g. {"label": "Download the guide", "url": ...}, shown on the confirmation page.
        responses = contact_confirmed.send(
            sender=Contact, contact=contact, purposes=request.purposes
        )
        outcome.next_steps = [step for _receiver, step in responses if step]
    return outcome


def apply_request(contact, request, now, *, user_agent: str, remote_addr: str) -> None:
    for consent in request.consents:
        # Given when the form was sent, to the words and policy version shown then.
        ConsentEvent.objects.record(
            contact,
            purpose=consent["purpose"],
            text=consent["text"],
            channel=request.channel,
            privacy_version=request.privacy_version,
            page=request.page,
            page_url=request.page_url,
            cookie_consent_id=request.cookie_consent_id,
            occurred_at=request.created_at,
        )
    details = request.details or {}
    for name in ("first_name", "last_name", "phone"):
        if details.get(name):  # the newest details win, once the mailbox confirmed them
            setattr(contact, name, details[name])
    contact.tags = sorted(set(contact.tags) | set(request.tags))
    newsletter = NEWSLETTER in request.purposes
    was_subscribed = contact.status == Contact.Status.SUBSCRIBED
    if newsletter or contact.confirmed_at is None:
        # The proof of the address (GDPR Art. 7(1)); a lead magnet asked for later does not
        # move the newsletter's opt-in time.
        contact.confirmed_at = now
        contact.confirmation_proof = {
            "at": now.isoformat(),
            "user_agent": user_agent[:300],
            "network": truncated_address(remote_addr),
            "purposes": request.purposes,
        }
    if newsletter:
        contact.status = Contact.Status.SUBSCRIBED
    elif contact.status == Contact.Status.PENDING:
        contact.status = Contact.Status.TRANSACTIONAL
    contact.save()
    payload = {
        "purposes": request.purposes,
        "signed_up_at": mailchimp_time(request.created_at),
    }
    # Topics chosen in the preference centre before confirming waited for it; they go after
    # the member exists (the outbox runs a contact's jobs in order of creation).
    held_topics = list(
        contact.sync_jobs.filter(state=SyncJob.State.QUEUED, kind=SyncJob.Kind.TOPICS)
    )
    for job in held_topics:
        job.delete()
    if newsletter and not was_subscribed:
        # A fresh confirmation from the mailbox: the one case the site sets the status in
        # Mailchimp outright (an unsubscribed or transactional member is subscribed again).
        enqueue_sync(contact, tags=request.tags, payload={**payload, "status": "subscribed"})
    elif was_subscribed or settings.MAILCHIMP_LEADMAGNET_SYNC == "transactional":
        enqueue_sync(contact, tags=request.tags, payload=payload)
    for job in held_topics:
        enqueue_sync(contact, kind=SyncJob.Kind.TOPICS, payload=job.payload)
    chosen = dict.fromkeys(contact.topics.values_list("slug", flat=True), True)
    if newsletter and not was_subscribed and chosen and not held_topics:
        # Chosen before a withdrawal that dropped their held job: they go with the member.
        enqueue_sync(contact, kind=SyncJob.Kind.TOPICS, payload={"topics": chosen})
