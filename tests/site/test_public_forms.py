"""No public form answers with a server error or stores half a record, whatever is posted.

The regression tests pin what a visitor sees (messages next to the fields of a form they can
send again) and what a client sending hidden-field garbage gets (400 with the reason, 404 for
ids too large for the database). The property-based test then throws hostile values at every
field of every form the demo renders (tests/public_forms.py finds them in the HTML).
FUZZ_EXAMPLES sets the examples per form (default 60); the summary of status codes per form
is printed at the end of the module and written to FUZZ_REPORT (default: a file in the
temporary directory).
"""

import hashlib
import os
import re
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import time_machine
from django.core import signing
from django.core.cache import caches
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.contrib.forms.models import FormSubmission

from leadmagnets.delivery import download_token
from leadmagnets.models import DownloadGrant, LeadMagnetPage
from legal.consent import banner_config
from legal.models import ConsentRecord
from newsletter.forms import STARTED_SALT
from newsletter.links import confirmation_token, preferences_token, unsubscribe_token
from newsletter.models import (
    ConsentEvent,
    Contact,
    DataRequest,
    SignupRequest,
    SyncJob,
    normalise_email,
)
from newsletter.privacy.request_link import privacy_request_token
from newsletter.privacy.requests import request_by_mail
from newsletter.signup import Consent, sign_up
from tests.public_forms import (
    TOKEN_ROUTES,
    demo_targets,
    forms_in,
    fuzz_requests,
    token_target,
    valid_values,
)
from website import page_cache

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def aged_stamp(seconds: int = 30) -> str:
    return signing.dumps(int(time.time()) - seconds, salt=STARTED_SALT)


def footer_block_id(client) -> str:
    footer = client.get("/about/").content.decode().split('<footer class="site-footer">')[1]
    return re.search(r'name="block" value="([^"]+)"', footer).group(1)


def signup_data(block_id, **overrides):
    data = {
        "page": "",
        "block": block_id,
        "email": "reader@example.org",
        "first_name": "Ada",
        "consent": "on",
        "website": "",
        "started": aged_stamp(),
    }
    data.update({name: value() if callable(value) else value for name, value in overrides.items()})
    return data


def post_signup(client, data):
    return client.post("/newsletter/signup/", data, HTTP_ORIGIN=ORIGIN)


def resubmitted(response) -> dict:
    """The form on an error page, as the browser would send it again (boxes unticked)."""
    forms = dict(forms_in(response.content.decode(), "/newsletter/signup/"))
    fields = forms["/newsletter/signup/"]
    return {name: field.values[0] for name, field in fields.items() if field.kind != "checkbox"}


# --- The footer form's errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address.", "email"),
        ({"consent": ""}, "Please tick the box to agree", "consent"),
        ({"started": lambda: aged_stamp(0)}, "That was very fast.", None),
        ({"website": "http://spam.example"}, "This looks like an automated sign-up.", None),
        ({"started": "forged"}, "The form has expired.", None),
    ],
)
def test_the_footer_form_shows_its_errors_on_a_page_to_fix_and_send_again_from(
    client, demo_site, overrides, message, field
):
    block_id = footer_block_id(client)
    response = post_signup(client, signup_data(block_id, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    if field:  # next to its field
        error = re.search(rf'id="signup-{block_id[:8]}-{field}_error"[^>]*>(.*?)</div>', html, re.S)
        assert message in error.group(1)
    else:  # above the fields, in the form
        assert html.index('<div class="form__errors" role="alert">') < html.index('name="email"')
    # Shown once: the footer below does not repeat the form (field ids stay unique).
    assert html.count('name="email"') == 1
    assert Contact.objects.count() == 0

    again = resubmitted(response)
    assert again["page"] == "" and again["block"] == block_id
    again.update(email="reader@example.org", consent="on")
    later = time_machine.travel(time.time() + 10)
    with later:
        assert post_signup(client, again).status_code == 303
    assert SignupRequest.objects.get().channel == "footer"


def test_the_error_page_of_a_block_form_keeps_its_page(client, demo_site):
    html = client.get("/newsletter/").content.decode()
    page_id, block_id = re.search(
        r'name="page" value="(\d+)">\s*<[^>]*name="block" value="([^"]+)"', html
    ).groups()
    response = post_signup(client, signup_data(block_id, page=page_id, email="x"))
    assert response.status_code == 400
    again = resubmitted(response)
    assert (again["page"], again["block"]) == (page_id, block_id)


def test_the_sign_up_error_page_is_never_stored_by_the_page_cache(client, demo_site):
    response = post_signup(client, signup_data(footer_block_id(client), email="x"))
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    request = response.wsgi_request
    assert page_cache.page_key(request) is None
    assert not page_cache.is_cacheable(request, response)
    assert "X-Cache" not in response


# --- Hidden fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"page": "abc"}, "The form's 'page' field is not a page id"),
        ({"page": "1.5"}, "The form's 'page' field is not a page id"),
        ({"page": "-1"}, "The form's 'page' field is not a page id"),
        ({"page": "0"}, "The form's 'page' field is not a page id"),
        ({"page": " 6"}, "The form's 'page' field is not a page id"),
        ({"page": "٣"}, "The form's 'page' field is not a page id"),
        ({"page": "\x00"}, "The form's 'page' field is not a page id"),
        ({"page": ["6", "7"]}, "more than one 'page' field"),
        ({"block": "<script>"}, "The form's 'block' field is not a form id"),
        ({"block": "\x07" * 30}, "The form's 'block' field is not a form id"),
        ({"block": "x" * 5000}, "The form's 'block' field is not a form id"),
        ({"block": ""}, "The form's 'block' field is not a form id"),
        ({"block": ["a", "b"]}, "more than one 'block' field"),
        ({"block": "0000"}, "This sign-up form no longer exists"),
        ({"page": "999999"}, "This sign-up form no longer exists"),
    ],
)
def test_hidden_fields_no_form_sends_get_400_with_the_reason(client, demo_site, overrides, reason):
    response = post_signup(client, signup_data(footer_block_id(client), **overrides))
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert Contact.objects.count() == 0


