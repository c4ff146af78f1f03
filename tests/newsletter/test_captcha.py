"""reCAPTCHA: loaded lazily, verified on the server, and an unreachable Google is a form error.

Verification success is simulated at django-recaptcha's client, because that client posts
to a hard-coded https:// URL that no local fake can answer; the failure cases go over the
wire to a closed local port."""

import time
from unittest import mock

import pytest
from django.core import signing
from django_recaptcha.client import RecaptchaResponse

from newsletter.forms import STARTED_SALT
from newsletter.models import Contact
from tests.newsletter.visitor import form_data

pytestmark = pytest.mark.django_db
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


@pytest.fixture
def captcha_keys(settings):
    settings.RECAPTCHA_PUBLIC_KEY = "public-test-key"
    settings.RECAPTCHA_PRIVATE_KEY = "private-test-key"
    settings.RECAPTCHA_DOMAIN = "127.0.0.1:9"  # nothing listens: Google is "unreachable"


def post(client, signup_form, **overrides):
    data = form_data(signup_form, **overrides)
    data["started"] = signing.dumps(int(time.time()) - 30, salt=STARTED_SALT)
    return client.post("/newsletter/signup/", data, **ORIGIN)


def test_google_is_not_requested_by_the_page_itself(client, signup_form, captcha_keys):
    html = client.get("/newsletter/").content.decode()
    assert 'data-recaptcha-key="public-test-key"' in html
    assert "newsletter/recaptcha.js" in html
    assert "google.com/recaptcha" not in html  # the script adds it on first input


def test_without_keys_there_is_no_captcha_at_all(client, signup_form):
    html = client.get("/newsletter/").content.decode()
    assert "recaptcha" not in html


def test_unreachable_google_is_a_form_error_not_a_500(client, signup_form, captcha_keys):
    response = post(client, signup_form, **{"captcha": "token-from-browser"})
    assert response.status_code == 400
    assert "Error verifying reCAPTCHA" in response.content.decode()
    assert Contact.objects.count() == 0


def test_missing_token_is_refused(client, signup_form, captcha_keys):
    response = post(client, signup_form)
    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_a_good_score_signs_up(client, signup_form, captcha_keys):
    answer = RecaptchaResponse(is_valid=True, action="signup", extra_data={"score": 0.9})
    with mock.patch("django_recaptcha.fields.client.submit", return_value=answer):
        response = post(client, signup_form, captcha="token-from-browser")
    assert response.status_code == 303
    assert Contact.objects.count() == 1


def test_a_low_score_is_refused(client, signup_form, captcha_keys):
    answer = RecaptchaResponse(is_valid=True, action="signup", extra_data={"score": 0.1})
    with mock.patch("django_recaptcha.fields.client.submit", return_value=answer):
        response = post(client, signup_form, captcha="token-from-browser")
    assert response.status_code == 400
    assert Contact.objects.count() == 0
