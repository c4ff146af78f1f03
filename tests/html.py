"""Comparing whole pages: what legitimately differs between two responses of one page."""

import re

PER_RESPONSE = [
    # The CSP nonce is new in every response (the page cache swaps it in cached copies too).
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    # The sign-up form's signed "shown at" stamp changes with the clock second.
    (re.compile(r'name="started" value="[^"]*"'), 'name="started" value=""'),
]


def without_per_response_values(html: str | bytes) -> str:
    """The page with its per-response values blanked, for "same answer for everyone" tests."""
    if isinstance(html, bytes):
        html = html.decode()
    for pattern, blank in PER_RESPONSE:
        html = pattern.sub(blank, html)
    return html