def test_invalid_utf8_in_hidden_fields_gets_400(client, demo_site):
    body = f"page=%FF%FE&block=\xff\xfe&email=a%40example.org&started={aged_stamp()}"
    response = client.post(
        "/newsletter/signup/",
        body.encode("latin-1"),
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 400
    assert "is not a form id" in response.content.decode()


@pytest.mark.parametrize("payload", ["x", [1], 1.5, True, None, {"t": 1}])
def test_a_stamp_signed_over_something_else_than_a_time_is_an_expired_form(
    client, demo_site, payload
):
    started = signing.dumps(payload, salt=STARTED_SALT)
    response = post_signup(client, signup_data(footer_block_id(client), started=started))
    assert response.status_code == 400
    assert "The form has expired." in response.content.decode()


@pytest.mark.parametrize("page_id", ["9" * 25, str(2**63), str(2**64)])
def test_page_ids_too_large_for_the_database_get_404(client, demo_site, page_id):
    response = post_signup(client, signup_data(footer_block_id(client), page=page_id))
    assert response.status_code == 404
    response = client.post(f"/lead-magnets/{page_id}/request/", {}, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 404


# --- Every field of every public form ---------------------------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ_REPORT = Path(os.environ.get("FUZZ_REPORT", Path(tempfile.gettempdir()) / "public-forms.txt"))
SEEN: dict[str, Counter] = defaultdict(Counter)
DEMO_FORMS = [
    "footer sign-up",
    "block sign-up",
    "lead magnet",
    "contact",
    "consent",
    "privacy request",
]
COUNTED = [
    Contact,
    SignupRequest,
    ConsentEvent,
    SyncJob,
    ConsentRecord,
    DataRequest,
    FormSubmission,
]


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary():
    """Per form: the examples run and the status codes seen, printed (-s) and kept."""
    yield
    if not SEEN:
        return
    lines = [f"{'form':<22} {'examples':>8}  status codes"]
    for name, statuses in sorted(SEEN.items()):
        codes = ", ".join(f"{code}×{count}" for code, count in sorted(statuses.items()))
        lines.append(f"{name:<22} {sum(statuses.values()):>8}  {codes}")
    report = "\n".join(lines)
    FUZZ_REPORT.write_text(report + "\n")
    print(f"\n{report}\n(written to {FUZZ_REPORT})")  # noqa: T201


def signed_stamps():
    """`started` values only someone with the secret key makes: fresh (too fast), aged,
    expired, from the future, and signed over something else than a time."""
    now = int(time.time())
    times = st.sampled_from([now, now - 30, now - 25 * 3600, now + 3600, -1, 10**30])
    others = st.sampled_from(["x", [1], 1.5, True, None, {"t": now}])
    return st.one_of(times, others).map(lambda value: signing.dumps(value, salt=STARTED_SALT))


def mail_link_target(name, client):
    """A mail link with valid tokens for a real contact, and the page behind it."""
    contact, request, _held_until = sign_up(
        email="known@example.org",
        first_name="Known",
        consents=[Consent("newsletter", "Yes, send me the newsletter.")],
        tags=["newsletter"],
    )
    guide_request = SignupRequest.objects.create(
        contact=contact,
        consents=[{"purpose": "leadmagnet:starter-guide", "text": "Send me the guide."}],
    )
    if name == "preference centre":
        tokens = [preferences_token(contact)]
    elif name == "unsubscribe":
        tokens = [
            unsubscribe_token(contact),
            unsubscribe_token(contact, "leadmagnet:starter-guide"),
        ]
    elif name == "confirmation":
        tokens = [confirmation_token(request), confirmation_token(guide_request)]
    elif name == "privacy confirmation":
        tokens = [
            privacy_request_token(request_by_mail(contact.email, kind))
            for kind in (DataRequest.Kind.ACCESS, DataRequest.Kind.ERASURE)
        ]
    else:
        grant = DownloadGrant.objects.create(contact=contact, page=LeadMagnetPage.objects.get())
        tokens = [download_token(grant)]
    page_path = TOKEN_ROUTES[name][0][1].format(token=tokens[0])
    page = client.get(page_path)
    drain(page)
    html = page.content.decode() if not page.streaming else None
    return token_target(name, tokens, html, page_path)


def send(client, request):
    headers = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in request.headers.items()
        if name != "Content-Type"
    }
    if request.method == "GET":
        response = client.get(request.path, **headers)
    else:
        content_type = request.headers["Content-Type"]
        response = client.generic("POST", request.path, request.body, content_type, **headers)
    drain(response)
    return response


def drain(response) -> None:
    """Read a download to its end, which closes its file. Never `response.close()`: the test
    client has closed the response already, and a second close sends request_finished with
    Django's close_old_connections connected, which closes the test's own database
    connection on PostgreSQL (SQLite's in-memory test database ignores it)."""
    if response.streaming:
        b"".join(response.streaming_content)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def assert_nothing_half_stored(before, after, status, target_name, known):
    if status >= 400:  # refused: nothing at all stored
        assert after == before
    if status == 303 and target_name.endswith(("sign-up", "lead magnet")):
        assert after["SignupRequest"] > before["SignupRequest"]
    # Every contact came from a stored request; every confirmed request left its consent
    # records and nothing of an unconfirmed one took effect.
    assert not Contact.objects.filter(signup_requests__isnull=True).exists()
    for request in SignupRequest.objects.select_related("contact"):
        recorded = request.contact.consent_events.filter(occurred_at=request.created_at).count()
        assert recorded == (len(request.consents) if request.confirmed_at else 0)
    for email, key in Contact.objects.values_list("email", "email_key"):
        assert key == normalise_email(email)
    for text, digest in ConsentEvent.objects.values_list("text", "text_sha256"):
        assert text and digest == hashlib.sha256(text.encode()).hexdigest()
    # Cookie choices only name the banner's categories and services.
    for choices in ConsentRecord.objects.values_list("choices", flat=True):
        assert set(choices["groups"]) <= known["categories"]
        assert set(choices["services"]) <= known["services"]


# Hypothesis sends each form many hostile requests: the slowest tests outside a browser.
@pytest.mark.slow
@pytest.mark.parametrize("name", [*DEMO_FORMS, *TOKEN_ROUTES])
def test_no_public_form_answers_with_a_server_error_or_stores_half_a_record(
    name, demo_site, settings
):
    client = Client(enforce_csrf_checks=True)  # forms with a CSRF token need it
    if name in DEMO_FORMS:
        target = demo_targets(lambda path: client.get(path).content.decode())[name]
    else:
        target = mail_link_target(name, client)
    valid = valid_values(target.fields)
    if "started" in valid:
        valid["started"] = [aged_stamp()]
    config = banner_config()
    known = {
        "categories": {category["key"] for category in config["categories"]},
        "services": {service["key"] for service in config["services"]},
    }
    statuses = SEEN[name]
    ran_before = sum(statuses.values())

    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,  # no .hypothesis/ folder in the checkout
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=fuzz_requests(target, valid, ORIGIN, {"started": signed_stamps()}))
    def post_anything(request):
        for cache in caches.all():  # rate limits start afresh: every example is validated
            cache.clear()
        before = row_counts()
        response = send(client, request)
        statuses[response.status_code] += 1
        assert response.status_code < 500, request.describe()
        assert_nothing_half_stored(before, row_counts(), response.status_code, name, known)

    post_anything()
    ran = sum(statuses.values()) - ran_before
    assert ran >= FUZZ_EXAMPLES and statuses[429] <= ran / 10  # the rate limits stayed out
    # Most requests get past the CSRF check too, to the form's own checks.
    assert statuses[403] <= ran * 3 / 4
