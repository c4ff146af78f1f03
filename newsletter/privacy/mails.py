"""The two mails of the public privacy-request form: the link that confirms the address, and
the copy of the data held about it. Each body runs in a background task (`privacy.tasks`);
both are owed to whoever owns the address, on no list: no List-Id, nothing to unsubscribe
from."""

import json

from django.urls import reverse

from .. import links, mail_texts
from ..mail import compose_mail, compose_worded_mail
from ..models import DataRequest
from .export import export_personal_data, record_access_request
from .request_link import REQUEST_LINK_DAYS, privacy_request_url


def send_request_link(data_request_id: int, email: str) -> None:
    logged = DataRequest.objects.filter(
        pk=data_request_id, status=DataRequest.Status.AWAITING_CONFIRMATION
    ).first()
    if logged is None:
        return
    erasure = logged.kind == DataRequest.Kind.ERASURE
    context = {
        "erasure": erasure,
        "confirm_url": privacy_request_url(logged),
        "valid_days": REQUEST_LINK_DAYS,
    }
    values = {
        "request": mail_texts.REQUESTS["erasure" if erasure else "access"],
        "confirm_link_days": REQUEST_LINK_DAYS,
    }
    compose_worded_mail(mail_texts.PRIVACY_REQUEST, values, context, to=email).send()


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
    message = compose_mail(
        "The data held about you",
        "newsletter/mail/personal_data",
        {"data": data, "request_url": links.absolute_url(reverse("newsletter:privacy_request"))},
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
