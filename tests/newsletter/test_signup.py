"""Sign-ups: stored with proof first, confirmed by the person, synced to (fake) Mailchimp."""

import datetime
import re
import time

import pytest
import time_machine
from django.core import mail, signing

from legal.models import PolicyVersion
from newsletter.forms import STARTED_SALT
from newsletter.links import confirmation_token
from newsletter.models import ConsentEvent, Contact, SignupRequest, SyncAttempt, SyncJob
from newsletter.tasks import sync_contact
from tests.newsletter.visitor import ORIGIN, confirm_link, form_data, post

pytestmark = pytest.mark.django_db


def test_sign_up_stores_the_request_first_and_answers_at_once(
    client, signup_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, signup_form)
    assert response.status_code == 303
    assert response["Location"] == "/newsletter/check-your-inbox/"
    contact = Contact.objects.get()
    assert contact.email == "Ada.Lovelace@Example.org"
    assert contact.email_key == "ada.lovelace@example.org"
    assert contact.status == Contact.Status.PENDING
    request = SignupRequest.objects.get()
    page, block = signup_form
    assert request.consents == [{"purpose": "newsletter", "text": block.value["consent_text"]}]
    assert request.privacy_version == PolicyVersion.objects.in_force("privacy")
    assert request.page_id == page.pk and request.confirmed_at is None
    # Nothing takes effect before the mailbox's owner confirms: no consent, no sync job.
    assert not ConsentEvent.objects.exists() and not SyncJob.objects.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Ada.Lovelace@Example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    consent = ConsentEvent.objects.get()
    assert consent.text == block.value["consent_text"]
    assert consent.privacy_version == PolicyVersion.objects.in_force("privacy")
    assert consent.page_id == page.pk
    assert SyncJob.objects.get().state == SyncJob.State.QUEUED  # Mailchimp sync is off here


def test_confirmed_sign_up_reaches_mailchimp_subscribed_with_fields_and_tags(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    assert fake_mailchimp.calls == []  # nothing goes out before the double opt-in
    link = confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    assert "Yes, confirm" in client.get(link).content.decode()
    assert Contact.objects.get().status == Contact.Status.PENDING  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, HTTP_USER_AGENT="TestBrowser/1.0", REMOTE_ADDR="203.0.113.9")
    assert "You are confirmed" in response.content.decode()
    contact = Contact.objects.get()
    assert contact.status == Contact.Status.SUBSCRIBED
    assert contact.confirmation_proof["network"] == "203.0.113.0/24"
    assert contact.confirmation_proof["user_agent"] == "TestBrowser/1.0"
    member = fake_mailchimp.member("list1", "ada.lovelace@example.org")
    assert member["status"] == "subscribed"
    assert member["merge_fields"] == {"FNAME": "Ada", "LNAME": ""}
    assert member["tags"] == {"newsletter"}
    assert contact.sync_state == Contact.SyncState.SYNCED
    assert SyncJob.objects.get().state == SyncJob.State.DONE


def test_marketing_permissions_are_sent_when_configured(
    client, signup_form, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.MAILCHIMP_MARKETING_PERMISSIONS = ["perm-email"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    assert fake_mailchimp.permission("list1", "ada.lovelace@example.org", "perm-email") is True


def test_an_address_unsubscribed_in_mailchimp_is_asked_again_by_mailchimp_after_confirming(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    fake_mailchimp.set_status("list1", "ada.lovelace@example.org", "unsubscribed")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    # A sign-up alone never touches Mailchimp.
    assert fake_mailchimp.calls == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    # The fresh confirmation asks to subscribe; Mailchimp refuses an unsubscribed member
    # (compliance state) and sends its own opt-in instead.
    assert fake_mailchimp.member("list1", "ada.lovelace@example.org")["status"] == "pending"
    assert fake_mailchimp.optin_mails == ["ada.lovelace@example.org"]
    assert Contact.objects.get().sync_state == Contact.SyncState.AWAITING_MAILCHIMP


def signing_hash(email):
    from newsletter.mailchimp import subscriber_hash

    return subscriber_hash(email)


def test_the_answer_is_the_same_for_new_pending_and_subscribed_addresses(
    client, signup_form, django_capture_on_commit_callbacks
):
    answers = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(post(client, signup_form))
    Contact.objects.update(status=Contact.Status.SUBSCRIBED)
    answers.append(post(client, signup_form))
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (303, "/newsletter/check-your-inbox/")
    }


def test_confirmation_is_resent_at_most_once_per_ten_minutes(
    client, signup_form, django_capture_on_commit_callbacks, settings
):
    # The resend interval alone: the mailbox's hourly allowance of requests for mail
    # (tests/security/test_limits.py) would hold the fourth one.
    settings.NEWSLETTER_MAILS_PER_ADDRESS = (10, 3600)
    start = datetime.datetime.now(datetime.UTC)
    for minutes in (0, 1, 5, 11):
        moment = start + datetime.timedelta(minutes=minutes)
        with time_machine.travel(moment), django_capture_on_commit_callbacks(execute=True):
            started = signing.dumps(int(time.time()) - 30, salt=STARTED_SALT)
            post(client, signup_form, started=started)
    assert len(mail.outbox) == 2
    assert Contact.objects.count() == 1
    assert SignupRequest.objects.count() == 4  # every sign-up is kept


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": ""}, "consent", "Please tick the box"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": "a" * 300 + "@example.org"}, "email", "Ensure this value has at most"),
        ({"first_name": "x" * 10_000}, "first_name", "Ensure this value has at most 100"),
        ({"first_name": "Ada\x00\x07"}, "first_name", "Null characters are not allowed."),
        ({"first_name": "Ada\x07"}, "first_name", "Please remove control characters."),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_stores_nothing(
    client, signup_form, overrides, field, message
):
    response = post(client, signup_form, **overrides)
    assert response.status_code == 400
    html = response.content.decode()
    block_id = signup_form[1].id
    assert f'id="signup-{block_id[:8]}-{field}_error"' in html
    assert message in html
    assert Contact.objects.count() == ConsentEvent.objects.count() == SyncJob.objects.count() == 0


