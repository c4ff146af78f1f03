"""Local runs (`make run`): plain HTTP on 127.0.0.1 and a generated SECRET_KEY."""

import os
import secrets

from .base import *

DEBUG = env_bool("DEBUG", True)


def local_secret_key() -> str:
    """A random key kept in var/secret_key, so sessions survive restarts of `make run`."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()

# No TLS on 127.0.0.1: no redirect, no HSTS, cookies sent over HTTP.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
COOKIE_CONSENT_SECURE = False
# The same CSP as production, minus the upgrade to an HTTPS that 127.0.0.1 does not serve.
CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": False},
}
