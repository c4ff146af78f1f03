"""Every mail the site sends: plain text with a simple HTML alternative, a Message-ID on the
site's domain, list headers on list mail only, one-click unsubscribe only over HTTPS, and a
greeting that carries a visitor-typed name only when it can be nothing but a name."""

import email
import re
from email import policy
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client

from leadmagnets.delivery import send_delivery
from leadmagnets.models import DownloadGrant, LeadMagnetPage
from newsletter.mail import plausible_name
from newsletter.models import Contact, SignupRequest
from newsletter.tasks import send_confirmation
from tests.leadmagnets.visitor import request_guide
from tests.newsletter.visitor import ask, post

pytestmark = pytest.mark.django_db

HTTP = "http://127.0.0.1:8000"
HTTPS = "https://www.example.org"
BASE_URLS = pytest.mark.parametrize("base_url", [HTTP, HTTPS])
HOSTILE_NAMES = [
    "https://evil.example",
    "www.evil.example",
    "Ada\nClick http://evil.example",
    "<b>x</b>",
    "A" * 51,
    "Ada 2",
    "Ada 🙂",
    "   ",
    "Ada\u202eevil",  # a bidi override
]
NAMES = ["Zoë O’Neil-Smith", "Łukasz", "山田", "D'Arcy", "A" * 50]


def host(base_url: str) -> str:
    return base_url.split("://", 1)[1].split(":")[0]


def parsed(message) -> email.message.EmailMessage:
    """The message as a mail client reads it."""
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def link(message, kind: str) -> str:
    """The site-relative path of the first `kind` link in the plain-text part."""
    url = re.search(rf"https?://\S+/{kind}/\S+/", message.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def assert_built_alike(message, base_url: str) -> email.message.EmailMessage:
    """Multipart text and HTML, and a Message-ID on the site's domain."""
    received = parsed(message)
    alternative = next(
        part for part in received.walk() if part.get_content_type() == "multipart/alternative"
    )
    types = [part.get_content_type() for part in alternative.iter_parts()]
    assert types == ["text/plain", "text/html"]
    assert received.get_body(("plain",)).get_content().strip() == message.body.strip()
    assert re.fullmatch(rf"<[^@<>\s]+@{re.escape(host(base_url))}>", received["Message-ID"])
    assert_plain_html(html_part(message))
    return received


def assert_list_mail(message, base_url: str) -> None:
    received = parsed(message)
    assert received["List-Id"] == f"Newsletter <newsletter.{host(base_url)}>"
    assert re.fullmatch(
        rf"<{re.escape(base_url)}/newsletter/unsubscribe/\S+/>",
        received["List-Unsubscribe"].strip(),
    )
    # RFC 8058 §3.1: one-click only with an HTTPS URI.
    if base_url.startswith("https://"):
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    else:
        assert received["List-Unsubscribe-Post"] is None


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))


# The HTML alternative's whole vocabulary: nothing loads from elsewhere, nothing tracks.
ALLOWED = {
    "html": {"lang"},
    "head": set(),
    "meta": {"charset", "name", "content"},
    "title": set(),
    "body": {"style"},
    "p": set(),
    "a": {"href"},
    "br": set(),
    "hr": set(),
}


def assert_plain_html(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    for tag, attributes in parser.seen:
        assert tag in ALLOWED, tag
        assert set(attributes) <= ALLOWED[tag], (tag, attributes)
    assert "url(" not in html and "@import" not in html


# --- Each mail type -------------------------------------------------------------------------


@BASE_URLS
def test_the_confirmation_mail_is_multipart_list_mail(
    client, signup_form, settings, django_capture_on_commit_callbacks, base_url
):
    settings.WAGTAILADMIN_BASE_URL = base_url
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    [message] = mail.outbox
    assert_built_alike(message, base_url)
    assert_list_mail(message, base_url)
    html = html_part(message)
    assert message.body.startswith("Hello Ada,\n\nplease confirm that you want our newsletter")
    assert "<p>Hello Ada,</p>" in html
    confirm_url = re.search(r"https?://\S+/newsletter/confirm/\S+/", message.body).group(0)
    assert confirm_url.startswith(base_url)
    assert f'<a href="{confirm_url}">' in html


@BASE_URLS
def test_the_download_mail_is_multipart_list_mail(
    client, settings, demo_site, django_capture_on_commit_callbacks, base_url
):
    settings.WAGTAILADMIN_BASE_URL = base_url
    guide = LeadMagnetPage.objects.get(slug="starter-guide")
    with django_capture_on_commit_callbacks(execute=True):
        request_guide(client, guide)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link(mail.outbox[-1], "newsletter/confirm"))
    message = mail.outbox[-1]
    assert message.subject == "Your download: Free starter guide"
    assert_built_alike(message, base_url)
    assert_list_mail(message, base_url)
    assert message.body.startswith("Hello Rea,\n")
    download = re.search(r"https?://\S+/lead-magnets/download/\S+/", message.body).group(0)
    assert f'<a href="{download}">' in html_part(message)


@BASE_URLS
def test_the_privacy_request_mail_is_multipart_and_no_list_mail(
    demo_site, settings, django_capture_on_commit_callbacks, base_url
):
    settings.WAGTAILADMIN_BASE_URL = base_url
    with django_capture_on_commit_callbacks(execute=True):
        ask(Client(), email="someone@example.org", kind="erasure")
    [message] = mail.outbox
    received = assert_built_alike(message, base_url)
    # Owed to the address's owner whether on the list or not: no list, nothing to leave.
    assert received["List-Id"] is None and received["List-Unsubscribe"] is None
    assert received["List-Unsubscribe-Post"] is None
    assert message.body.startswith("Hello,\n\nsomeone, probably you, asked to erase")
    assert "Confirm the erasure</a>" in html_part(message)


