"""Limits that hold: per-client limits behind the load balancer and across workers, and no
more than three mails an hour to one mailbox however it is spelled."""

import datetime
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.utils import dateformat, timezone

from legal.http import client_address
from newsletter.forms import STARTED_SALT
from newsletter.models import Contact, DataRequest, SignupRequest
from newsletter.views import BLOCK_TYPE
from tests.newsletter.visitor import confirm_link, form_data
from website.checks import trusted_proxy_errors
from website.limits_cache import LimitsFileCache
from website.models import StandardPage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BALANCER = "10.0.0.2"  # the load balancer's address, REMOTE_ADDR of every proxied request
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


@pytest.fixture
def signup_form(demo_site):
    """The demo newsletter page and its sign-up block (as in tests/newsletter)."""
    page = StandardPage.objects.get(slug="newsletter")
    return page, next(child for child in page.body if child.block_type == BLOCK_TYPE)


@pytest.fixture
def behind_balancer(settings):
    """The deployment of docs/deploy.md: one load balancer in front of gunicorn."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


def via_balancer(client_ip: str, written_by_client: str = "") -> dict:
    """The request headers of a client behind the balancer, which appends the address it
    was connected from to whatever X-Forwarded-For the client sent itself."""
    chain = f"{written_by_client}, {client_ip}" if written_by_client else client_ip
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": chain}


def sign_up(client, signup_form, email, **headers):
    return client.post(
        "/newsletter/signup/", form_data(signup_form, email=email), **ORIGIN, **headers
    )


def ask_for_privacy(client, email, **headers):
    data = {"email": email, "kind": "access", "website": ""}
    return client.post("/newsletter/privacy-request/", data, **ORIGIN, **headers)


def decide_consent(client, _email, **headers):
    return client.post("/consent/", {"action": "reject_all"}, **ORIGIN, **headers)


def limited_endpoints(signup_form):
    """Each endpoint limited per client, at two requests per window for these tests."""
    return {
        "sign-up": lambda client, email, **headers: sign_up(client, signup_form, email, **headers),
        "privacy request": ask_for_privacy,
        "consent": decide_consent,
    }


@pytest.fixture
def two_per_client(settings):
    settings.NEWSLETTER_RATE_LIMIT = (2, 600)
    settings.CONSENT_RATE_LIMIT = (2, 600)
    settings.NEWSLETTER_MAILS_PER_ADDRESS = (100, 3600)  # the per-client limits alone


# --- One client behind the balancer no longer blocks everybody ----------------------------


@pytest.mark.parametrize("endpoint", ["sign-up", "privacy request", "consent"])
def test_one_client_exhausting_a_limit_behind_the_balancer_leaves_others_alone(
    client, signup_form, behind_balancer, two_per_client, endpoint
):
    send = limited_endpoints(signup_form)[endpoint]
    flood = [
        send(client, f"flood{i}@example.org", **via_balancer("198.51.100.7")).status_code
        for i in range(4)
    ]
    assert flood[2:] == [429, 429]
    # Before: every request had the balancer's address, so this one was refused too.
    other = send(client, "someone@example.org", **via_balancer("203.0.113.50"))
    assert other.status_code in {200, 303}


@pytest.mark.parametrize("endpoint", ["sign-up", "privacy request", "consent"])
def test_a_spoofed_forwarded_for_gives_no_fresh_limit_without_a_proxy(
    client, signup_form, two_per_client, endpoint
):
    send = limited_endpoints(signup_form)[endpoint]
    statuses = [
        send(
            client,
            f"spoof{i}@example.org",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(4)
    ]
    assert statuses[2:] == [429, 429]


def test_a_connection_around_the_balancer_cannot_pose_as_another_client(
    client, signup_form, behind_balancer, two_per_client
):
    """Only connections from TRUSTED_PROXIES have their X-Forwarded-For read."""
    statuses = [
        ask_for_privacy(
            client,
            f"around{i}@example.org",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(4)
    ]
    assert statuses[2:] == [429, 429]


@pytest.mark.parametrize(
    "written_by_client",
    ["203.0.113.1", '203.0.113.1, "x', "for=203.0.113.1", "203.0.113.1,,", "garbage, ::1"],
)
def test_what_a_client_writes_into_forwarded_for_never_becomes_its_address(
    rf, behind_balancer, written_by_client
):
    """The balancer's entry, the last, is the client; whatever stands before it is the
    client's own writing. (django-ipware alone reads `203.0.113.1, "x, <client>` as
    203.0.113.1: it honours RFC 7239 quotes in X-Forwarded-For and skips what it cannot
    parse.)"""
    request = rf.post("/", **via_balancer("198.51.100.7", written_by_client))
    assert client_address(request) == "198.51.100.7"


def test_an_ipv6_client_cannot_cycle_through_its_own_network(client, demo_site, settings):
    settings.CONSENT_RATE_LIMIT = (2, 600)
    statuses = [
        decide_consent(client, "", REMOTE_ADDR=f"2001:db8:1:2::{i:x}").status_code
        for i in range(1, 5)
    ]
    assert statuses[2:] == [429, 429]
    assert decide_consent(client, "", REMOTE_ADDR="2001:db8:1:3::1").status_code == 303


# --- The admin lockout ---------------------------------------------------------------------


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser(
        "editor", "ed@example.com", "right-password-1"
    )


def sign_in(password, **headers):
    return Client(**headers).post("/admin/login/", {"username": "editor", "password": password})


def test_a_lockout_behind_the_balancer_locks_out_only_that_client(editor, behind_balancer):
    attacker = via_balancer("198.51.100.7")
    for _attempt in range(5):
        sign_in("wrong", **attacker)
    assert sign_in("right-password-1", **attacker).status_code == 429
    # Before: the attacker's lockout was the balancer's, so the editor was locked out too.
    editor_signs_in = sign_in("right-password-1", **via_balancer("203.0.113.50"))
    assert editor_signs_in.status_code == 302 and "sessionid" in editor_signs_in.cookies


def test_a_spoofed_forwarded_for_does_not_lift_a_lockout(editor):
    for attempt in range(5):
        sign_in("wrong", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
    fresh_header = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "192.0.2.99"}
    assert sign_in("right-password-1", **fresh_header).status_code == 429


# --- The confirmation proof ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "headers", "network"),
    [
        (1, via_balancer("203.0.113.9", written_by_client="192.0.2.1"), "203.0.113.0/24"),
        (
            0,
            {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "192.0.2.1"},
            "198.51.100.0/24",
        ),
    ],
)
def test_the_confirmation_proof_holds_the_real_clients_network(
    client, signup_form, settings, django_capture_on_commit_callbacks, proxies, headers, network
):
    settings.TRUSTED_PROXY_COUNT = proxies
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, signup_form, "ada@example.org")
    link = confirm_link(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link, **headers).status_code == 200
    # Before: the balancer's network (10.0.0.0/24) behind the proxy.
    assert Contact.objects.get().confirmation_proof["network"] == network


# --- Limits shared by every worker of a machine ----------------------------------------------

COUNT_IN_ANOTHER_PROCESS = """
import os, sys, time
import django
django.setup()
from django.core.cache import caches
from django.test import RequestFactory
from legal.http import over_rate_limit
print(type(caches["limits"]).__name__, flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
print(sum(not over_rate_limit(request, "two-workers", 30, 600) for _ in range(40)))
"""


@pytest.mark.slow
def test_two_processes_without_redis_share_one_counter(tmp_path):
    """Two gunicorn workers of one machine with the production settings and no REDIS_URL:
    together they let exactly the limit through, counting at the same moment. Before:
    local memory, one counter per process, so 30 each."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "website.settings.base",
        "SECRET_KEY": "two-processes-test-key-0123456789abcdef",
        "VAR_DIR": str(tmp_path),
    }
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", COUNT_IN_ANOTHER_PROCESS, str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        backends = [worker.stdout.readline().strip() for worker in workers]
        go.touch()  # both are ready: they count at the same time
        allowed = [int(worker.communicate(timeout=120)[0]) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert backends == ["LimitsFileCache", "LimitsFileCache"], workers[0].stderr
    assert sum(allowed) == 30, allowed


def test_file_counters_keep_their_window(tmp_path):
    """Django's file cache writes a counter again with the default timeout (300 s) on
    every incr(): an hour's window would end five minutes after the last hit."""
    counters = LimitsFileCache(str(tmp_path), {})
    start = time.time()
    with time_machine.travel(start, tick=False):
        counters.add("hits", 0, timeout=3600)
        counters.incr("hits")
    with time_machine.travel(start + 3000, tick=False):
        assert counters.incr("hits") == 2
    with time_machine.travel(start + 3601, tick=False):
        assert counters.get("hits") is None
        with pytest.raises(ValueError):
            counters.incr("hits")


# --- Mails per mailbox -----------------------------------------------------------------------


def shown_time(moment: float) -> str:
    """HH:MM as the page shows it: in TIME_ZONE, rounded up to the minute."""
    rounded = datetime.datetime.fromtimestamp(math.ceil(moment / 60) * 60, tz=datetime.UTC)
    return dateformat.time_format(timezone.localtime(rounded), "H:i")


def test_a_fourth_mail_to_one_mailbox_within_an_hour_is_not_sent(
    client, signup_form, django_capture_on_commit_callbacks
):
    """A confirmation, a privacy request and a dotted variant's confirmation take the hour's
    three mails; a resend and a privacy request to plus- and case-variants are then stored
    but not mailed, and the page says until when. An hour after the first, mail flows again.
    Before: five mails, and any number more from other clients."""
    start = time.time()

    def at(minutes, form, email):
        with (
            time_machine.travel(start + minutes * 60, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            if form == "privacy request":
                return ask_for_privacy(client, email)
            started = signing.dumps(int(time.time()) - 30, salt=STARTED_SALT)
            data = form_data(signup_form, email=email, started=started)
            return client.post("/newsletter/signup/", data, **ORIGIN)

    assert at(0, "sign-up", "ada.lovelace@example.org").status_code == 303
    assert at(1, "privacy request", "Ada.Lovelace+privacy@Example.org").status_code == 303
    assert at(2, "sign-up", "adalovelace@example.org").status_code == 303
    assert len(mail.outbox) == 3

    resend = at(12, "sign-up", "ada.lovelace@example.org")  # after the resend interval
    privacy = at(13, "privacy request", "ADA.LOVELACE+again@example.org")
    for held in (resend, privacy):
        assert held.status_code == 200
        text = " ".join(held.content.decode().split())
        assert "To protect the mailbox, no further mail is sent to it before" in text
        assert shown_time(start + 3600) in text
        assert "check your inbox and spam folder" in text
    assert len(mail.outbox) == 3
    # Nothing accepted is lost: both requests are stored.
    assert SignupRequest.objects.filter(contact__email="ada.lovelace@example.org").count() == 2
    assert DataRequest.objects.count() == 2

    assert at(61, "sign-up", "ada.lovelace@example.org").status_code == 303
    assert len(mail.outbox) == 4
    assert mail.outbox[-1].to == ["ada.lovelace@example.org"]


def test_the_held_answer_reveals_nothing_about_the_address(client, signup_form):
    """A subscribed address gets no confirmation mail, an unknown one does: the fourth
    request for either is answered alike, so the limit is no way to probe the list."""
    Contact.objects.create(
        email="known@example.org", email_key="known@example.org", status="subscribed"
    )
    answers = {}
    # One frozen moment: the page names the minute mail may go again, which would differ
    # between the two addresses only because a minute ended between their requests.
    with time_machine.travel(time.time(), tick=False):
        for email in ("known@example.org", "unknown@example.org"):
            for _request in range(3):
                assert sign_up(client, signup_form, email).status_code == 303
            held = sign_up(client, signup_form, email)
            page = re.sub(r'nonce="[^"]*"', "", held.content.decode())
            answers[email] = (held.status_code, page)
    assert answers["known@example.org"] == answers["unknown@example.org"]
    assert answers["known@example.org"][0] == 200


# --- Misconfiguration is caught --------------------------------------------------------------


def test_malformed_proxy_settings_fail_the_system_check():
    assert [m.id for m in trusted_proxy_errors(-1, [])] == ["website.E020"]
    assert [m.id for m in trusted_proxy_errors(1, ["10.0.0.0/8", "balancer"])] == ["website.E020"]
    assert [m.id for m in trusted_proxy_errors(0, ["10.0.0.0/8"])] == ["website.W021"]
    assert trusted_proxy_errors(1, ["10.0.0.0/8", "fd00::/8", "192.0.2.1"]) == []
    assert trusted_proxy_errors(0, []) == []
