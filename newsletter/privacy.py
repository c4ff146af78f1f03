"""Data-subject rights for an e-mail address: access (GDPR Art. 15, 20) and erasure (Art. 17).

One service for the admin screen, the management commands and the public privacy-request
form. Every request is logged as a `DataRequest`, which holds only a keyed hash of the
address (a public-form request also the address as typed, until its link is used or
expires). Other apps add what they hold through `collect_personal_data` (lead magnets answer
with their downloads); what they hold about a contact is deleted with it by the cascade.
"""

import json
from collections import Counter

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from legal.models import ConsentRecord

from . import mailchimp
from .mail import compose_mail
from .mail_limits import claim_mail_slot
from .models import (
    ConsentEvent,
    Contact,
    DataRequest,
    SignupRequest,
    Suppression,
    SyncJob,
    WebhookEvent,
    email_hashes,
    normalise_email,
)
from .tasks import absolute, erase_member

FORMAT = "newsletter.personal-data.v2"  # v2: consent_events (was signup_consents)
# v2: {"k": the request's random key}; the address stays in the request row. Links of v1
# carried the id and the address; they were valid for REQUEST_LINK_DAYS only and now end,
# like any expired link, on the page that says how to send the request again.
REQUEST_SALT = "newsletter.privacy-request.v2"
REQUEST_LINK_DAYS = 7
NOTHING_HELD = "Nothing held about this address."

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


def _new_request(kind, email, *, source, user=None) -> DataRequest:
    return DataRequest(
        kind=kind, source=source, email_hash=email_hashes(email)[0], requested_by=user
    )


def record_access_request(
    email: str, data: dict | None, *, source, user=None, data_request=None
) -> DataRequest:
    """Log an answered access request and what it contained (GDPR Art. 12(3): show that
    and when it was answered)."""
    now = timezone.now()
    logged = data_request or _new_request(DataRequest.Kind.ACCESS, email, source=source, user=user)
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


@transaction.atomic
def erase_personal_data(email: str, *, source, user=None, data_request=None) -> DataRequest:
    """GDPR Art. 17: delete everything held about `email` in one transaction and keep only
    a keyed hash, so the address is not re-imported unnoticed; ask Mailchimp, through the
    outbox, to delete the member permanently (Art. 28(3)(g): the processor erases too)."""
    now = timezone.now()
    logged = data_request or _new_request(DataRequest.Kind.ERASURE, email, source=source, user=user)
    logged.confirmed_at = logged.confirmed_at or now
    logged.completed_at = now
    # Other public-form requests still waiting for their link hold the address as typed.
    waiting = DataRequest.objects.filter(email_hash__in=email_hashes(email))
    waiting.exclude(pending_email="").update(pending_email="")
    contacts = list(Contact.objects.select_for_update().filter(email_key=normalise_email(email)))
    if not contacts:
        logged.status, logged.outcome = DataRequest.Status.NOTHING_HELD, {}
        logged.save()
        return logged
    cookie_ids = {
        consent_id
        for model in (ConsentEvent, SignupRequest)
        for consent_id in model.objects.filter(contact__in=contacts)
        .exclude(cookie_consent_id="")
        .values_list("cookie_consent_id", flat=True)
    }
    ever_synced = any(contact.last_synced_at for contact in contacts)
    member_hash = mailchimp.subscriber_hash(email)
    deleted = Counter()
    for contact in contacts:
        # Cascades: consents, outbox jobs and their attempts, topics, lead-magnet grants.
        deleted.update(contact.delete()[1])
    # The cookie decisions made in the same browser (ConsentRecord is append-only, which
    # forbids changes, not deletion on request).
    deleted.update(ConsentRecord.objects.filter(consent_id__in=cookie_ids).delete()[1])
    deleted.update(WebhookEvent.objects.filter(subscriber_hash=member_hash).delete()[1])
    Suppression.add(email)
    logged.status = DataRequest.Status.DONE
    logged.outcome = {
        "deleted": {label: count for label, count in sorted(deleted.items()) if count},
        "suppressed": True,
    }
    if mailchimp.is_configured():
        logged.save()  # the job refers to it
        job = SyncJob.objects.create(
            contact=None,
            kind=SyncJob.Kind.ERASE,
            payload={"subscriber_hash": member_hash, "data_request": logged.pk},
        )
        logged.outcome["mailchimp"] = "queued"
        transaction.on_commit(lambda: erase_member.enqueue(job.pk))
    elif ever_synced:
        logged.outcome["mailchimp"] = (
            "not sent: Mailchimp sync is switched off; delete the member in Mailchimp by hand"
        )
    else:
        logged.outcome["mailchimp"] = "not needed: never synced"
    logged.save()
    return logged


