"""Data-subject rights: export and erasure of an address from the admin, the management
commands and the public privacy-request form; erasure reaches (fake) Mailchimp."""

import datetime
import io
import json
import re
import time

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from leadmagnets.models import DownloadGrant, LeadMagnetPage
from legal.models import ConsentRecord
from newsletter.forms import STARTED_SALT
from newsletter.models import (
    ConsentEvent,
    Contact,
    DataRequest,
    NewsletterTopic,
    SignupRequest,
    Suppression,
    SyncAttempt,
    SyncJob,
)
from newsletter.privacy.export import export_personal_data
from newsletter.tasks import erase_member
from tests.fake_mailchimp import subscriber_hash
from tests.newsletter.visitor import ORIGIN, ask, confirm_link, local, post

pytestmark = pytest.mark.django_db

EMAIL = "Ada.Lovelace@Example.org"
NOTHING = "Nothing held about this address."


@pytest.fixture
def member(client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks):
    """Signed up and confirmed through the site, synced to the fake as subscribed."""
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[-1])))
    contact = Contact.objects.get()
    assert fake_mailchimp.member("list1", EMAIL)["status"] == "subscribed"
    return contact


def erase(email, django_capture_on_commit_callbacks, *args):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_personal_data", email, "--yes", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


def editor(django_user_model, *codenames):
    user = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="newsletter", codename=codename)
        )
    editor_client = Client()
    editor_client.force_login(user)
    return editor_client


def test_erased_contact_is_gone_locally_deleted_in_mailchimp_and_flagged_when_signing_up_again(
    client, signup_form, member, fake_mailchimp, admin_client, django_capture_on_commit_callbacks
):
    output = erase(EMAIL, django_capture_on_commit_callbacks)

    assert output.startswith("Erased.")
    assert not Contact.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert not SyncJob.objects.filter(contact__isnull=False).exists()
    assert fake_mailchimp.member("list1", EMAIL) is None
    assert subscriber_hash(EMAIL) in fake_mailchimp.forgotten
    assert fake_mailchimp.count("POST", "/actions/delete-permanent") == 1
    erasure = SyncJob.objects.get(kind=SyncJob.Kind.ERASE)
    assert erasure.state == SyncJob.State.DONE
    assert "subscriber_hash" not in erasure.payload  # the hash goes once its work is done
    logged = DataRequest.objects.get()
    assert (logged.kind, logged.source, logged.status) == ("erasure", "command", "done")
    assert logged.outcome["mailchimp"] == "deleted permanently"
    assert logged.outcome["deleted"]["newsletter.Contact"] == 1
    assert Suppression.covers(EMAIL.upper())

    # The same person signs up again: the visitor sees the usual answer...
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, signup_form)
    assert (response.status_code, response["Location"]) == (303, "/newsletter/check-your-inbox/")
    contact = Contact.objects.get()
    assert contact.returned_after_erasure
    puts_before = fake_mailchimp.count("PUT")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[-1])))
    # ...Mailchimp refuses the forgotten address once, and the sync stops with the reason.
    contact.refresh_from_db()
    assert contact.sync_state == Contact.SyncState.FAILED
    assert "Forgotten Email Not Subscribed" in contact.last_sync_error
    assert fake_mailchimp.count("PUT") == puts_before + 1
    assert SyncJob.objects.get(contact=contact).state == SyncJob.State.FAILED
    assert fake_mailchimp.member("list1", EMAIL) is None
    # ...and editors see the returned address in the contacts list.
    html = admin_client.get("/admin/newsletter/sync/").content.decode()
    assert "Returned after erasure" in html


@pytest.fixture
def guide(demo_site):
    return LeadMagnetPage.objects.get(slug="starter-guide")


