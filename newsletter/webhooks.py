"""Mailchimp's webhooks: subscribe, unsubscribe, profile, upemail and cleaned events.

Mailchimp signs nothing, so the URL carries a secret (MAILCHIMP_WEBHOOK_SECRET) and the
payload is only a hint: the task re-reads the member from the API before anything changes
here (`newsletter.inbound`). The answer comes at once; Mailchimp retries slow or failed
deliveries for about 75 minutes, and each event is applied once (`WebhookEvent`).
"""

import datetime
import hashlib
import hmac
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

from .inbound import apply_webhook_event
from .mailchimp import subscriber_hash
from .models import WebhookEvent, normalise_email

EVENT_TYPES = {"subscribe", "unsubscribe", "profile", "upemail", "cleaned"}
# Per sending address: Mailchimp's bulk actions and retries arrive in bursts from a few.
RATE_LIMIT = (600, 60)
MEMBER_ID = re.compile(r"[0-9A-Za-z]{1,64}")


class BadEvent(ValueError):
    """A delivery this site refuses; the message is the short reason in the 400 answer."""


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
    """The fields this site uses, checked; BadEvent with a short reason otherwise."""
    event_type = post.get("type", "")
    if event_type not in EVENT_TYPES:
        raise BadEvent("Unknown event type.")
    audience = settings.MAILCHIMP_AUDIENCE_ID
    if not audience or post.get("data[list_id]", "") != audience:
        raise BadEvent("Not this site's audience.")
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
    except BadEvent as reason:
        return plain(str(reason), status=400)
    record_event(event)
    return plain("ok")
