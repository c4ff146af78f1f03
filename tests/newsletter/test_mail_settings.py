"""The mail sender and texts editors own (Settings → Mail sender and texts): today's wording
until someone edits it, the edited sender and texts in every mail, placeholders checked as
form errors that name them, hostile text escaped in the HTML part and left plain in the text
part, and a preview that renders each mail as sent."""

import email
import itertools
from email import policy
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from leadmagnets.delivery import send_delivery
from leadmagnets.models import DownloadGrant, LeadMagnetPage
from newsletter import mail_texts
from newsletter.models import Contact, MailSettings, SignupRequest
from newsletter.tasks import send_confirmation
from tests.newsletter.visitor import ask

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(\"x\")</script> & <b>bold</b> 'quoted'"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
TEXT_FIELDS = [
    f"{wording.name}_{part}"
    for wording in mail_texts.WORDINGS.values()
    for part in ("text", "after_link")
]
SUBJECT_FIELDS = [f"{name}_subject" for name in mail_texts.WORDINGS]
ADDRESSES = (f"person{n}@example.org" for n in itertools.count())


def edit(**fields) -> MailSettings:
    texts = MailSettings.load()
    for name, value in fields.items():
        setattr(texts, name, value)
    texts.full_clean()
    texts.save()
    return texts


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def received(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def confirmation(first_name="Ada", purposes=("newsletter",)):
    contact = Contact.objects.create(email=next(ADDRESSES), first_name=first_name)
    request = SignupRequest.objects.create(
        contact=contact, consents=[{"purpose": purpose, "text": "Yes"} for purpose in purposes]
    )
    send_confirmation.call(request.pk)
    return mail.outbox[-1]


def delivery(first_name="Rea"):
    page = LeadMagnetPage.objects.get(slug="starter-guide")
    contact = Contact.objects.create(
        email=next(ADDRESSES), first_name=first_name, status=Contact.Status.TRANSACTIONAL
    )
    send_delivery.call(DownloadGrant.objects.create(contact=contact, page=page).pk)
    return mail.outbox[-1]


def privacy_request(capture, kind="erasure"):
    """The public form's request; its mail goes once the request is committed."""
    with capture(execute=True):
        ask(Client(), email=next(ADDRESSES), kind=kind)
    return mail.outbox[-1]


@pytest.fixture
def every_mail(demo_site, django_capture_on_commit_callbacks):
    """The three worded mails, each sent once as the worker would."""

    def send():
        return {
            "confirmation": confirmation(),
            "delivery": delivery(),
            "privacy": privacy_request(django_capture_on_commit_callbacks),
        }

    return send


# --- Until an editor edits: today's mails ------------------------------------------------------


def test_the_defaults_are_todays_wording_word_for_word(settings):
    settings.WAGTAILADMIN_BASE_URL = "https://www.example.org"
    message = confirmation()
    assert message.subject == "Please confirm your sign-up"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL == "Website <hello@localhost>"
    lines = message.body.splitlines()
    assert lines[:3] == [
        "Hello Ada,",
        "",
        "please confirm that you want our newsletter with this link:",
    ]
    # The same lines as the template before the texts became editable.
    assert lines[5:9] == [
        "",
        "The link is valid for 7 days and works once. If you did not ask for this,",
        "ignore this mail and nothing will happen.",
        "",
    ]
    html = html_part(message)
    assert "<p>please confirm that you want our newsletter with this link:</p>" in html
    assert (
        "<p>The link is valid for 7 days and works once. If you did not ask for this, ignore "
        "this mail and nothing will happen.</p>"
    ) in html


def test_each_kind_of_confirmation_says_what_was_asked_for():
    assert "confirm that you want our newsletter and what you asked for" in (
        confirmation(purposes=("newsletter", "leadmagnet:starter-guide")).body
    )
    assert "confirm your address to receive what you asked for" in (
        confirmation(purposes=("leadmagnet:starter-guide",)).body.replace("\n", " ")
    )


def test_the_download_and_privacy_mails_keep_their_wording(
    demo_site, django_capture_on_commit_callbacks
):
    download = delivery()
    assert download.subject == "Your download: Free starter guide"
    assert "here is your download of “Free starter guide”:" in download.body
    assert "The link works for 7 days." in download.body
    access = privacy_request(django_capture_on_commit_callbacks, kind="access")
    assert access.subject == "Please confirm your privacy request"
    assert access.body.startswith(
        "Hello,\n\nsomeone, probably you, asked for a copy of the data held about this address."
    )


# --- The edited sender and texts ---------------------------------------------------------------


def test_every_mail_comes_from_the_edited_sender(every_mail):
    edit(sender_name="Ilka Sommer Studio", sender_address="post@ilka-sommer.example")
    for name, message in every_mail().items():
        assert received(message)["From"] == "Ilka Sommer Studio <post@ilka-sommer.example>", name


def test_a_blank_half_of_the_sender_is_the_servers(settings):
    settings.DEFAULT_FROM_EMAIL = "Website <hello@localhost>"
    assert edit(sender_name="Ilka").sender() == "Ilka <hello@localhost>"
    assert edit(sender_name="", sender_address="post@example.org").sender() == (
        "Website <post@example.org>"
    )


def test_a_sender_name_cannot_add_an_address_or_a_header():
    texts = edit(sender_name='Ada "Boss" <boss@evil.example>, x@evil.example')
    message = received(mail.EmailMessage("s", "b", from_email=texts.sender(), to=["a@example.org"]))
    assert [address.addr_spec for address in message["From"].addresses] == ["hello@localhost"]
    assert message["From"].addresses[0].display_name.startswith('Ada "Boss"')


def test_a_sender_name_in_any_script_arrives_as_written():
    texts = edit(sender_name="Zoë’s Studio", sender_address="post@example.org")
    assert texts.sender_parts() == ("Zoë’s Studio", "post@example.org")
    message = received(confirmation())
    [address] = message["From"].addresses
    assert (address.display_name, address.addr_spec) == ("Zoë’s Studio", "post@example.org")


def test_every_mail_says_the_edited_texts_with_their_placeholders_filled(every_mail, settings):
    edit(
        greeting="Dear {first_name}, from {site_name}:",
        confirmation_subject="{site_name}: one more click",
        confirmation_text="{first_name}, please confirm {request}.",
        confirmation_after_link="Valid {confirm_link_days} days.",
        delivery_subject="{title} is here",
        delivery_text="Your copy of {title}:",
        delivery_after_link="Good for {download_link_days} days.",
        privacy_subject="Privacy at {site_name}",
        privacy_text="Confirm your request {request}:",
        privacy_after_link="",
    )
    mails = every_mail()
    confirm, download, privacy = mails["confirmation"], mails["delivery"], mails["privacy"]
    assert confirm.subject == "Ilka Sommer: one more click"
    assert confirm.body.startswith(
        "Dear Ada, from Ilka Sommer:\n\nAda, please confirm that you want our newsletter.\n"
    )
    assert "Valid 7 days." in confirm.body and "<p>Valid 7 days.</p>" in html_part(confirm)
    assert download.subject == "Free starter guide is here"
    assert "Your copy of Free starter guide:" in download.body
    assert "Good for 7 days." in download.body
    assert privacy.subject == "Privacy at Ilka Sommer"
    # No name is greeted in a mail owed to whoever typed the address: {first_name} goes.
    assert privacy.body.startswith("Dear, from Ilka Sommer:\n\nConfirm your request to erase")
    assert privacy.body.rstrip().endswith("/")  # no text after the link: the link ends it


def test_a_missing_first_name_takes_its_space_along():
    edit(greeting="Hi {first_name}!")
    assert confirmation(first_name="").body.startswith("Hi!\n")
    assert confirmation(first_name="https://evil.example").body.startswith("Hi!\n")


def test_the_subject_never_carries_a_name_even_if_stored_around_the_form():
    MailSettings.objects.filter(pk=MailSettings.load().pk).update(
        confirmation_subject="For {first_name}"
    )
    message = confirmation(first_name="Ada")
    assert message.subject.strip() == "For" and "Ada" not in message.subject


@pytest.mark.parametrize("field", ["greeting", *SUBJECT_FIELDS, *TEXT_FIELDS])
def test_hostile_text_is_escaped_in_html_and_plain_in_text(every_mail, field):
    edit(**{field: HOSTILE})
    kind = field.split("_", 1)[0]
    messages = every_mail()
    for name, message in messages.items():
        if field != "greeting" and name != kind:
            continue
        html = html_part(message)
        assert "<script>" not in html and "<b>bold</b>" not in html, (field, name)
        assert ESCAPED in html, (field, name)
        if field.endswith("_subject"):
            assert message.subject == HOSTILE
        else:
            assert HOSTILE in message.body, (field, name)
            assert "&lt;" not in message.body and "&amp;" not in message.body


# --- Checks: form errors that name what is wrong -----------------------------------------------


@pytest.fixture
def admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def edit_url() -> str:
    return reverse(
        "wagtailsettings:edit", args=["newsletter", "mailsettings", MailSettings.load().pk]
    )


def form_data(**changes) -> dict:
    texts = MailSettings.load()
    data = {
        field.name: getattr(texts, field.name)
        for field in MailSettings._meta.fields
        if field.name != "id"
    }
    return {**data, **changes}


def post_settings(admin, **changes):
    response = admin.post(edit_url(), form_data(**changes))
    assert response.status_code in (200, 302)
    return response


def errors(response) -> dict[str, list[str]]:
    return {field: list(messages) for field, messages in response.context["form"].errors.items()}


def test_the_settings_form_saves_edited_texts(admin):
    response = post_settings(admin, confirmation_text="Bitte bestätige {request}:")
    assert response.status_code == 302
    assert MailSettings.load().confirmation_text == "Bitte bestätige {request}:"


def test_an_address_off_the_sites_domain_is_advised_against_not_refused(admin, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://www.ilka-sommer.example"
    response = admin.post(edit_url(), form_data(sender_address="ilka@gmail.example"), follow=True)
    assert MailSettings.load().sender_address == "ilka@gmail.example"
    [advice] = [unescape(str(m)) for m in response.context["messages"] if "domain" in str(m)]
    assert advice.startswith("The sender address is not on the site's domain")
    response = admin.post(
        edit_url(), form_data(sender_address="post@ilka-sommer.example"), follow=True
    )
    assert not [m for m in response.context["messages"] if "domain" in str(m)]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "confirmation_text",
            "Hi {fist_name}",
            "Unknown placeholder {fist_name}. This text may use {first_name}, {site_name}, "
            "{request}, {confirm_link_days}, each written as shown.",
        ),
        ("confirmation_text", "Hi {first_name", mail_texts.BRACES_MESSAGE),
        ("delivery_after_link", "Valid } days", mail_texts.BRACES_MESSAGE),
        ("greeting", "Hello {first_name!r}", "Unknown placeholder {first_name!r}."),
        ("privacy_text", "{site_name.__class__}", "Unknown placeholder {site_name.__class__}."),
        ("privacy_text", "Hi {first_name}", "Unknown placeholder {first_name}."),
        ("confirmation_subject", "For {first_name}", "Unknown placeholder {first_name}."),
        ("delivery_subject", "{a} and {b}", "Unknown placeholders {a}, {b}."),
        ("confirmation_subject", "Line\nBcc: x@evil.example", "Keep this on one line"),
        ("sender_name", "Ada\r\nBcc: x@evil.example", "Keep this on one line"),
        ("sender_address", "x@evil.example\nBcc: y@evil.example", "Enter a valid email address."),
        ("sender_address", "not an address", "Enter a valid email address."),
    ],
)
def test_a_bad_text_is_a_form_error_naming_it(admin, field, value, message):
    before = MailSettings.load().__dict__.copy()
    response = post_settings(admin, **{field: value})
    assert response.status_code == 200
    assert any(error.startswith(message) for error in errors(response)[field]), errors(response)
    # Nothing saved, no server error: the error is shown next to the field.
    assert MailSettings.load().__dict__[field] == before[field]


