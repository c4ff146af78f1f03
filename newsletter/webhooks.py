"""Mailchimp's webhooks: subscribe, unsubscribe, profile, upemail and cleaned events.

Mailchimp signs nothing, so the URL carries a secret (MAILCHIMP_WEBHOOK_SECRET) and the
payload is only a hint: the task re-reads the member from the API before anything changes
here (`newsletter.inbound`). The answer comes at once; Mailchimp retries slow or failed
deliveries for about 75 minutes, and each event is applied once (`WebhookEvent`).

What each delivery is answered with: Mailchimp retries any delivery that fails, and
"excessive or unresponsive webhook requests may be dropped or disabled at Mailchimp's
discretion" (mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/); a 410
disables the webhook for good (Mailchimp release note, 2021-04-05). So:

- a wrong or missing secret: 404 (never 410); nothing is read or stored;
- every delivery Mailchimp could have sent gets a 2xx, even where nothing is done with it:
  event types this site does not use (`campaign`, a type Mailchimp adds later) and events
  of another audience (the same URL registered there too) are answered 200 "ignored" with
  the reason logged, and nothing is stored;
- a 400 only for what Mailchimp never sends (a missing audience, an address or member id
  that is no address or id, a `fired_at` not in Mailchimp's "YYYY-MM-DD HH:MM:SS"): with
  the right secret that is someone else's forgery or a bug, and retrying it can't help.

An unsubscribe with `data[action]=delete` (the member deleted or archived in Mailchimp) is
recognised by what the re-read shows, archived or gone, not by the payload's word.
"""

import datetime
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from legal.http import over_rate_limit

from .mailchimp import subscriber_hash
from .models import WebhookEvent, normalise_email
from .tasks import apply_webhook_event

logger = logging.getLogger(__name__)

# The event types this site applies; Mailchimp's others (`campaign`) are answered and ignored.
EVENT_TYPES = {"subscribe", "unsubscribe", "profile", "upemail", "cleaned"}
# Per sending address: Mailchimp's bulk actions and retries arrive in bursts from a few.
RATE_LIMIT = (600, 60)
MEMBER_ID = re.compile(r"[0-9A-Za-z]{1,64}")
# Audience ids are short alphanumeric strings ("d82dad7dcb").
LIST_ID = re.compile(r"[0-9A-Za-z]{1,64}")


class BadEvent(ValueError):
    """A delivery Mailchimp never sends; the message is the short reason in the 400 answer."""


class IgnoredEvent(ValueError):
    """A delivery Mailchimp may well send but this site has no use for: answered 200, so
    Mailchimp neither retries it nor counts it against the webhook; the message is logged,
    as a warning where it points to a setting to check."""

    def __init__(self, reason: str, level: int = logging.INFO):
        super().__init__(reason)
        self.level = level


@dataclass(frozen=True)
class Event:
    type: str
    fired_at: str
    email: str  # the address to re-read (for upemail the new one)
    old_email: str = ""
    member_id: str = ""

    @property
    def dedupe_key(self) -> str:
        # The payload has no event id: type, member and second identify a delivery.
        if self.type == "upemail":
            who = f"{normalise_email(self.old_email)}>{normalise_email(self.email)}"
        else:
            who = self.member_id or normalise_email(self.email)
        return hashlib.sha256(f"{self.type}\n{who}\n{self.fired_at}".encode()).hexdigest()


def read_event(post) -> Event:
    """The fields this site uses, checked. IgnoredEvent for a delivery Mailchimp may send
    that is of no use here, BadEvent (with a short reason) for one it never sends."""
    event_type = post.get("type", "")
    if event_type not in EVENT_TYPES:
        raise IgnoredEvent(f"event type {event_type[:20]!r} is not used here")
    list_id = post.get("data[list_id]", "")
    if not LIST_ID.fullmatch(list_id):
        raise BadEvent("Missing or malformed data[list_id].")
    audience = settings.MAILCHIMP_AUDIENCE_ID
    if not audience:
        raise IgnoredEvent("MAILCHIMP_AUDIENCE_ID is unset", logging.WARNING)
    if list_id != audience:
        # The same URL registered on another audience of the account, or the setting changed.
        raise IgnoredEvent(f"audience {list_id} is not this site's ({audience})", logging.WARNING)
    fired_at = post.get("fired_at", "")
    try:
        datetime.datetime.strptime(fired_at, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise BadEvent("fired_at is not YYYY-MM-DD HH:MM:SS.") from None
    if event_type == "upemail":
        new_id = post.get("data[new_id]", "")
        if new_id and not MEMBER_ID.fullmatch(new_id):
            raise BadEvent("Malformed data[new_id].")
        return Event(
            event_type,
            fired_at,
            email=read_address(post, "data[new_email]"),
            old_email=read_address(post, "data[old_email]"),
        )
    member_id = post.get("data[id]", "")
    if member_id and not MEMBER_ID.fullmatch(member_id):
        raise BadEvent("Malformed data[id].")
    return Event(event_type, fired_at, email=read_address(post, "data[email]"), member_id=member_id)


def read_address(post, field: str) -> str:
    value = post.get(field, "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise BadEvent(f"Missing or invalid {field}.") from None
    return value


def record_event(event: Event) -> tuple[WebhookEvent, bool]:
    """Store the delivery, or count a repeated one; only a new event is applied (by the
    task, once the row is committed)."""
    with transaction.atomic():
        stored, created = WebhookEvent.objects.get_or_create(
            dedupe_key=event.dedupe_key,
            defaults={
                "event_type": event.type,
                "subscriber_hash": subscriber_hash(event.email),
                "fired_at": event.fired_at,
            },
        )
        if not created:
            WebhookEvent.objects.filter(pk=stored.pk).update(deliveries=F("deliveries") + 1)
            return stored, False
        transaction.on_commit(
            lambda: apply_webhook_event.enqueue(stored.pk, event.email, event.old_email)
        )
    return stored, True


def secret_matches(secret: str) -> bool:
    expected = settings.MAILCHIMP_WEBHOOK_SECRET
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


def plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@never_cache
@csrf_exempt  # Mailchimp posts without a token; the secret path stands in for it
@require_http_methods(["GET", "HEAD", "POST"])
def mailchimp_webhook(request, secret):
    if over_rate_limit(request, "mailchimp-webhook", *RATE_LIMIT):
        return plain("Too many requests.", status=429)
    if not secret_matches(secret):
        # Never 410 on this path: Mailchimp disables a webhook for good on a 410.
        raise Http404
    if request.method != "POST" or not request.POST.get("type"):
        # Mailchimp checks a new webhook URL with a GET (some report an empty POST).
        return plain("ok")
    try:
        event = read_event(request.POST)
    except IgnoredEvent as reason:
        logger.log(reason.level, "Mailchimp webhook delivery ignored: %s.", reason)
        return plain("ignored")
    except BadEvent as reason:
        logger.warning("Mailchimp webhook delivery refused: %s", reason)
        return plain(str(reason), status=400)
    record_event(event)
    return plain("ok")