def record_mailchimp_erasure(job: SyncJob) -> None:
    """Note Mailchimp's part in the erasure's log entry; once done, drop the subscriber
    hash from the outbox job (the hash of an address is still personal data)."""
    if job.state == SyncJob.State.DONE:
        found = job.payload.get("member_found")
        result = "deleted permanently" if found else "not a member: nothing to delete"
        job.payload = {"data_request": job.payload.get("data_request"), "member_found": found}
        job.save(update_fields=["payload"])
    elif job.state == SyncJob.State.RETRYING:
        result = f"retrying: {job.last_error}"
    else:
        result = f"failed: {job.last_error}"
    logged = DataRequest.objects.filter(pk=job.payload.get("data_request")).first()
    if logged is not None:
        logged.outcome = {**logged.outcome, "mailchimp": result, "mailchimp_at": timezone.now()}
        logged.outcome = json.loads(json.dumps(logged.outcome, cls=DjangoJSONEncoder))
        logged.save(update_fields=["outcome"])


def mailchimp_erasure_failed(logged: DataRequest) -> bool:
    return str(logged.outcome.get("mailchimp", "")).startswith("failed")


@transaction.atomic
def retry_mailchimp_erasure(logged: DataRequest) -> bool:
    """Put a failed Mailchimp deletion back in the outbox, due now."""
    job = SyncJob.objects.filter(
        contact=None,
        kind=SyncJob.Kind.ERASE,
        state=SyncJob.State.FAILED,
        payload__data_request=logged.pk,
    ).first()
    if job is None:
        return False
    SyncJob.objects.filter(pk=job.pk).requeue()
    logged.outcome = {**logged.outcome, "mailchimp": "queued again"}
    logged.save(update_fields=["outcome"])
    transaction.on_commit(lambda: erase_member.enqueue(job.pk))
    return True


def describe_outcome(logged: DataRequest) -> str:
    """One line for the audit log."""
    outcome = logged.outcome or {}
    parts = []
    if outcome.get("exported"):
        counts = ", ".join(f"{key} {n}" for key, n in outcome["exported"].items() if n)
        parts.append(f"exported: {counts}")
    if outcome.get("deleted"):
        counts = ", ".join(f"{label.split('.')[-1]} {n}" for label, n in outcome["deleted"].items())
        parts.append(f"deleted: {counts}")
    if outcome.get("mailchimp"):
        parts.append(f"Mailchimp: {outcome['mailchimp']}")
    return "; ".join(parts) or "—"


# --- The public privacy-request form: confirm the address by mail, then act ---------------


def expire_unconfirmed_requests() -> int:
    cutoff = timezone.now() - timezone.timedelta(days=REQUEST_LINK_DAYS)
    return DataRequest.objects.filter(
        status=DataRequest.Status.AWAITING_CONFIRMATION, requested_at__lt=cutoff
    ).update(status=DataRequest.Status.EXPIRED, pending_email="")


def request_by_mail(email: str, kind: str) -> DataRequest:
    """Log a request from the public form and mail a link to the address: only its owner
    may see or erase what is held (GDPR Art. 12(6): reasonable doubts about identity).

    The mail takes a slot of the mailbox's hourly allowance (`mail_limits`). Without a free
    one the request is logged all the same (it expires unconfirmed) and no mail goes out:
    the returned request's `mail_held_until` (not stored) is then the time before which no
    mail goes to this mailbox, else None."""
    held_until = claim_mail_slot(email)
    with transaction.atomic():
        logged = _new_request(kind, email, source=DataRequest.Source.PUBLIC_FORM)
        logged.status = DataRequest.Status.AWAITING_CONFIRMATION
        if held_until is None:  # what the mailed link acts on; the link carries no address
            logged.pending_email = email.strip()
        logged.save()
        address = email.strip()
        if held_until is None:
            transaction.on_commit(lambda: send_privacy_request_link.enqueue(logged.pk, address))
    logged.mail_held_until = held_until
    return logged


