"""What a person does on the newsletter's public side, through the test client: fill in its
forms (sign-up, privacy request) and follow the links its mails carry."""

import re
import time

from django.core import mail, signing

from newsletter.forms import STARTED_SALT
from newsletter.models import Contact

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def form_data(signup_form, **overrides):
    page, block = signup_form
    data = {
        "page": page.pk,
        "block": block.id,
        "email": "Ada.Lovelace@Example.org",
        "first_name": "Ada",
        "consent": "on",
        "website": "",
        "started": signing.dumps(int(time.time()) - 30, salt=STARTED_SALT),
    }
    data.update(overrides)
    return data


def post(client, signup_form, django_capture_on_commit_callbacks=None, **overrides):
    return client.post("/newsletter/signup/", form_data(signup_form, **overrides), **ORIGIN)


def subscribe(client, signup_form, capture, email="ada@example.org", first_name="Ada"):
    """Sign up and confirm through the site: a subscribed member here and in the fake."""
    with capture(execute=True):
        post(client, signup_form, email=email, first_name=first_name)
    with capture(execute=True):
        client.post(local(confirm_link(mail.outbox[-1])))
    return Contact.objects.get(email_key=email.lower())


def ask(client, email="Ada.Lovelace@Example.org", kind="access", **extra):
    """A request through the public privacy-request form."""
    data = {"email": email, "kind": kind, "website": ""} | extra
    return client.post("/newsletter/privacy-request/", data, **ORIGIN)


def local(url: str) -> str:
    """A link from a mail as the test client follows it (mails carry WAGTAILADMIN_BASE_URL)."""
    return url.replace("http://127.0.0.1:8000", "")


def confirm_link(message) -> str:
    return re.search(r"http://\S+/newsletter/confirm/\S+/", message.body).group(0)


def unsubscribe_link(message) -> str:
    return local(message.extra_headers["List-Unsubscribe"].strip("<>"))
