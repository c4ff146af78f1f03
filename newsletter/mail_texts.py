"""The words of the site's mails that editors own (Settings → Mail sender and texts): which
placeholders each text may use, today's wording as the default, the checks a text must pass,
and filling the placeholders in.

A text is plain text with placeholders such as {first_name}. Links are never typed: the mail
templates put them after the text, so an edited text can drop a placeholder but never point
a reader somewhere else. Filling in is done here, not by `str.format`, which would also
follow `{first_name.__class__}` into the object behind a value.

Also the made-up data the settings' preview fills in. Of the app it imports only `links`
(for the preview's addresses), so the models (validators, defaults) and the mails can name it.
"""

import re
import string
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.deconstruct import deconstructible
from wagtail.models import Site

from . import links

# --- The placeholders ------------------------------------------------------------------------

FIRST_NAME = "first_name"
SITE_NAME = "site_name"

FIRST_NAME_HELP = (
    "{first_name}: the person's first name when they gave one that can only be a name, "
    "otherwise left out with the space before it"
)
SITE_NAME_HELP = "{site_name}: the site's name (Settings → Sites)"


@dataclass(frozen=True)
class MailWording:
    """One mail's editable texts: a subject line, the text before its link and the text
    after it, with the placeholders each may use (name → what it stands for), and the
    template that lays them out (`.txt` and `.html`)."""

    name: str
    label: str
    template: str
    subject_placeholders: dict[str, str]
    placeholders: dict[str, str]
    subject: str
    text: str
    after_link: str


@dataclass(frozen=True)
class FilledWording:
    """A mail's texts with their placeholders filled in: plain text, escaped only by the
    HTML template."""

    subject: str
    text: str
    after_link: str


CONFIRMATION = MailWording(
    name="confirmation",
    label="Sign-up confirmation mail",
    template="newsletter/mail/confirm",
    subject_placeholders={SITE_NAME: SITE_NAME_HELP},
    placeholders={
        FIRST_NAME: FIRST_NAME_HELP,
        SITE_NAME: SITE_NAME_HELP,
        "request": "{request}: what the person asked for: “that you want our newsletter”, "
        "“your address to receive what you asked for”, or both",
        "confirm_link_days": "{confirm_link_days}: how many days the confirmation link works",
    },
    subject="Please confirm your sign-up",
    text="please confirm {request} with this link:",
    after_link="The link is valid for {confirm_link_days} days and works once. If you did not "
    "ask for this, ignore this mail and nothing will happen.",
)

DELIVERY = MailWording(
    name="delivery",
    label="Download mail (a lead magnet's resource)",
    # Lead magnets send it (leadmagnets/delivery.py); named here, not imported.
    template="leadmagnets/mail/delivery",
    subject_placeholders={SITE_NAME: SITE_NAME_HELP, "title": "{title}: the lead magnet's title"},
    placeholders={
        FIRST_NAME: FIRST_NAME_HELP,
        SITE_NAME: SITE_NAME_HELP,
        "title": "{title}: the lead magnet's title",
        "download_link_days": "{download_link_days}: how many days the download link works",
    },
    subject="Your download: {title}",
    text="here is your download of “{title}”:",
    after_link="The link works for {download_link_days} days.",
)

# Sent to whoever typed an address into the public privacy-request form, known or not: no
# name to greet, so no {first_name}.
PRIVACY_REQUEST = MailWording(
    name="privacy",
    label="Privacy request confirmation mail",
    template="newsletter/mail/privacy_request",
    subject_placeholders={SITE_NAME: SITE_NAME_HELP},
    placeholders={
        SITE_NAME: SITE_NAME_HELP,
        "request": "{request}: “to erase the data held about this address” or “for a copy of "
        "the data held about this address”",
        "confirm_link_days": "{confirm_link_days}: how many days the confirmation link works",
    },
    subject="Please confirm your privacy request",
    text="someone, probably you, asked {request}. Please confirm with this link:",
    after_link=CONFIRMATION.after_link,
)

WORDINGS = {wording.name: wording for wording in (CONFIRMATION, DELIVERY, PRIVACY_REQUEST)}

# Every mail opens with it, the privacy mails included (where {first_name} is always left out).
GREETING = "Hello {first_name},"
GREETING_PLACEHOLDERS = {FIRST_NAME: FIRST_NAME_HELP, SITE_NAME: SITE_NAME_HELP}

# What {request} says in each case.
REQUESTS = {
    "newsletter_and_more": "that you want our newsletter and what you asked for",
    "newsletter": "that you want our newsletter",
    "more": "your address to receive what you asked for",
    "erasure": "to erase the data held about this address",
    "access": "for a copy of the data held about this address",
}


