"""The site's mails, built in one place so that every one is alike: plain text with a
simple HTML alternative, a Message-ID on the site's domain, the list's headers where it is
list mail, and a greeting that never carries text a visitor could aim at somebody else.

The forms behind these mails take any address, so a mail can reach someone who never
typed it: what a visitor typed appears in it only as a plausible name, never in a subject.

Also the body of the confirmation mail (`send_confirmation_mail`), which the worker sends.
"""

import unicodedata
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.template.loader import render_to_string
from django.utils import translation

from . import links
from .models import Contact, SignupRequest
from .texts import NEWSLETTER

# A first name as people write them: letters of any script and these between them.
NAME_MARKS = frozenset(" -'’")
MAX_NAME_LENGTH = 50


def plausible_name(name: str) -> str:
    """`name` when it can only be a name, else "": nobody writes a link, "click here" or a
    second line into a mail that goes to someone else's address."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        return ""
    if not all(character.isalpha() or character in NAME_MARKS for character in name):
        return ""
    return name


def site_host() -> str:
    """The host of the site's public address, the domain of its Message-IDs and List-Id."""
    return urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"


def list_id() -> str:
    # RFC 2919: a description and a dot-atom under a domain the site controls.
    return f"Newsletter <newsletter.{site_host()}>"


def mail_language(contact) -> str:
    """The contact's language if the site speaks it, else the site's: the worker has no
    request to take it from."""
    try:
        return translation.get_supported_language_variant(getattr(contact, "language", ""))
    except LookupError:
        return settings.LANGUAGE_CODE


def compose_mail(
    subject: str,
    template: str,
    context: dict,
    *,
    to: str,
    contact=None,
    purpose: str | None = None,
) -> EmailMultiAlternatives:
    """A multipart mail from `template`.txt and `template`.html, ready to send.

    `contact` is the person it goes to, if known: their first name, when plausible, is the
    greeting's `greeting_name` and their language the mail's. With a `purpose` it is mail of
    the site's list (a sign-up's confirmation, a lead magnet's delivery): it carries the
    list's List-Id (RFC 2919) and a way to leave that purpose (RFC 2369, RFC 8058). Mail
    owed to anyone who asks, list member or not (the privacy requests), carries neither.
    """
    language = mail_language(contact)
    context = {
        **context,
        "subject": subject,
        "greeting_name": plausible_name(getattr(contact, "first_name", "")),
        "mail_language": language,
    }
    with translation.override(language):
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    headers = {"Message-ID": make_msgid(domain=site_host())}
    if purpose is not None:
        headers["List-Id"] = list_id()
        headers.update(links.list_unsubscribe_headers(contact, purpose))
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def send_confirmation_mail(request_id: int) -> None:
    """The mail with a sign-up request's confirmation link, in plain words about what
    confirming it does. Nothing for a request confirmed meanwhile or a bounced address."""
    request = SignupRequest.objects.select_related("contact").filter(pk=request_id).first()
    if request is None or request.confirmed_at or request.contact.status == Contact.Status.CLEANED:
        return
    contact, purposes = request.contact, request.purposes
    leave = purposes[0] if purposes else NEWSLETTER  # what its unsubscribe link ends
    context = {
        "contact": contact,
        "confirm_url": links.confirmation_url(request),
        "valid_days": settings.NEWSLETTER_CONFIRM_DAYS,
        "newsletter": NEWSLETTER in purposes,
        "asked_for_more": any(purpose != NEWSLETTER for purpose in purposes),
        "unsubscribe_url": links.unsubscribe_url(contact, leave),
        "preferences_url": links.preferences_url(contact),
    }
    # The list's own double opt-in is list mail: its List-Id and unsubscribe headers too.
    compose_mail(
        "Please confirm your sign-up",
        "newsletter/mail/confirm",
        context,
        to=contact.email,
        contact=contact,
        purpose=leave,
    ).send()