def test_a_brace_itself_is_written_doubled():
    MailSettings.load()
    texts = edit(confirmation_text="Use {{this}} and {request}.")
    assert mail_texts.fill(texts.confirmation_text, {"request": "x"}) == "Use {this} and x."


def test_the_help_lists_each_texts_placeholders():
    field = MailSettings._meta.get_field("delivery_text")
    for name in ("{first_name}", "{site_name}", "{title}", "{download_link_days}"):
        assert name in field.help_text
    assert "{first_name}" not in MailSettings._meta.get_field("privacy_text").help_text


# --- The preview: each mail as sent, with made-up data -----------------------------------------


def preview(admin, mode: str, **changes) -> str:
    url = reverse(
        "wagtailsettings:preview_on_edit",
        args=["newsletter", "mailsettings", MailSettings.load().pk],
    )
    state = admin.post(url, form_data(**changes)).json()
    assert state["is_valid"] is True
    response = admin.get(url, {"mode": mode})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("mode", list(mail_texts.WORDINGS))
def test_the_preview_renders_each_mail_with_the_unsaved_texts(admin, demo_site, mode):
    html = preview(
        admin,
        mode,
        sender_name="Studio <Ilka>",
        sender_address="post@example.org",
        **{f"{mode}_text": f"Preview of {HOSTILE}"},
    )
    assert f"Preview of {ESCAPED}" in html
    assert "<script>" not in html
    assert "Studio &lt;Ilka&gt;" in html  # the From line, escaped
    assert "Plain-text part" in html
    # Saved nothing: the preview is of the form as typed.
    assert MailSettings.load().sender_name == ""


def test_the_preview_uses_sample_data(admin, demo_site):
    html = preview(admin, "delivery")
    assert "Hello Ada," in html
    assert "here is your download of “Free starter guide”:" in html
    assert "Your download: Free starter guide" in html


def test_the_preview_refuses_an_invalid_text(admin):
    url = reverse(
        "wagtailsettings:preview_on_edit",
        args=["newsletter", "mailsettings", MailSettings.load().pk],
    )
    state = admin.post(url, form_data(confirmation_text="{nope}")).json()
    assert state["is_valid"] is False
