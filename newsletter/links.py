"""Links in mails and on pages: the one place that signs and reads their tokens and builds
their absolute URLs.

A token carries a random key (a contact's `link_key`, a request's `key`), never a database id
or an address. Two kinds:
- undated (`Signer`): unsubscribe and preference links, which must work for years and
  survive a SECRET_KEY rotation (Django tries SECRET_KEY_FALLBACKS);
- dated (`TimestampSigner`, through `signing.dumps`): confirmation, download and
  privacy-request links, which expire after `max_age` seconds.
Every salt names its link and format version, so a token of one kind never opens another.
"""

from django.conf import settings
from django.core import signing


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