@BASE_URLS
def test_the_personal_data_mail_is_multipart_with_the_export_attached(
    client, signup_form, settings, django_capture_on_commit_callbacks, base_url
):
    settings.WAGTAILADMIN_BASE_URL = base_url
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)  # something held: a pending contact
    with django_capture_on_commit_callbacks(execute=True):
        ask(Client(), email="Ada.Lovelace@Example.org")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link(mail.outbox[-1], "newsletter/privacy-request"))
    message = mail.outbox[-1]
    assert message.subject == "The data held about you"
    received = assert_built_alike(message, base_url)
    assert received.get_content_type() == "multipart/mixed"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "personal-data.json"
    assert received["List-Id"] is None and received["List-Unsubscribe"] is None
    # A copy of everything held goes to the address, so the greeting uses no name either.
    assert message.body.startswith("Hello,\n\nattached is a copy")


def test_every_mail_gets_its_own_message_id(settings):
    settings.WAGTAILADMIN_BASE_URL = HTTPS
    contact = Contact.objects.create(email="a@example.org", first_name="Ada")
    request = SignupRequest.objects.create(
        contact=contact, consents=[{"purpose": "newsletter", "text": "Yes"}]
    )
    send_confirmation.call(request.pk)
    send_confirmation.call(request.pk)
    first, second = (parsed(message)["Message-ID"] for message in mail.outbox)
    assert first != second and first.endswith("@www.example.org>")


# --- The greeting: a visitor-typed name only when it is plausibly one ------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_plausible_name_is_kept(name):
    assert plausible_name(name) == name
    assert plausible_name(f"  {name} ") == name


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "", "A" * 100])
def test_anything_else_is_no_name(name):
    assert plausible_name(name) == ""


def test_a_decomposed_accent_counts_as_its_letter():
    assert plausible_name("Zoe\u0308") == "Zoë"


def confirmation_for(first_name: str):
    contact = Contact.objects.create(email="someone@example.org", first_name=first_name)
    request = SignupRequest.objects.create(
        contact=contact, consents=[{"purpose": "newsletter", "text": "Yes, send it."}]
    )
    send_confirmation.call(request.pk)
    return mail.outbox[-1]


def delivery_for(first_name: str, page: LeadMagnetPage):
    contact = Contact.objects.create(
        email="someone@example.org", first_name=first_name, status=Contact.Status.TRANSACTIONAL
    )
    send_delivery.call(DownloadGrant.objects.create(contact=contact, page=page).pk)
    return mail.outbox[-1]


@pytest.fixture(params=["confirmation", "delivery"])
def mail_to(request, demo_site):
    """Sends the mail type of the parameter to a contact of the given first name."""
    if request.param == "confirmation":
        return confirmation_for
    page = LeadMagnetPage.objects.get(slug="starter-guide")
    return lambda first_name: delivery_for(first_name, page)


def without_links(text: str) -> str:
    """The words of a mail: its signed links could hold any letters by chance."""
    return re.sub(r"https?://[^\s\"<>]+", "", text)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_implausible_name_never_reaches_the_mail(mail_to, name):
    message = mail_to(name)
    html = html_part(message)
    assert message.body.startswith("Hello,\n\n")
    assert "<p>Hello,</p>" in html
    for text in (message.subject, without_links(message.body), without_links(html)):
        assert "evil" not in text and "<b>" not in text and "&lt;b&gt;" not in text
        assert "Ada" not in text and "AAAA" not in text and "🙂" not in text


@pytest.mark.parametrize("name", NAMES)
def test_a_plausible_name_is_in_the_greeting_only(mail_to, name):
    message = mail_to(name)
    assert message.body.startswith(f"Hello {name},\n\n")
    assert message.body.count(name) == 1
    assert name not in message.subject
    html = html_part(message)
    escaped = name.replace("'", "&#x27;")
    assert f"<p>Hello {escaped},</p>" in html and html.count(escaped) == 1


def test_a_name_typed_into_the_form_is_greeted_only_when_plausible(
    client, signup_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form, first_name="Click here: https://evil.example")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form, email="zoe@example.org", first_name="Zoë O’Neil-Smith")
    hostile, plausible = mail.outbox
    assert hostile.body.startswith("Hello,\n") and "evil" not in hostile.body
    assert "evil" not in html_part(hostile)
    assert plausible.body.startswith("Hello Zoë O’Neil-Smith,\n")


def test_the_html_alternative_escapes_and_the_text_part_does_not(demo_site):
    page = LeadMagnetPage.objects.get(slug="starter-guide")
    title = 'Tips & <Tricks> for "D\'Arcy"'
    LeadMagnetPage.objects.filter(pk=page.pk).update(title=title)
    message = delivery_for("D'Arcy", page)
    html = html_part(message)
    assert "Tips &amp; &lt;Tricks&gt; for &quot;D&#x27;Arcy&quot;" in html
    assert "<Tricks>" not in html and "<p>Hello D&#x27;Arcy,</p>" in html
    # Plain text is not HTML: escaping would show "&amp;" to the reader.
    assert title in message.body
    assert message.body.startswith("Hello D'Arcy,\n")
    assert "&amp;" not in message.body and "&#x27;" not in message.body
