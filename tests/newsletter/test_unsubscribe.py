"""Unsubscribe links: RFC 8058 one-click, unforgeable, reaching Mailchimp, undo by confirming."""

import random
import re
import string

import pytest
from django.core import mail, signing
from django.test import Client

from newsletter.links import UNSUBSCRIBE_SALT as SALT
from newsletter.links import read_unsubscribe_token, unsubscribe_token
from newsletter.models import ConsentEvent, Contact, SyncJob
from newsletter.unsubscribe import unsubscribe
from tests.html import without_per_response_values
from tests.newsletter.visitor import confirm_link, local, post, unsubscribe_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[0])))
    contact = Contact.objects.get()
    assert fake_mailchimp.member("list1", contact.email)["status"] == "subscribed"
    return contact


def test_every_mail_carries_an_unsubscribe_link_header(member):
    message = mail.outbox[0]
    # RFC 8058 §3.1: no one-click POST over http (tests/newsletter/test_mail.py: https).
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert re.fullmatch(
        r"<http://\S+/newsletter/unsubscribe/\S+/>", message.extra_headers["List-Unsubscribe"]
    )
    assert unsubscribe_link(message) in local(message.body)


def test_get_on_the_link_changes_nothing(member, fake_mailchimp):
    response = Client().get(unsubscribe_link(mail.outbox[0]))
    assert response.status_code == 200 and "Unsubscribe" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Contact.Status.SUBSCRIBED
    assert fake_mailchimp.member("list1", member.email)["status"] == "subscribed"


def test_one_click_post_without_cookies_unsubscribes_here_and_in_mailchimp(
    member, fake_mailchimp, django_capture_on_commit_callbacks
):
    mail_client = Client(enforce_csrf_checks=True)  # a mail provider: no cookies, no token
    with django_capture_on_commit_callbacks(execute=True):
        response = mail_client.post(
            unsubscribe_link(mail.outbox[0]),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.status == Contact.Status.UNSUBSCRIBED
    assert fake_mailchimp.member("list1", member.email)["status"] == "unsubscribed"
    withdrawal = ConsentEvent.objects.get(action="withdrawn")
    assert withdrawal.purpose == "newsletter"
    assert SyncJob.objects.filter(kind="unsubscribe", state="done").count() == 1


def test_valid_invalid_and_used_links_get_the_same_answer(member):
    link = unsubscribe_link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]

    def page(path):
        html = without_per_response_values(Client().post(path).content)
        return html.replace(path.rstrip("/").rsplit("/", 1)[1], "TOKEN")

    first, again = page(link), page(link)
    forged = page(f"/newsletter/unsubscribe/{token[:-3]}abc/")
    assert first == again == forged


def test_a_thousand_random_and_mutated_tokens_unsubscribe_nobody(member):
    valid = unsubscribe_token(member)
    rng = random.Random(8058)
    alphabet = string.ascii_letters + string.digits + ":-_=."
    candidates = []
    for _ in range(400):
        candidates.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))))
    for _ in range(400):
        chars = list(valid)
        position = rng.randrange(len(chars))
        chars[position] = rng.choice([c for c in alphabet if c != chars[position]])
        candidates.append("".join(chars))
    for cut in range(1, 101):
        candidates.append(valid[:-cut] if cut < len(valid) else valid[:1])
    for i in range(100):  # right shape, foreign purpose of signing
        candidates.append(
            signing.Signer(salt="newsletter.confirm.v2").sign_object(
                {"k": member.link_key, "p": f"x{i}"}
            )
        )
    assert len(candidates) == 1000
    for token in candidates:
        if token == valid:
            continue
        assert read_unsubscribe_token(token) is None
        unsubscribe(token)
    member.refresh_from_db()
    assert member.status == Contact.Status.SUBSCRIBED


def test_links_survive_a_secret_key_rotation(member, settings):
    token = unsubscribe_token(member)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "n" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert read_unsubscribe_token(token) == {"k": member.link_key, "p": "newsletter"}
    settings.SECRET_KEY_FALLBACKS = []
    assert read_unsubscribe_token(token) is None


def test_undo_resubscribes_only_after_a_fresh_confirmation(
    member, fake_mailchimp, django_capture_on_commit_callbacks
):
    link = unsubscribe_link(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(link + "undo/")
    assert "Check your inbox" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Contact.Status.UNSUBSCRIBED
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(local(confirm_link(mail.outbox[1])))
    member.refresh_from_db()
    assert member.status == Contact.Status.SUBSCRIBED
    # Mailchimp keeps unsubscribed members in a compliance state; the site asks Mailchimp to
    # confirm once more (pending) instead of forcing "subscribed".
    assert fake_mailchimp.member("list1", member.email)["status"] == "pending"


def test_unsubscribing_before_confirming_sends_nothing_to_mailchimp(
    client,
    signup_form,
    fake_mailchimp,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(unsubscribe_link(mail.outbox[0]))
    contact = Contact.objects.get()
    assert contact.status == Contact.Status.UNSUBSCRIBED
    assert fake_mailchimp.calls == []
    assert not SyncJob.objects.filter(state__in=["queued", "retrying"]).exists()


def test_salt_is_its_own():
    assert SALT not in {"newsletter.confirm.v2", "leadmagnet.download.v2"}