def placeholder_help(placeholders: dict[str, str]) -> str:
    return "Placeholders: " + "; ".join(placeholders.values()) + "."


# --- Checks ----------------------------------------------------------------------------------

BRACES_MESSAGE = (
    "A brace is not matched. Write placeholders as {first_name}; for a brace itself, "
    "write {{ or }}."
)
# Line breaks would end a header (subject, sender) and start another: refused outright, like
# every other control character.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# How much of a rejected placeholder an error message repeats.
MAX_SHOWN = 40


def shown(field: str) -> str:
    field = field if len(field) <= MAX_SHOWN else field[: MAX_SHOWN - 1] + "…"
    return "{" + field + "}"


def parse(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """The text's pieces: (literal text, placeholder or None, format spec, conversion)."""
    try:
        return list(string.Formatter().parse(text))
    except ValueError:  # "Single '}' encountered", "expected '}' before end of string"
        raise ValidationError(BRACES_MESSAGE, code="unmatched_brace") from None


@deconstructible
class PlaceholderValidator:
    """A text may use only its own placeholders, each written plainly as {name}."""

    def __init__(self, allowed):
        self.allowed = tuple(allowed)

    def __call__(self, value):
        unknown = []
        for _literal, field, spec, conversion in parse(str(value or "")):
            if field is None or (field in self.allowed and not spec and not conversion):
                continue
            written = shown(
                field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
            if written not in unknown:
                unknown.append(written)
        if unknown:
            allowed = ", ".join("{" + name + "}" for name in self.allowed)
            noun = "placeholder" if len(unknown) == 1 else "placeholders"
            raise ValidationError(
                f"Unknown {noun} {', '.join(unknown)}. This text may use {allowed}, each written "
                "as shown.",
                code="unknown_placeholder",
            )

    def __eq__(self, other):
        return isinstance(other, PlaceholderValidator) and self.allowed == other.allowed


def validate_single_line(value):
    if CONTROL_CHARACTERS.search(str(value or "")):
        raise ValidationError(
            "Keep this on one line, without line breaks or control characters.",
            code="not_single_line",
        )


def validate_text(value):
    """Line breaks are fine in a mail's text; other control characters are not."""
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", str(value or "")):
        raise ValidationError("Remove the control characters from this text.", code="control")


# --- Filling in ------------------------------------------------------------------------------


def fill(text: str, values: dict) -> str:
    """`text` with each placeholder replaced by its value as plain text. An empty
    {first_name} takes the space before it along ("Hello {first_name}," → "Hello,")."""
    pieces = []
    for literal, field, _spec, _conversion in parse(text):
        pieces.append(literal)
        if field is None:
            continue
        value = str(values.get(field, "") or "")
        if field == FIRST_NAME and not value and pieces and pieces[-1].endswith((" ", "\t")):
            pieces[-1] = pieces[-1][:-1]
        pieces.append(value)
    return "".join(pieces)


def site_name() -> str:
    """The default site's name, else WAGTAIL_SITE_NAME: mails are sent by the worker, which
    has no request to find a site by."""
    name = Site.objects.filter(is_default_site=True).values_list("site_name", flat=True).first()
    return name or settings.WAGTAIL_SITE_NAME


def render_parts(template: str, context: dict) -> tuple[str, str]:
    """A mail's plain-text and HTML parts, from `template`.txt and `template`.html."""
    return render_to_string(f"{template}.txt", context), render_to_string(
        f"{template}.html", context
    )


# --- The preview's sample data ---------------------------------------------------------------

SAMPLE_FIRST_NAME = "Ada"
SAMPLE_TITLE = "Free starter guide"


def sample(wording: MailWording) -> tuple[dict, dict]:
    """(placeholder values, template context) of a made-up mail, for the preview. Its links
    lead nowhere: signed links are only made for a real request."""
    days = {
        "confirm_link_days": settings.NEWSLETTER_CONFIRM_DAYS,
        "download_link_days": settings.LEADMAGNET_DOWNLOAD_DAYS,
    }
    values = {SITE_NAME: site_name(), **days}
    sample_link = links.absolute_url("/newsletter/preview-sample/")
    context = {"unsubscribe_url": sample_link, "preferences_url": sample_link}
    if wording is CONFIRMATION:
        values |= {FIRST_NAME: SAMPLE_FIRST_NAME, "request": REQUESTS["newsletter"]}
        context |= {"confirm_url": sample_link}
    elif wording is DELIVERY:
        values |= {FIRST_NAME: SAMPLE_FIRST_NAME, "title": SAMPLE_TITLE}
        context |= {"download_url": sample_link, "page": {"title": SAMPLE_TITLE}}
    else:
        values |= {"request": REQUESTS["erasure"]}
        context |= {"confirm_url": sample_link, "erasure": True}
    return values, context