def test_export_holds_contact_topics_consents_sync_history_downloads_and_cookie_choices(
    client, guide, fake_mailchimp, django_capture_on_commit_callbacks
):
    client.post("/consent/", {"action": "accept_all"}, **ORIGIN)  # the cookie banner
    consent_id = ConsentRecord.objects.get().consent_id
    ConsentRecord.objects.create(  # somebody else's browser
        consent_id="someone-else", method="banner", choices={}, banner_text_hash="0" * 64
    )
    data = {
        "email": EMAIL,
        "first_name": "Ada",
        "consent": "on",
        "newsletter": "on",
        "website": "",
        "started": signing.dumps(int(time.time()) - 30, salt=STARTED_SALT),
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/lead-magnets/{guide.pk}/request/", data, **ORIGIN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(local(confirm_link(mail.outbox[-1])))
    contact = Contact.objects.get()
    contact.topics.add(NewsletterTopic.objects.create(name="Essays", slug="essays"))

    exported = export_personal_data(EMAIL.upper())

    json.dumps(exported)  # plain JSON, nothing left to encode
    assert exported["email"] == EMAIL.upper()
    assert exported["contact"]["email"] == EMAIL
    assert exported["contact"]["status"] == "subscribed"
    assert exported["contact"]["confirmation_proof"]["purposes"]
    assert exported["topics"] == [{"name": "Essays", "slug": "essays"}]
    purposes = {consent["purpose"] for consent in exported["consent_events"]}
    assert purposes == {"leadmagnet:starter-guide", "newsletter"}
    assert {consent["cookie_consent_id"] for consent in exported["consent_events"]} == {consent_id}
    assert exported["consent_events"][0]["privacy_version"]  # readable, not an id
    [job] = exported["sync_history"]
    assert job["state"] == "done" and job["attempts"][0]["outcome"] == "ok"
    [download] = exported["downloads"]
    assert download["resource"] == guide.title and download["download_count"] == 0
    [cookie_choice] = exported["cookie_consent_records"]
    assert cookie_choice["consent_id"] == consent_id
    assert cookie_choice["choices"]["groups"]["statistics"] is True

    # Erasure takes the downloads and this browser's cookie choices with it, nobody else's.
    erase(EMAIL, django_capture_on_commit_callbacks)
    assert not DownloadGrant.objects.exists()
    assert list(ConsentRecord.objects.values_list("consent_id", flat=True)) == ["someone-else"]


def test_a_sign_up_remembers_the_browsers_cookie_consent_id(client, signup_form):
    post(client, signup_form, email="before@example.org")  # no banner answer yet
    client.post("/consent/", {"action": "reject_all"}, **ORIGIN)
    post(client, signup_form)
    consent_id = ConsentRecord.objects.get().consent_id
    assert dict(SignupRequest.objects.values_list("contact__email", "cookie_consent_id")) == {
        "before@example.org": "",
        EMAIL: consent_id,
    }


def test_unknown_address_is_reported_as_nothing_held_by_commands_and_admin(
    admin_client, fake_mailchimp, django_capture_on_commit_callbacks, tmp_path
):
    out = io.StringIO()
    call_command("export_personal_data", "nobody@example.org", stdout=out)
    assert out.getvalue().strip() == NOTHING
    call_command(
        "export_personal_data", "nobody@example.org", "--output", tmp_path / "x.json", stdout=out
    )
    assert not (tmp_path / "x.json").exists()
    assert erase("nobody@example.org", django_capture_on_commit_callbacks).strip() == NOTHING

    for action in ("export", "erase"):
        response = admin_client.post(
            "/admin/newsletter/privacy/",
            {"email": "nobody@example.org", "action": action},
            follow=True,
        )
        assert response.status_code == 200
        assert NOTHING in response.content.decode()

    assert DataRequest.objects.filter(status="nothing_held").count() == 5
    assert not Suppression.objects.exists()
    assert fake_mailchimp.calls == []


def test_mailchimp_down_during_erasure_is_retried_and_completed_after_recovery(
    member, fake_mailchimp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    fake_mailchimp.fail_with = 503
    erase(EMAIL, django_capture_on_commit_callbacks)
    job = SyncJob.objects.get(kind=SyncJob.Kind.ERASE)
    erase_member.call(job.pk)  # the worker's first try, during the outage
    job.refresh_from_db()
    assert job.state == SyncJob.State.RETRYING
    assert job.payload["subscriber_hash"] == subscriber_hash(EMAIL)
    assert DataRequest.objects.get().outcome["mailchimp"].startswith("retrying: 503")
    assert not Contact.objects.exists()  # the local part does not wait for Mailchimp

    fake_mailchimp.fail_with = None
    erase_member.call(job.pk)  # too early: the backoff holds it
    assert SyncAttempt.objects.filter(job=job).count() == 1
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    with time_machine.travel(later):
        for _ in range(2):  # a repeated run is harmless
            erase_member.call(job.pk)
    job.refresh_from_db()
    assert job.state == SyncJob.State.DONE and "subscriber_hash" not in job.payload
    assert fake_mailchimp.member("list1", EMAIL) is None
    assert fake_mailchimp.count("POST", "/actions/delete-permanent") == 2
    assert DataRequest.objects.get().outcome["mailchimp"] == "deleted permanently"


def test_a_refused_deletion_fails_readably_and_can_be_retried_from_the_admin(
    member, fake_mailchimp, admin_client, django_capture_on_commit_callbacks
):
    fake_mailchimp.fail_with = 401
    erase(EMAIL, django_capture_on_commit_callbacks)
    job = SyncJob.objects.get(kind=SyncJob.Kind.ERASE)
    assert job.state == SyncJob.State.FAILED and "401" in job.last_error
    assert job.payload["subscriber_hash"]  # kept until the deletion is done
    logged = DataRequest.objects.get()
    html = admin_client.get("/admin/newsletter/privacy/").content.decode()
    assert "Mailchimp: failed: 401" in html and "Retry Mailchimp deletion" in html

    fake_mailchimp.fail_with = None
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/newsletter/privacy/{logged.pk}/retry/")
    job.refresh_from_db()
    assert job.state == SyncJob.State.DONE
    assert fake_mailchimp.member("list1", EMAIL) is None


def test_an_address_mailchimp_never_had_counts_as_deleted_there(
    client, signup_form, fake_mailchimp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, signup_form)  # never confirmed: never sent to Mailchimp
    erase(EMAIL, django_capture_on_commit_callbacks)
    assert SyncJob.objects.get(kind=SyncJob.Kind.ERASE).state == SyncJob.State.DONE
    assert DataRequest.objects.get().outcome["mailchimp"] == "not a member: nothing to delete"


def test_every_request_is_logged_with_its_outcome_and_without_the_address(
    member, admin_client, django_capture_on_commit_callbacks
):
    call_command("export_personal_data", EMAIL, stdout=io.StringIO())
    admin_client.post("/admin/newsletter/privacy/", {"email": EMAIL, "action": "export"})
    erase(EMAIL, django_capture_on_commit_callbacks)

    rows = list(DataRequest.objects.order_by("pk"))
    assert [(r.kind, r.source, r.status) for r in rows] == [
        ("access", "command", "done"),
        ("access", "admin", "done"),
        ("erasure", "command", "done"),
    ]
    assert rows[0].outcome["exported"]["consent_events"] == 1
    assert rows[1].requested_by.username == "boss"
    assert all(r.completed_at for r in rows)
    stored = json.dumps(list(DataRequest.objects.values()), default=str).lower()
    assert EMAIL.lower() not in stored and "lovelace" not in stored
    html = admin_client.get("/admin/newsletter/privacy/").content.decode()
    assert html.count("Management command") == 2 and "exported: contact 1" in html


def test_export_command_writes_json_to_stdout_or_a_private_file(member, tmp_path):
    out = io.StringIO()
    call_command("export_personal_data", EMAIL, stdout=out)
    assert json.loads(out.getvalue())["contact"]["first_name"] == "Ada"
    target = tmp_path / "ada.json"
    call_command("export_personal_data", EMAIL, "--output", str(target), stderr=io.StringIO())
    assert json.loads(target.read_text())["contact"]["email"] == EMAIL
    assert target.stat().st_mode & 0o077 == 0


def test_erase_command_asks_first_and_erases_nothing_without_a_terminal(member, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_personal_data", EMAIL, stdout=io.StringIO())
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_personal_data", EMAIL, "--noinput", stdout=io.StringIO())
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    out = io.StringIO()
    call_command("erase_personal_data", EMAIL, stdout=out)
    assert "Nothing erased." in out.getvalue()
    assert Contact.objects.exists() and not DataRequest.objects.exists()


# --- Admin ----------------------------------------------------------------------------------


def test_admin_export_downloads_the_json_file(member, admin_client):
    response = admin_client.post("/admin/newsletter/privacy/", {"email": EMAIL, "action": "export"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert re.fullmatch(
        r'attachment; filename="personal-data-\d+\.json"', response["Content-Disposition"]
    )
    assert json.loads(response.content)["contact"]["email"] == EMAIL


def test_admin_erase_needs_the_confirmation_step(
    member, admin_client, fake_mailchimp, django_capture_on_commit_callbacks
):
    response = admin_client.post("/admin/newsletter/privacy/", {"email": EMAIL, "action": "erase"})
    html = response.content.decode()
    assert response.status_code == 200 and "Yes, erase permanently" in html
    assert Contact.objects.exists() and not DataRequest.objects.exists()
    # Posting to the erase view without the confirmation page's token erases nothing.
    for forged in ({}, {"token": "x"}, {"email": EMAIL}):
        admin_client.post("/admin/newsletter/privacy/erase/", forged)
    assert Contact.objects.exists()

    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/newsletter/privacy/erase/", {"token": token}, follow=True
        )
    assert "Erased." in response.content.decode()
    assert not Contact.objects.exists()
    assert fake_mailchimp.member("list1", EMAIL) is None
    logged = DataRequest.objects.get()
    assert (logged.source, logged.requested_by.username) == ("admin", "boss")


def test_editors_need_the_contact_permissions(member, django_user_model):
    nobody = editor(django_user_model)
    assert nobody.get("/admin/newsletter/privacy/").status_code in (302, 403)
    response = nobody.post("/admin/newsletter/privacy/", {"email": EMAIL, "action": "export"})
    assert response.status_code in (302, 403)
    assert "Privacy requests" not in nobody.get("/admin/").content.decode()

    viewer = Client()
    viewer.force_login(django_user_model.objects.get(username="ed"))
    django_user_model.objects.get(username="ed").user_permissions.add(
        Permission.objects.get(content_type__app_label="newsletter", codename="view_contact")
    )
    assert "Privacy requests" in viewer.get("/admin/").content.decode()
    html = viewer.get("/admin/newsletter/privacy/").content.decode()
    assert 'value="erase"' not in html
    export = viewer.post("/admin/newsletter/privacy/", {"email": EMAIL, "action": "export"})
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    refused = viewer.post("/admin/newsletter/privacy/", {"email": EMAIL, "action": "erase"})
    assert refused.status_code in (302, 403)
    assert viewer.post("/admin/newsletter/privacy/erase/", {}).status_code in (302, 403)
    assert Contact.objects.exists()
    assert list(DataRequest.objects.values_list("kind", flat=True)) == ["access"]


# --- The public privacy-request form -----------------------------------------------------------


def request_link(message) -> str:
    return local(re.search(r"http://\S+/newsletter/privacy-request/\S+/", message.body).group(0))


def test_the_form_page_has_a_plain_form_and_the_policy_links_to_it(client, demo_site):
    html = client.get("/newsletter/privacy-request/").content.decode()
    assert 'name="email"' in html and 'value="erasure"' in html
    assert "csrfmiddlewaretoken" not in html  # cacheable, origin-checked instead
    assert 'href="/newsletter/privacy-request/"' in client.get("/privacy/").content.decode()


def test_public_access_request_mails_the_export_after_the_address_is_confirmed(
    member, django_capture_on_commit_callbacks
):
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(visitor)
    assert response.status_code == 303
    assert DataRequest.objects.get().status == DataRequest.Status.AWAITING_CONFIRMATION
    message = mail.outbox[-1]
    assert message.to == [EMAIL] and not message.attachments
    link = request_link(message)

    page = visitor.get(link)  # a mail scanner following the link changes nothing
    assert "Yes, send me the copy" in page.content.decode()
    assert len(mail.outbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        done = visitor.post(link)
    assert "on its way" in done.content.decode()
    message = mail.outbox[-1]
    assert message.to == [EMAIL]
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("personal-data.json", "application/json")
    assert json.loads(content)["contact"]["email"] == EMAIL
    logged = DataRequest.objects.get()
    assert (logged.kind, logged.source, logged.status) == ("access", "public_form", "done")
    assert logged.confirmed_at and logged.completed_at
    assert visitor.post(link).status_code == 400  # used once


def test_public_access_request_for_an_unknown_address_mails_nothing_held(
    client, demo_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, email="stranger@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(request_link(mail.outbox[-1]))
    message = mail.outbox[-1]
    assert "nothing is held about your address" in message.body and not message.attachments
    assert DataRequest.objects.get().status == DataRequest.Status.NOTHING_HELD


def test_public_erasure_request_erases_after_the_address_is_confirmed(
    member, fake_mailchimp, django_capture_on_commit_callbacks
):
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        ask(visitor, kind="erasure")
    link = request_link(mail.outbox[-1])
    assert "Yes, erase my data" in visitor.get(link).content.decode()
    assert Contact.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = visitor.post(link)
    assert "Your data is erased" in done.content.decode()
    assert not Contact.objects.exists()
    assert fake_mailchimp.member("list1", EMAIL) is None
    logged = DataRequest.objects.get()
    assert (logged.kind, logged.source, logged.status) == ("erasure", "public_form", "done")
    assert logged.outcome["mailchimp"] == "deleted permanently"


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
    member, django_capture_on_commit_callbacks
):
    answers = []
    for email in (EMAIL, "stranger@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = ask(Client(), email=email, kind="erasure")
        page = Client().get(response["Location"]).content.decode()
        # The page itself, without what differs per response anyway (CSP nonces).
        article = page[page.index("<article") : page.index("</article>")]
        answers.append((response.status_code, response["Location"], article))
    assert answers[0] == answers[1]
    first, second = mail.outbox[-2:]
    assert first.subject == second.subject
    assert first.body.split("http")[0] == second.body.split("http")[0]


@pytest.mark.parametrize("when", ["tampered", "expired", "foreign"])
def test_tampered_expired_and_foreign_links_change_nothing(
    member, fake_mailchimp, django_capture_on_commit_callbacks, when
):
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        ask(visitor, kind="erasure")
    link = request_link(mail.outbox[-1])
    token = link.rstrip("/").rsplit("/", 1)[1]
    if when == "tampered":
        link = link.replace(token, token[:-4] + ("aaaa" if token[-4:] != "aaaa" else "bbbb"))
    elif when == "foreign":  # a valid signature of another kind of link around its key
        logged = DataRequest.objects.get()
        forged = signing.dumps({"k": logged.key}, salt="newsletter.confirm.v2")
        link = link.replace(token, forged)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        days=8 if when == "expired" else 0
    )
    with time_machine.travel(later):
        assert visitor.get(link).status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            response = visitor.post(link)
    assert response.status_code == 400
    assert "does not work" in response.content.decode()
    assert Contact.objects.exists()
    assert fake_mailchimp.member("list1", EMAIL)["status"] == "subscribed"
    expected = "expired" if when == "expired" else "awaiting"
    assert DataRequest.objects.get().status == expected


def test_the_public_form_refuses_cross_site_posts_bots_bad_input_and_floods(
    client, demo_site, settings, django_capture_on_commit_callbacks
):
    cross_site = client.post(
        "/newsletter/privacy-request/",
        {"email": EMAIL, "kind": "access"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert cross_site.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        bot = ask(client, website="http://spam.example")
    assert bot.status_code == 303  # the same answer, and nothing happens
    assert ask(client, email="not-an-address").status_code == 400
    assert ask(client, kind="everything").status_code == 400
    assert not DataRequest.objects.exists() and not mail.outbox

    caches["limits"].clear()
    settings.NEWSLETTER_RATE_LIMIT = (2, 600)
    codes = [ask(client, email=f"p{i}@example.org").status_code for i in range(3)]
    assert codes == [303, 303, 429]
