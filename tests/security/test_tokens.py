"""Links without personal data: every link the site mails names its contact, grant or request
by a random key, signed; never by a database id or the address.

The attack: a signed token is signed, not encrypted. Anyone holding a link (a forwarded mail,
a proxy log, a shared screenshot) can base64-decode its payload, and ids that count up tell
how many people signed up and which link belongs to the next one. The tests read the links
from the mails actually sent and the pages actually rendered, the way an attacker gets them.
"""

import datetime
import json
import re
import time
import zlib

import pytest
import time_machine
from django.core import mail, signing
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from leadmagnets.models import DownloadGrant, LeadMagnetPage
from newsletter.forms import STARTED_SALT
from newsletter.models import ConsentEvent, Contact, DataRequest, SignupRequest
from newsletter.privacy.requests import expire_unconfirmed_requests

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
GRACE = "grace.hopper@harbour.example"
ALAN = "alan.turing@bletchley.example"
# A link in a mail or page: its kind (the path before the token) and its token.
LINK = re.compile(
    r"/(newsletter/(?:confirm|unsubscribe|preferences|privacy-request)|lead-magnets/download)"
    r"/([\w.:-]+)/"
)


def readable_payload(token: str) -> dict:
    """What anyone holding the link reads without the site's key: the part before the first
    colon, base64 (and zlib when it starts with a dot), as Django's signing writes it."""
    data = token.split(":", 1)[0]
    raw = signing.b64_decode(data.lstrip(".").encode())
    if data.startswith("."):
        raw = zlib.decompress(raw)
    return json.loads(raw)


def links_in(text: str) -> list[tuple[str, str]]:
    return [(kind.rsplit("/", 1)[1], token) for kind, token in LINK.findall(text)]


def links_in_mail(message) -> list[tuple[str, str]]:
    """Every link of a sent mail: its text part, its HTML part and its headers."""
    parts = [message.body, *(content for content, _type in message.alternatives)]
    parts += [f"{name}: {value}" for name, value in message.extra_headers.items()]
    return [link for part in parts for link in links_in(part)]


def path(kind: str, token: str) -> str:
    prefix = "lead-magnets" if kind == "download" else "newsletter"
    return f"/{prefix}/{kind}/{token}/"


def request_guide(client, email, **extra):
    guide = LeadMagnetPage.objects.get(slug="starter-guide")
    data = {
        "email": email,
        "first_name": "Grace",
        "consent": "on",
        "website": "",
        "started": signing.dumps(int(time.time()) - 30, salt=STARTED_SALT),
    } | extra
    return client.post(f"/lead-magnets/{guide.pk}/request/", data, **ORIGIN)


def ask_privacy_request(client, email, kind="access"):
    data = {"email": email, "kind": kind, "website": ""}
    return client.post("/newsletter/privacy-request/", data, **ORIGIN)


def last_link(kind: str, to: str) -> str:
    """The link of this kind in the newest mail to `to` that has one."""
    for message in reversed(mail.outbox):
        tokens = [token for found, token in links_in_mail(message) if found == kind]
        if message.to == [to] and tokens:
            return path(kind, tokens[0])
    raise AssertionError(f"no {kind} link mailed to {to}")


def sign_up_for_the_guide(client, capture, email, **extra):
    """Request the guide (and the newsletter), confirm: the confirmation page with its
    download link."""
    with capture(execute=True):
        assert request_guide(client, email, newsletter="on", **extra).status_code == 303
    with capture(execute=True):
        page = client.post(last_link("confirm", email))
    assert page.status_code == 200
    return page


def test_no_link_the_site_sends_carries_an_id_or_the_address(
    demo_site, django_capture_on_commit_callbacks
):
    client = Client()
    capture = django_capture_on_commit_callbacks
    page = sign_up_for_the_guide(client, capture, GRACE)
    with capture(execute=True):
        assert ask_privacy_request(client, GRACE).status_code == 303
    with capture(execute=True):
        assert client.post(last_link("privacy-request", GRACE)).status_code == 200

    sent = [link for message in mail.outbox for link in links_in_mail(message)]
    rendered = links_in(page.content.decode())
    assert {kind for kind, _token in sent} == {
        "confirm",  # the sign-up's confirmation
        "unsubscribe",  # in each list mail's body and List-Unsubscribe header
        "preferences",
        "download",  # in the delivery mail
        "privacy-request",
    }
    assert "download" in {kind for kind, _token in rendered}  # on the confirmation page

    contact = Contact.objects.get()
    rows = [
        contact,
        *SignupRequest.objects.all(),
        *DownloadGrant.objects.all(),
        *DataRequest.objects.all(),
    ]
    ids = {str(row.pk) for row in rows}
    random_keys = {contact.link_key} | {getattr(row, "key", None) for row in rows[1:]}
    address_parts = {"grace", "hopper", "harbour", "example"}
    for kind, token in sent + rendered:
        payload = readable_payload(token)
        readable = json.dumps(payload).lower()
        assert set(payload) in ({"k"}, {"k", "p"}, {"r"}), (kind, payload)
        key = payload.get("k") or payload.get("r")
        assert key in random_keys and len(key) >= 32, (kind, payload)
        assert payload.get("p", "newsletter") in {"newsletter", "leadmagnet:starter-guide"}
        assert not ids & {str(value) for value in payload.values()}, (kind, payload)
        for part in address_parts:
            assert part not in readable, (kind, payload)
            assert part not in path(kind, token).lower(), (kind, token)