def test_bots_are_stopped_by_honeypot_and_minimum_fill_time(client, signup_form):
    assert post(client, signup_form, website="http://spam.example").status_code == 400
    fast = signing.dumps(int(time.time()), salt=STARTED_SALT)
    response = post(client, signup_form, started=fast)
    assert response.status_code == 400 and "very fast" in response.content.decode()
    assert post(client, signup_form, started="forged").status_code == 400
    assert Contact.objects.count() == 0


def test_sign_ups_are_rate_limited_per_address(client, signup_form, settings):
    settings.NEWSLETTER_RATE_LIMIT = (3, 600)
    codes = [post(client, signup_form, email=f"p{i}@example.org").status_code for i in range(5)]
    assert codes == [303, 303, 303, 429, 429]
    assert "wait ten minutes" in post(client, signup_form).content.decode()


def test_unknown_forms_and_cross_site_posts_are_refused(client, signup_form):
    assert post(client, signup_form, block="nope").status_code == 400
    assert post(client, signup_form, page="999999").status_code == 400
    response = client.post(
        "/newsletter/signup/", form_data(signup_form), HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 400
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("token", ["", "garbage", "eyJjIjoxfQ:1abc:forged", "x" * 500])
def test_tampered_confirmation_links_change_nothing(
    client, signup_form, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    response = client.post(f"/newsletter/confirm/{token or 'x'}/")
    assert response.status_code in (400, 404)
    assert Contact.objects.get().status == Contact.Status.PENDING


def test_confirmation_links_expire_after_seven_days(
    client, signup_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    link = confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=8)
    with time_machine.travel(later):
        assert client.post(link).status_code == 400
    assert Contact.objects.get().status == Contact.Status.PENDING


def test_without_an_api_key_sync_is_switched_off(
    client, signup_form, settings, django_capture_on_commit_callbacks
):
    settings.MAILCHIMP_API_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    contact = Contact.objects.get()
    assert contact.status == Contact.Status.SUBSCRIBED
    assert contact.sync_state == Contact.SyncState.OFF


def test_a_permanent_error_stops_with_a_readable_reason(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form, email="robot@invalid.example")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    contact = Contact.objects.get()
    assert contact.sync_state == Contact.SyncState.FAILED
    assert "looks fake or invalid" in contact.last_sync_error
    assert SyncJob.objects.get().state == SyncJob.State.FAILED
    assert SyncAttempt.objects.get().status_code == 400


def test_mailchimp_down_loses_nothing_and_each_contact_syncs_once_after_recovery(
    client, signup_form, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    fake_mailchimp.fail_with = 503
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, signup_form, email=f"reader{i}@example.org").status_code == 303
    for request in SignupRequest.objects.all():
        client.post(f"/newsletter/confirm/{confirmation_token(request)}/")
    for contact in Contact.objects.all():
        sync_contact.call(contact.pk)  # the worker's first try, during the outage
    assert set(Contact.objects.values_list("sync_state", flat=True)) == {"retrying"}
    assert Contact.objects.filter(status="subscribed").count() == 5

    fake_mailchimp.fail_with = None
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    with time_machine.travel(later):
        for _ in range(2):  # a repeated run is harmless
            for contact in Contact.objects.all():
                sync_contact.call(contact.pk)
    assert set(Contact.objects.values_list("sync_state", flat=True)) == {"synced"}
    for i in range(5):
        assert fake_mailchimp.member("list1", f"reader{i}@example.org")["status"] == "subscribed"
    successful_puts = SyncAttempt.objects.filter(outcome="ok").count()
    assert successful_puts == 5


def test_retrying_stops_after_24_hours(
    client, signup_form, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    fake_mailchimp.fail_with = 500
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    contact = Contact.objects.get()
    client.post(f"/newsletter/confirm/{confirmation_token(SignupRequest.objects.get())}/")
    sync_contact.call(contact.pk)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=25)):
        sync_contact.call(contact.pk)
    contact.refresh_from_db()
    assert contact.sync_state == Contact.SyncState.FAILED
    assert contact.last_sync_error.startswith("Gave up after 24 hours")


def test_the_newsletter_page_renders_a_working_form(client, signup_form):
    page, block = signup_form
    html = client.get("/newsletter/").content.decode()
    assert f'name="block" value="{block.id}"' in html
    assert f'name="page" value="{page.pk}"' in html
    assert 'name="consent"' in html and " checked" not in html.split('name="consent"')[1][:40]
    assert "csrfmiddlewaretoken" not in html  # the page stays cacheable


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_admin_lists_failed_contacts_with_their_error_and_retries_them(
    admin_client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(admin_client, signup_form, email="robot@invalid.example")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", ""))
    html = admin_client.get("/admin/newsletter/sync/", {"state": "failed"}).content.decode()
    assert "robot@invalid.example" in html and "looks fake or invalid" in html
    assert "Mailchimp sync is switched off" not in html

    Contact.objects.update(email="robot@example.org")  # the editor fixed the address
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/newsletter/sync/retry/")
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.sync_state == Contact.SyncState.SYNCED
    assert fake_mailchimp.member("list1", "robot@example.org")["status"] == "subscribed"


def test_admin_says_when_sync_is_off(admin_client, settings):
    settings.MAILCHIMP_API_KEY = ""
    html = admin_client.get("/admin/newsletter/sync/").content.decode()
    assert "Mailchimp sync is switched off" in html


def test_the_footer_form_signs_up_from_every_page(
    client, demo_site, django_capture_on_commit_callbacks
):
    html = client.get("/about/").content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    block_id = re.search(r'name="block" value="([^"]+)"', footer).group(1)
    assert 'name="page" value=""' in footer
    data = {
        "page": "",
        "block": block_id,
        "email": "footer@example.org",
        "first_name": "Fe",
        "consent": "on",
        "website": "",
        "started": signing.dumps(int(time.time()) - 30, salt=STARTED_SALT),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletter/signup/", data, **ORIGIN)
    assert response.status_code == 303
    request = SignupRequest.objects.get()
    assert request.channel == "footer"
    assert "Margin Notes" in request.consents[0]["text"]


def confirmed_contact(email="slow@example.org"):
    contact = Contact.objects.create(
        email=email,
        status=Contact.Status.SUBSCRIBED,
        confirmed_at=datetime.datetime.now(datetime.UTC),
    )
    SyncJob.objects.create(contact=contact, tags=["newsletter"])
    return contact


def test_a_mailchimp_timeout_is_retried_not_waited_for(fake_mailchimp, settings):
    settings.MAILCHIMP_TIMEOUT = (1, 0.3)
    fake_mailchimp.latency = 1.0
    contact = confirmed_contact()
    started = time.monotonic()
    sync_contact.call(contact.pk)
    assert time.monotonic() - started < 5
    contact.refresh_from_db()
    assert contact.sync_state == Contact.SyncState.RETRYING
    assert "ReadTimeout" in contact.last_sync_error
    assert SyncAttempt.objects.get().status_code is None


def test_a_refused_connection_is_retried(settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.MAILCHIMP_API_KEY = "0123456789abcdef0123456789abcdef-us21"
    settings.MAILCHIMP_AUDIENCE_ID = "list1"
    settings.MAILCHIMP_API_URL = f"http://127.0.0.1:{closed_port}/3.0"
    contact = confirmed_contact()
    sync_contact.call(contact.pk)
    contact.refresh_from_db()
    assert contact.sync_state == Contact.SyncState.RETRYING
    assert "ConnectionError" in contact.last_sync_error


def test_mailchimp_429_is_retried(fake_mailchimp):
    fake_mailchimp.fail_with = 429
    contact = confirmed_contact()
    sync_contact.call(contact.pk)
    contact.refresh_from_db()
    assert contact.sync_state == Contact.SyncState.RETRYING
    assert SyncAttempt.objects.get().status_code == 429


def test_a_page_with_two_sign_up_forms_has_unique_field_ids(client, signup_form):
    html = client.get("/newsletter/").content.decode()
    # <template> content is inert and <noscript> is not parsed when scripts run.
    live = re.sub(r"<(template|noscript)\b.*?</\1>", "", html, flags=re.S)
    ids = re.findall(r' id="([^"]+)"', live)
    assert len(ids) == len(set(ids))
    assert live.count('name="email"') == 2
