"""The link mailed for a public-form privacy request, which proves the address is the
requester's: made and read here, and nowhere else.

It carries only the request's random key, signed and dated (`links`); the address stays in
the request row until the link is used or expires."""

from django.urls import reverse

from .. import links
from ..models import DataRequest

# v2: {"k": the request's random key}. Links of v1 carried the id and the address; they were
# valid for REQUEST_LINK_DAYS only and now end, like any expired link, on the page that says
# how to send the request again. Live links depend on this exact string.
REQUEST_SALT = "newsletter.privacy-request.v2"
REQUEST_LINK_DAYS = 7


def privacy_request_token(logged: DataRequest) -> str:
    """The request's random key, signed and dated: no database id, no address."""
    return links.sign({"k": logged.key}, REQUEST_SALT, dated=True)


def privacy_request_url(logged: DataRequest) -> str:
    path = reverse("newsletter:privacy_request_confirm", args=[privacy_request_token(logged)])
    return links.absolute_url(path)


def read_privacy_request_token(token: str) -> tuple[DataRequest, str] | None:
    """The open request of a link and the address it was made for (kept in the request
    row while it waits), or None: forged, expired and used links all end here."""
    data = links.read_token(token, REQUEST_SALT, max_age=REQUEST_LINK_DAYS * 24 * 60 * 60)
    if data is None:
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
