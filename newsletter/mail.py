"""The site's mails, built in one place so that every one is alike: plain text with a
simple HTML alternative, a Message-ID on the site's domain, the list's headers where it is
list mail, and a greeting that never carries text a visitor could aim at somebody else.

The forms behind these mails take any address, so a mail can reach someone who never
typed it: what a visitor typed appears in it only as a plausible name, never in a subject.

Who a mail comes from, its greeting and the editable texts of each mail are the editors'
(Settings → Mail sender and texts, `MailSettings`); the rest is the templates'.

Also the body of the confirmation mail (`send_confirmation_mail`), which the worker sends.
"""

import unicodedata
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.utils import translation

from . import links, mail_texts
from .models import Contact, MailSettings, SignupRequest
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


def placeholder_values(contact=None, **values) -> dict:
    """The values of a mail's placeholders: `values`, the site's name and the contact's
    first name when it can only be a name."""
    return {
        mail_texts.SITE_NAME: mail_texts.site_name(),
        mail_texts.FIRST_NAME: plausible_name(getattr(contact, "first_name", "")),
        **values,
    }


def compose_mail(
    subject: str,
    template: str,
    context: dict,
    *,
    to: str,
    contact=None,
    purpose: str | None = None,
    mail_settings: MailSettings | None = None,
) -> EmailMultiAlternatives:
    """A multipart mail from `template`.txt and `template`.html, ready to send, from the
    sender in the mail settings.

    `contact` is the person it goes to, if known: their first name, when plausible, is the
    greeting's {first_name} and their language the mail's. With a `purpose` it is mail of
    the site's list (a sign-up's confirmation, a lead magnet's delivery): it carries the
    list's List-Id (RFC 2919) and a way to leave that purpose (RFC 2369, RFC 8058). Mail
    owed to anyone who asks, list member or not (the privacy requests), carries neither.
    """
    mail_settings = mail_settings or MailSettings.load()
    language = mail_language(contact)
    greeting_name = plausible_name(getattr(contact, "first_name", ""))
    context = {
        **context,
        "subject": subject,
        "greeting_name": greeting_name,
        "greeting": mail_settings.fill_greeting(placeholder_values(contact)),
        "mail_language": language,
    }
    with translation.override(language):
        text, html = mail_texts.render_parts(template, context)
    headers = {"Message-ID": make_msgid(domain=site_host())}
    if purpose is not None:
        headers["List-Id"] = list_id()
        headers.update(links.list_unsubscribe_headers(contact, purpose))
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=mail_settings.sender(),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def compose_worded_mail(
    wording: mail_texts.MailWording, values: dict, context: dict, *, to: str, contact=None, **kw
) -> EmailMultiAlternatives:
    """A mail whose subject and texts are the editors' (`wording`), filled with `values`."""
    mail_settings = MailSettings.load()
    filled = mail_settings.wording(wording.name, placeholder_values(contact, **values))
    return compose_mail(
        filled.subject,
        wording.template,
        {**context, "wording": filled},
        to=to,
        contact=contact,
        mail_settings=mail_settings,
        **kw,
    )


def send_confirmation_mail(request_id: int) -> None:
    """The mail with a sign-up request's confirmation link, in plain words about what
    confirming it does. Nothing for a request confirmed meanwhile or a bounced address."""
    request = SignupRequest.objects.select_related("contact").filter(pk=request_id).first()
    if request is None or request.confirmed_at or request.contact.status == Contact.Status.CLEANED:
        return
    contact, purposes = request.contact, request.purposes
    leave = purposes[0] if purposes else NEWSLETTER  # what its unsubscribe link ends
    newsletter = NEWSLETTER in purposes
    asked_for_more = any(purpose != NEWSLETTER for purpose in purposes)
    if newsletter and asked_for_more:
        asked = mail_texts.REQUESTS["newsletter_and_more"]
    elif newsletter:
        asked = mail_texts.REQUESTS["newsletter"]
    else:
        asked = mail_texts.REQUESTS["more"]
    context = {
        "contact": contact,
        "confirm_url": links.confirmation_url(request),
        "valid_days": settings.NEWSLETTER_CONFIRM_DAYS,
        "newsletter": newsletter,
        "asked_for_more": asked_for_more,
        "unsubscribe_url": links.unsubscribe_url(contact, leave),
        "preferences_url": links.preferences_url(contact),
    }
    values = {"request": asked, "confirm_link_days": settings.NEWSLETTER_CONFIRM_DAYS}
    # The list's own double opt-in is list mail: its List-Id and unsubscribe headers too.
    compose_worded_mail(
        mail_texts.CONFIRMATION, values, context, to=contact.email, contact=contact, purpose=leave
    ).send()
