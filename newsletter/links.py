"""Links in mails and on pages: the one place that signs and reads their tokens and builds
their absolute URLs.

A token carries a random key (a contact's `link_key`, a request's `key`), never a database id
or an address. Two kinds:
- undated (`Signer`): unsubscribe and preference links, which must work for years and
  survive a SECRET_KEY rotation (Django tries SECRET_KEY_FALLBACKS);
- dated (`TimestampSigner`, through `signing.dumps`): confirmation, download and
  privacy-request links, which expire after `max_age` seconds.
Every salt names its link and format version, so a token of one kind never opens another.
Live links in inboxes depend on the salts: never change one of these strings in place.

The lookups behind the links (which contact a token opens) stay with the modules that act
on them; this one only signs, reads and builds addresses.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .texts import NEWSLETTER

# v2: {"k": the contact's link key, "p": the purpose left}. v1 carried the contact id
# (legacy_links.py).
UNSUBSCRIBE_SALT = "newsletter.unsubscribe.v2"
# v2: {"k": the contact's link key}. v1 carried the contact id (legacy_links.py).
PREFERENCES_SALT = "newsletter.preferences.v2"
# v2: {"r": the sign-up request's random key}; v1 tokens (a contact id) are refused.
CONFIRM_SALT = "newsletter.confirm.v2"


def absolute_url(path: str) -> str:
    """The public address of a site path, for mails and headers (no request to ask)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def sign(payload: dict, salt: str, *, dated: bool) -> str:
    if dated:
        return signing.dumps(payload, salt=salt)
    return signing.Signer(salt=salt).sign_object(payload)


def read_token(token: str, salt: str, *, max_age: float | None = None, keys=("k",)) -> dict | None:
    """The payload of a token signed with `salt`, or None.

    `max_age` (seconds) reads a dated token and refuses an expired one; without it the token
    is undated. Forged, tampered, truncated, expired and foreign-salt tokens all come back
    None, and so does a payload whose `keys` are not all strings."""
    try:
        if max_age is None:
            data = signing.Signer(salt=salt).unsign_object(token)
        else:
            data = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):  # BadSignature covers expiry
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in keys):
        return None
    return data


# --- Unsubscribe links: undated, one per contact and purpose -----------------------------


def unsubscribe_token(contact, purpose: str = NEWSLETTER) -> str:
    return sign({"k": contact.link_key, "p": purpose}, UNSUBSCRIBE_SALT, dated=False)


def read_unsubscribe_token(token: str) -> dict | None:
    """The token's contact key and purpose ({"k": ..., "p": ...}), or None: forged,
    tampered, truncated and foreign-salt tokens all fail the signature check."""
    return read_token(token, UNSUBSCRIBE_SALT, keys=("k", "p"))


def unsubscribe_url(contact, purpose: str = NEWSLETTER) -> str:
    return absolute_url(
        reverse("newsletter:unsubscribe", args=[unsubscribe_token(contact, purpose)])
    )


def list_unsubscribe_headers(contact, purpose: str = NEWSLETTER) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    url = unsubscribe_url(contact, purpose)
    headers = {"List-Unsubscribe": f"<{url}>"}
    # RFC 8058 §3.1: the one-click URI must be HTTPS; over http the link alone goes out.
    if urlsplit(url).scheme == "https":
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


# --- Preference-centre links: undated, one per contact -----------------------------------


def preferences_token(contact) -> str:
    return sign({"k": contact.link_key}, PREFERENCES_SALT, dated=False)


def read_preferences_token(token: str) -> str | None:
    """The token's contact key, or None: forged, tampered, truncated and foreign-salt
    tokens all fail the signature check."""
    data = read_token(token, PREFERENCES_SALT)
    return data["k"] if data else None


def preferences_url(contact) -> str:
    return absolute_url(reverse("newsletter:preferences", args=[preferences_token(contact)]))


# --- Confirmation links: dated, one per sign-up request ----------------------------------


def confirmation_token(request) -> str:
    """The link's token: the request's random key, signed and dated. No database id and
    no address in it."""
    return sign({"r": request.key}, CONFIRM_SALT, dated=True)


def read_confirmation_token(token: str) -> str | None:
    """The request key of a valid, unexpired token, else None. Links of the first version
    ({"c": contact id}) are no longer accepted: they could be replayed."""
    max_age = settings.NEWSLETTER_CONFIRM_DAYS * 24 * 60 * 60
    data = read_token(token, CONFIRM_SALT, max_age=max_age, keys=("r",))
    return data["r"] if data else None


def confirmation_url(request) -> str:
    return absolute_url(reverse("newsletter:confirm", args=[confirmation_token(request)]))