def test_a_link_for_one_contact_never_works_for_another(
    demo_site, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for email in (GRACE, ALAN):
        with capture(execute=True):
            request_guide(Client(), email, newsletter="on")
    grace, alan = Contact.objects.get(email=GRACE), Contact.objects.get(email=ALAN)
    assert grace.link_key != alan.link_key

    page = Client().get(last_link("preferences", GRACE)).content.decode()
    assert "g…@harbour.example" in page and "a…@bletchley.example" not in page

    with capture(execute=True):
        assert Client().post(last_link("unsubscribe", GRACE)).status_code == 200
    grace.refresh_from_db()
    alan.refresh_from_db()
    assert grace.status == Contact.Status.UNSUBSCRIBED
    assert alan.status == Contact.Status.PENDING
    assert not ConsentEvent.objects.filter(contact=alan, action="withdrawn").exists()


def forgeries(token: str, other_payload: dict) -> list[str]:
    """A damaged signature, a cut-off token, and the real signature around another
    person's key (what an attacker who decoded the payload would try next)."""
    payload, _sep, rest = token.partition(":")
    last = "A" if token[-1] != "A" else "B"
    return [
        token[:-1] + last,
        token[: len(token) // 2],
        signing.b64_encode(json.dumps(other_payload, separators=(",", ":")).encode()).decode()
        + ":"
        + rest,
    ]


def test_tampered_links_fail(demo_site, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    client = Client()
    sign_up_for_the_guide(client, capture, GRACE)
    with capture(execute=True):
        request_guide(Client(), ALAN)  # someone else, pending
    with capture(execute=True):
        ask_privacy_request(client, GRACE, kind="erasure")
    with capture(execute=True):
        ask_privacy_request(Client(), ALAN, kind="erasure")
    alan = Contact.objects.get(email=ALAN)
    others = {
        "unsubscribe": {"k": alan.link_key, "p": "newsletter"},
        "preferences": {"k": alan.link_key},
        "download": {"k": "x" * 32},
        "privacy-request": {"k": DataRequest.objects.latest("pk").key},
        "confirm": {"r": SignupRequest.objects.get(contact=alan).key},
    }
    refused = {"preferences": 400, "download": 410, "privacy-request": 400, "confirm": 400}

    for kind, other in others.items():
        token = last_link(kind, GRACE).rstrip("/").rsplit("/", 1)[1]
        for forged in forgeries(token, other):
            if kind == "unsubscribe":
                with capture(execute=True):
                    Client().post(path(kind, forged))
                    Client().post(path(kind, forged) + "undo/")
                assert Client().get(path(kind, forged) + "preferences/").status_code == 400
            else:
                assert Client().get(path(kind, forged)).status_code == refused[kind], kind
                if kind != "download":  # GET only
                    assert Client().post(path(kind, forged)).status_code == refused[kind], kind

    assert Contact.objects.get(email=GRACE).status == Contact.Status.SUBSCRIBED
    assert Contact.objects.get(email=ALAN).status == Contact.Status.PENDING
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()
    assert DownloadGrant.objects.get().download_count == 0
    assert DataRequest.objects.filter(status=DataRequest.Status.AWAITING_CONFIRMATION).count() == 2
    # Two confirmations, one delivery, two privacy links: nothing more from any forgery.
    assert len(mail.outbox) == 5


def test_legacy_unsubscribe_and_preference_links_keep_working(
    demo_site, django_capture_on_commit_callbacks
):
    """Links mailed before the link keys sit in inboxes: leaving must still work."""
    capture = django_capture_on_commit_callbacks
    sign_up_for_the_guide(Client(), capture, GRACE)
    grace = Contact.objects.get()
    # Exactly what the site mailed before (newsletter.unsubscribe / preferences, v1).
    unsubscribe = signing.Signer(salt="newsletter.unsubscribe.v1").sign_object(
        {"c": grace.pk, "p": "newsletter"}
    )
    preferences = signing.Signer(salt="newsletter.preferences.v1").sign_object({"c": grace.pk})
    assert readable_payload(unsubscribe)["c"] == grace.pk  # what made them worth replacing

    page = Client().get(path("preferences", preferences))
    assert page.status_code == 200 and "g…@harbour.example" in page.content.decode()
    with capture(execute=True):
        assert Client().post(path("unsubscribe", unsubscribe)).status_code == 200
    grace.refresh_from_db()
    assert grace.status == Contact.Status.UNSUBSCRIBED
    assert ConsentEvent.objects.get(action="withdrawn").purpose == "newsletter"

    # The unsubscribed page leads on to the preference centre, with a link of the new form.
    onward = Client().get(path("unsubscribe", unsubscribe) + "preferences/")
    assert onward.status_code == 303
    assert readable_payload(onward["Location"].rstrip("/").rsplit("/", 1)[1]) == {
        "k": grace.link_key
    }
    # Still signed: a damaged old-format token, or one signed with another salt, reaches
    # nobody.
    damaged = unsubscribe[:-1] + ("A" if unsubscribe[-1] != "A" else "B")
    foreign = signing.Signer(salt="newsletter.confirm.v1").sign_object({"c": grace.pk})
    for forged in (damaged, foreign):
        assert Client().get(path("unsubscribe", forged) + "preferences/").status_code == 400
        assert Client().get(path("preferences", forged)).status_code == 400


def test_legacy_download_and_privacy_links_end_on_a_clear_expired_page(
    demo_site, django_capture_on_commit_callbacks
):
    """Short-lived links: an old one (sent just before the upgrade) is not read, but ends on
    the page that says it expired and how to get a fresh one; nothing is done."""
    capture = django_capture_on_commit_callbacks
    client = Client()
    sign_up_for_the_guide(client, capture, GRACE)
    with capture(execute=True):
        ask_privacy_request(client, GRACE, kind="erasure")
    grant, logged = DownloadGrant.objects.get(), DataRequest.objects.get()
    # Exactly what the site mailed before (leadmagnet.download / privacy-request, v1).
    download = signing.dumps({"g": grant.pk}, salt="leadmagnet.download.v1")
    privacy = signing.dumps(
        {"r": logged.pk, "e": GRACE}, salt="newsletter.privacy-request.v1", compress=True
    )
    assert readable_payload(privacy)["e"] == GRACE  # the address, readable by anyone

    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)):
        expired = client.get(path("download", download))
        assert expired.status_code == 410
        html = expired.content.decode()
        assert "This download link has expired" in html
        assert "Request the resource again on its page" in html

        for answer in (
            client.get(path("privacy-request", privacy)),
            client.post(path("privacy-request", privacy)),
        ):
            assert answer.status_code == 400
            html = answer.content.decode()
            assert "This link does not work (any more)" in html
            assert 'href="/newsletter/privacy-request/">Send the request again' in html

    assert DownloadGrant.objects.get().download_count == 0
    assert Contact.objects.filter(email=GRACE).exists()  # not erased
    logged.refresh_from_db()
    assert logged.status == DataRequest.Status.AWAITING_CONFIRMATION


def test_a_privacy_request_holds_the_address_only_until_its_link_is_used_or_expires(
    demo_site, django_capture_on_commit_callbacks
):
    """The link no longer carries the address, so the request row does, briefly."""
    capture = django_capture_on_commit_callbacks
    client = Client()
    sign_up_for_the_guide(client, capture, GRACE)
    start = datetime.datetime.now(datetime.UTC)
    with capture(execute=True):
        ask_privacy_request(client, GRACE, kind="access")
    with capture(execute=True):
        ask_privacy_request(client, ALAN, kind="access")
    used, left = DataRequest.objects.order_by("pk")
    assert (used.pending_email, left.pending_email) == (GRACE, ALAN)

    with capture(execute=True):
        assert client.post(last_link("privacy-request", GRACE)).status_code == 200
    used.refresh_from_db()
    assert used.pending_email == "" and used.status == DataRequest.Status.DONE
    export = mail.outbox[-1].attachments[0][1]
    assert Contact.objects.get().link_key not in export  # it would open their links

    with time_machine.travel(start + datetime.timedelta(days=8)):
        assert expire_unconfirmed_requests() == 1
    left.refresh_from_db()
    assert left.pending_email == "" and left.status == DataRequest.Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_migrating_gives_every_existing_row_its_own_key_and_can_be_reversed(demo_site):
    """Rows from before the link keys get distinct random keys; going back drops them."""
    contacts = [Contact.objects.create(email=f"person{i}@example.org") for i in range(5)]
    page = LeadMagnetPage.objects.get(slug="starter-guide")
    for contact in contacts:
        DownloadGrant.objects.create(contact=contact, page=page)
        DataRequest.objects.create(kind="access", source="admin", email_hash=str(contact.pk))
    before = {
        "contact": set(Contact.objects.values_list("link_key", flat=True)),
        "grant": set(DownloadGrant.objects.values_list("key", flat=True)),
        "request": set(DataRequest.objects.values_list("key", flat=True)),
    }
    old = [("newsletter", "0006_signup_requests"), ("leadmagnets", "0001_initial")]
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(old)
        with connection.cursor() as cursor:
            columns = {
                column.name
                for column in connection.introspection.get_table_description(
                    cursor, "newsletter_contact"
                )
            }
        assert "link_key" not in columns
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    after = {
        "contact": list(Contact.objects.values_list("link_key", flat=True)),
        "grant": list(DownloadGrant.objects.values_list("key", flat=True)),
        "request": list(DataRequest.objects.values_list("key", flat=True)),
    }
    for name, keys in after.items():
        assert len(set(keys)) == len(keys) == 5, name
        assert all(key and len(key) >= 32 for key in keys), name
        assert not set(keys) & before[name], name  # drawn anew, not restored
