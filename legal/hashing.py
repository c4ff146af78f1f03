"""The one hash the project proves texts with: published policy versions, consent texts shown
in forms and mails, the banner's wording. SHA-256 of the UTF-8 text, as 64 hex digits."""

import hashlib


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
