"""The public privacy-request form's flow: log the request, mail its link to the address,
and carry it out once the link is used (or let it expire). Only the address's owner may see
or erase what is held (GDPR Art. 12(6): reasonable doubts about identity)."""

from django.db import transaction
from django.utils import timezone

from ..mail_limits import claim_mail_slot
from ..models import DataRequest
from . import tasks
from .erasure import erase_personal_data
from .log import new_request
from .request_link import REQUEST_LINK_DAYS


def expire_unconfirmed_requests() -> int:
    cutoff = timezone.now() - timezone.timedelta(days=REQUEST_LINK_DAYS)
    return DataRequest.objects.filter(
        status=DataRequest.Status.AWAITING_CONFIRMATION, requested_at__lt=cutoff
    ).update(status=DataRequest.Status.EXPIRED, pending_email="")


def request_by_mail(email: str, kind: str) -> DataRequest:
    """Log a request from the public form and mail a link to the address.

    The mail takes a slot of the mailbox's hourly allowance (`mail_limits`). Without a free
    one the request is logged all the same (it expires unconfirmed) and no mail goes out:
    the returned request's `mail_held_until` (not stored) is then the time before which no
    mail goes to this mailbox, else None."""
    held_until = claim_mail_slot(email)
    with transaction.atomic():
        logged = new_request(kind, email, source=DataRequest.Source.PUBLIC_FORM)
        logged.status = DataRequest.Status.AWAITING_CONFIRMATION
        if held_until is None:  # what the mailed link acts on; the link carries no address
            logged.pending_email = email.strip()
        logged.save()
        address = email.strip()
        if held_until is None:
            transaction.on_commit(
                lambda: tasks.send_privacy_request_link.enqueue(logged.pk, address)
            )
    logged.mail_held_until = held_until
    return logged


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
        transaction.on_commit(lambda: tasks.send_personal_data.enqueue(logged.pk, email))
        return logged