def privacy_request_token(logged: DataRequest) -> str:
    """The request's random key, signed and dated: no database id, no address."""
    return signing.dumps({"k": logged.key}, salt=REQUEST_SALT)


def read_privacy_request_token(token: str) -> tuple[DataRequest, str] | None:
    """The open request of a link and the address it was made for (kept in the request
    row while it waits), or None: forged, expired and used links all end here."""
    try:
        data = signing.loads(token, salt=REQUEST_SALT, max_age=REQUEST_LINK_DAYS * 24 * 60 * 60)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    logged = (
        DataRequest.objects.filter(
            key=data["k"],
            source=DataRequest.Source.PUBLIC_FORM,
            status=DataRequest.Status.AWAITING_CONFIRMATION,
            confirmed_at__isnull=True,
        )
        .exclude(pending_email="")
        .first()
    )
    return (logged, logged.pending_email) if logged else None


def carry_out_request(logged: DataRequest, email: str) -> DataRequest | None:
    """The person clicked the button in the confirmation mail: erase now, or mail the
    export. None when the link was used meanwhile (a double click)."""
    with transaction.atomic():
        logged = (
            DataRequest.objects.select_for_update()
            .filter(
                pk=logged.pk,
                status=DataRequest.Status.AWAITING_CONFIRMATION,
                confirmed_at__isnull=True,
            )
            .first()
        )
        if logged is None:
            return None
        logged.confirmed_at = timezone.now()
        logged.pending_email = ""  # from here on the address travels only with the task
        if logged.kind == DataRequest.Kind.ERASURE:
            return erase_personal_data(
                email, source=DataRequest.Source.PUBLIC_FORM, data_request=logged
            )
        logged.save(update_fields=["confirmed_at", "pending_email"])
        transaction.on_commit(lambda: send_personal_data.enqueue(logged.pk, email))
        return logged


@task()
def send_privacy_request_link(data_request_id: int, email: str) -> None:
    logged = DataRequest.objects.filter(
        pk=data_request_id, status=DataRequest.Status.AWAITING_CONFIRMATION
    ).first()
    if logged is None:
        return
    token = privacy_request_token(logged)
    context = {
        "erasure": logged.kind == DataRequest.Kind.ERASURE,
        "confirm_url": absolute(reverse("newsletter:privacy_request_confirm", args=[token])),
        "valid_days": REQUEST_LINK_DAYS,
    }
    # Owed to whoever owns the address, on no list: no List-Id, nothing to unsubscribe from.
    compose_mail(
        "Please confirm your privacy request", "newsletter/mail/privacy_request", context, to=email
    ).send()


@task()
def send_personal_data(data_request_id: int, email: str) -> None:
    """GDPR Art. 15(3), 20(1): the copy, in a structured, machine-readable format."""
    logged = DataRequest.objects.filter(
        pk=data_request_id,
        kind=DataRequest.Kind.ACCESS,
        confirmed_at__isnull=False,
        completed_at__isnull=True,
    ).first()
    if logged is None:
        return
    data = export_personal_data(email)
    # Owed to whoever owns the address, on no list: no List-Id, nothing to unsubscribe from.
    message = compose_mail(
        "The data held about you",
        "newsletter/mail/personal_data",
        {"data": data, "request_url": absolute(reverse("newsletter:privacy_request"))},
        to=email,
    )
    if data:
        message.attach(
            "personal-data.json",
            json.dumps(data, indent=2, ensure_ascii=False),
            "application/json",
        )
    message.send()
    record_access_request(email, data, source=DataRequest.Source.PUBLIC_FORM, data_request=logged)
