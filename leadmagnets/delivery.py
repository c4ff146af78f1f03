"""Delivery of a resource to a confirmed contact: a grant, a signed expiring link, a mail."""

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django_tasks import task

from newsletter import links, mail_texts
from newsletter.mail import compose_worded_mail
from newsletter.models import Contact
from newsletter.signup import contact_confirmed

from .models import DownloadGrant, LeadMagnetPage

# v2: {"k": the grant's random key}. Links of v1 carried the grant's id; they were valid
# for LEADMAGNET_DOWNLOAD_DAYS only and now end, like any expired link, on the page that
# says how to get a fresh one (nothing reads them any more).
DOWNLOAD_SALT = "leadmagnet.download.v2"


def download_token(grant: DownloadGrant) -> str:
    """The grant's random key, signed and dated: no database id, no address."""
    return links.sign({"k": grant.key}, DOWNLOAD_SALT, dated=True)


def read_download_token(token: str) -> DownloadGrant | None:
    """The grant of a valid, unexpired link, else None."""
    max_age = settings.LEADMAGNET_DOWNLOAD_DAYS * 24 * 60 * 60
    data = links.read_token(token, DOWNLOAD_SALT, max_age=max_age)
    if data is None:
        return None
    return DownloadGrant.objects.select_related("page", "contact").filter(key=data["k"]).first()


def download_url(grant: DownloadGrant) -> str:
    return reverse("leadmagnets:download", args=[download_token(grant)])


@receiver(contact_confirmed)
def deliver_on_confirmation(sender, contact, purposes, **kwargs):
    """A confirmed request for a lead magnet: grant it, mail the link, show it at once."""
    slugs = [purpose.split(":", 1)[1] for purpose in purposes if purpose.startswith("leadmagnet:")]
    page = LeadMagnetPage.objects.live().filter(slug__in=slugs).first()
    if page is None:
        return None
    grant = DownloadGrant.objects.create(contact=contact, page=page)
    transaction.on_commit(lambda: send_delivery.enqueue(grant.pk))
    return {
        "label": f"Download “{page.title}”",
        "url": download_url(grant),
        "note": f"The link also arrives by mail and works for "
        f"{settings.LEADMAGNET_DOWNLOAD_DAYS} days.",
        "text": page.thank_you_text,
    }


@task()
def send_delivery(grant_id: int) -> None:
    grant = DownloadGrant.objects.select_related("page", "contact").filter(pk=grant_id).first()
    if grant is None or grant.contact.status == Contact.Status.CLEANED:
        return
    context = {
        "contact": grant.contact,
        "page": grant.page,
        "download_url": links.absolute_url(download_url(grant)),
        "valid_days": settings.LEADMAGNET_DOWNLOAD_DAYS,
        "unsubscribe_url": links.unsubscribe_url(grant.contact, grant.page.purpose),
        "preferences_url": links.preferences_url(grant.contact),
    }
    values = {
        "title": grant.page.title,
        "download_link_days": settings.LEADMAGNET_DOWNLOAD_DAYS,
    }
    # Sent to a member of the site's list for one of its purposes, which the person may
    # leave: list mail, with the list's List-Id and unsubscribe headers. The subject holds
    # the editors' words and title only, nothing a visitor typed.
    compose_worded_mail(
        mail_texts.DELIVERY,
        values,
        context,
        to=grant.contact.email,
        contact=grant.contact,
        purpose=grant.page.purpose,
    ).send()
