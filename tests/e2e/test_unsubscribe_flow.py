"""A person's way through the mails in Chromium: sign up on the newsletter page, confirm from
the mail, unsubscribe from the mail, undo, confirm the fresh mail, choose a topic in the
preference centre; and on a phone, a lead magnet without the newsletter, then a return to
the newsletter after unsubscribing. Mails are real files written by Django's file backend
and read back."""

import email
import re
from email import policy
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from leadmagnets.models import LeadMagnetPage
from newsletter.models import ConsentEvent, Contact
from tests.browser import decide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "grace.hopper@example.org"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages in one file (filebased backend)


class Mailbox:
    """The file backend's directory, read the way a mail client would."""

    def __init__(self, path: Path):
        self.path = path

    def messages(self) -> list[email.message.EmailMessage]:
        found = []
        for file in sorted(self.path.glob("*.log"), key=lambda f: f.stat().st_mtime_ns):
            for raw in file.read_bytes().split(SEPARATOR):
                if raw.strip():
                    found.append(email.message_from_bytes(raw, policy=policy.default))
        return found

    def latest_link(self, kind: str) -> str:
        body = self.messages()[-1].get_body(preferencelist=("plain",)).get_content()
        return re.search(rf"http://\S+/newsletter/{kind}/\S+/", body).group(0)


@pytest.fixture
def mailbox(settings, tmp_path, live_server, demo_site):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    settings.NEWSLETTER_MIN_FILL_SECONDS = 0
    demo_site.hostname, demo_site.port = "localhost", live_server.thread.port
    demo_site.save()
    return Mailbox(tmp_path / "mail")


@pytest.fixture
def person(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def heading(page) -> str:
    return page.locator("main h1").inner_text()


def sign_up_for_the_newsletter(page):
    page.goto("/newsletter/")
    form = page.locator("main form")
    form.get_by_label("E-mail address").fill(ADDRESS)
    form.get_by_label("First name").fill("Grace")
    form.get_by_label("Yes, send me Margin Notes").check()
    form.get_by_role("button", name="Sign up").click()


def confirm_from_mail(page, mailbox):
    page.goto(mailbox.latest_link("confirm"))
    page.get_by_role("button", name="Yes, confirm").click()
    assert heading(page) == "You are confirmed"


def test_a_person_unsubscribes_from_a_mail_undoes_it_and_chooses_a_topic(person, mailbox):
    page = person
    page.goto("/newsletter/")
    decide(page)
    form = page.locator("main form")
    form.get_by_label("E-mail address").fill(ADDRESS)
    form.get_by_label("First name").fill("Grace")
    form.get_by_label("Yes, send me Margin Notes").check()
    form.get_by_role("button", name="Sign up").click()
    assert heading(page) == "Check your inbox"
    assert [message["To"] for message in mailbox.messages()] == [ADDRESS]
    assert Contact.objects.get().status == Contact.Status.PENDING

    confirm_from_mail(page, mailbox)
    assert Contact.objects.get().status == Contact.Status.SUBSCRIBED

    page.goto(mailbox.latest_link("unsubscribe"))
    page.get_by_role("button", name="Unsubscribe").click()
    assert heading(page) == "You are unsubscribed"
    assert Contact.objects.get().status == Contact.Status.UNSUBSCRIBED

    page.get_by_role("button", name="Undo: send me a confirmation mail").click()
    assert heading(page) == "Check your inbox"
    assert len(mailbox.messages()) == 2
    assert Contact.objects.get().status == Contact.Status.UNSUBSCRIBED  # not before confirming
    confirm_from_mail(page, mailbox)
    assert Contact.objects.get().status == Contact.Status.SUBSCRIBED

    page.goto(mailbox.latest_link("preferences"))
    assert heading(page) == "Your mail preferences"
    assert page.get_by_label("Send me the newsletter").is_checked()
    assert Axe().run(page, context="main").response["violations"] == []
    page.get_by_label("New guides").check()
    page.get_by_role("button", name="Save").click()
    assert "Your choices are saved." in page.get_by_role("status").inner_text()
    assert page.get_by_label("New guides").is_checked()

    contact = Contact.objects.get()
    assert contact.status == Contact.Status.SUBSCRIBED
    assert list(contact.topics.values_list("slug", flat=True)) == ["new-guides"]
    assert ConsentEvent.objects.filter(
        purpose="topic:new-guides", channel="preference-centre", action="given"
    ).exists()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def test_a_reader_asks_only_for_the_guide_and_later_comes_back_for_the_newsletter(
    phone, mailbox, settings
):
    """On a phone: the guide without the newsletter box makes no subscriber, its link works
    once, and signing up after an unsubscribe sends a fresh confirmation that subscribes."""
    page, guide = phone, LeadMagnetPage.objects.get(slug="starter-guide")
    page.goto(guide.url)
    decide(page)
    form = page.locator("main form")
    form.get_by_label("E-mail address").fill(ADDRESS)
    form.get_by_label("First name").fill("Grace")
    form.get_by_label(guide.consent_text).check()
    form.get_by_role("button", name=guide.button_label).click()
    assert heading(page) == "Check your inbox"
    link = mailbox.latest_link("confirm")
    confirm_from_mail(page, mailbox)
    assert page.get_by_role("link", name=re.compile("Download")).is_visible()
    assert "subscribed to the newsletter" not in page.locator("main").inner_text()
    contact = Contact.objects.get()
    assert contact.status == Contact.Status.TRANSACTIONAL and "newsletter" not in contact.tags
    mails = len(mailbox.messages())

    page.goto(link)  # the same link again: used, nothing happens twice
    assert heading(page) == "Already confirmed"
    assert len(mailbox.messages()) == mails

    # Subscribe, leave, and come back through the newsletter form.
    settings.NEWSLETTER_RESEND_MINUTES = 0
    sign_up_for_the_newsletter(page)
    confirm_from_mail(page, mailbox)
    assert "subscribed to the newsletter" in page.locator("main").inner_text()
    page.goto(mailbox.latest_link("unsubscribe"))
    page.get_by_role("button", name="Unsubscribe").click()
    assert Contact.objects.get().status == Contact.Status.UNSUBSCRIBED

    sent = len(mailbox.messages())
    sign_up_for_the_newsletter(page)
    assert heading(page) == "Check your inbox"
    assert len(mailbox.messages()) == sent + 1  # a fresh confirmation, not silence
    confirm_from_mail(page, mailbox)
    assert Contact.objects.get().status == Contact.Status.SUBSCRIBED
