"""The right of access (GDPR Art. 15, 20): everything held about an address as JSON-ready
data, and the logged answer to an access request."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import Signal
from django.utils import timezone

from legal.models import ConsentRecord

from .. import mailchimp
from ..models import (
    ConsentEvent,
    Contact,
    DataRequest,
    SignupRequest,
    SyncJob,
    WebhookEvent,
    email_hashes,
    normalise_email,
)
from .log import new_request

FORMAT = "newsletter.personal-data.v2"  # v2: consent_events (was signup_consents)

# Asks other apps what they hold about the contacts of an address. kwargs: email, contacts.
# A receiver returns {section: [row, ...]} (JSON-serialisable rows, dates allowed); the rows
# are added to the export under `section`.
collect_personal_data = Signal()


def find_contacts(email: str) -> list[Contact]:
    return list(Contact.objects.filter(email_key=normalise_email(email)))


def _row(obj, exclude=()) -> dict:
    """Every stored field of a row; a foreign key as the readable name of what it points to.
    Generic on purpose: a field added later is exported without touching this module."""
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        if field.is_relation:
            related = getattr(obj, field.name)
            row[field.name] = str(related) if related is not None else None
        else:
            row[field.name] = field.value_from_object(obj)
    return row


def export_personal_data(email: str) -> dict | None:
    """Everything held about `email` as JSON-ready data, or None when nothing is held."""
    contacts = find_contacts(email)
    if not contacts:
        return None
    contact = contacts[0]  # the address is unique (email_key); the signal takes a list
    consents = ConsentEvent.objects.filter(contact__in=contacts).select_related(
        "privacy_version", "page"
    )
    requests = SignupRequest.objects.filter(contact__in=contacts).select_related(
        "privacy_version", "page"
    )
    cookie_ids = {row.cookie_consent_id for row in [*consents, *requests] if row.cookie_consent_id}
    jobs = SyncJob.objects.filter(contact__in=contacts).prefetch_related("attempt_log")
    data = {
        "format": FORMAT,
        "generated_at": timezone.now(),
        "email": email.strip(),
        # The link key opens the person's unsubscribe and preference links: not for a file.
        "contact": _row(contact, exclude=("id", "email_key", "link_key", "topics")),
        "topics": [
            {"name": topic.name, "slug": topic.slug} for topic in contact.topics.order_by("name")
        ],
        "consent_events": [_row(consent, exclude=("id", "contact")) for consent in consents],
        "signup_requests": [
            _row(request, exclude=("id", "contact", "key")) for request in requests
        ],
        "sync_history": [
            {
                **_row(job, exclude=("contact",)),
                "attempts": [
                    _row(attempt, exclude=("id", "job")) for attempt in job.attempt_log.all()
                ],
            }
            for job in jobs
        ],
        "cookie_consent_records": [
            _row(record, exclude=("id",))
            for record in ConsentRecord.objects.filter(consent_id__in=cookie_ids).select_related(
                "privacy_version", "cookie_policy_version"
            )
        ],
        "mailchimp_webhook_events": [
            _row(event, exclude=("id", "dedupe_key"))
            for event in WebhookEvent.objects.filter(
                subscriber_hash=mailchimp.subscriber_hash(email)
            )
        ],
        "privacy_requests": [
            _row(logged, exclude=("id", "email_hash", "key", "pending_email", "requested_by"))
            for logged in DataRequest.objects.filter(email_hash__in=email_hashes(email))
        ],
    }
    for _receiver, sections in collect_personal_data.send(
        sender=Contact, email=email, contacts=contacts
    ):
        for section, rows in (sections or {}).items():
            data.setdefault(section, []).extend(rows)
    # One encoder for this module's rows and the receivers' alike (dates, decimals, UUIDs).
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def export_counts(data: dict | None) -> dict:
    if not data:
        return {}
    return {"contact": 1} | {key: len(rows) for key, rows in data.items() if isinstance(rows, list)}


def record_access_request(
    email: str, data: dict | None, *, source, user=None, data_request=None
) -> DataRequest:
    """Log an answered access request and what it contained (GDPR Art. 12(3): show that
    and when it was answered)."""
    now = timezone.now()
    logged = data_request or new_request(DataRequest.Kind.ACCESS, email, source=source, user=user)
    logged.status = DataRequest.Status.DONE if data else DataRequest.Status.NOTHING_HELD
    logged.confirmed_at = logged.confirmed_at or now
    logged.completed_at = now
    logged.outcome = {"exported": export_counts(data)}
    logged.save()
    return logged


def access_personal_data(email: str, *, source, user=None, data_request=None):
    """Export and log in one step: (data or None, DataRequest)."""
    data = export_personal_data(email)
    logged = record_access_request(email, data, source=source, user=user, data_request=data_request)
    return data, logged
