"""Showing a frozen legal version: its stored HTML, cleaned on the way out.

A `PolicyVersion` keeps the body exactly as published, with its SHA-256, as evidence; it is
never rewritten. But a version published before URLs were validated may hold markup an editor
smuggled in (a `<template>` or `<script>` inside a link), and the archive would serve it
forever. So every page that shows a snapshot passes it through nh3 (the Rust `ammonia`
sanitizer), keeping only the elements and attributes the legal templates and rich text
produce, and links to http(s), e-mail, phone or this site.
"""

import json

import nh3
from django.utils.html import _json_script_escapes, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from lxml import html as lxml_html

# What legal/templates/legal/{includes,blocks}/ and the rich-text features of legal/blocks.py
# write. A tag missing here loses its markup (its text stays), never its words.
ALLOWED_TAGS = {
    *("section", "nav", "div", "h2", "h3", "h4", "p", "br", "ul", "ol", "li"),
    *("dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td"),
    *("a", "b", "i", "strong", "em", "small", "code"),
}
ALLOWED_ATTRIBUTES = {
    # Anchors (#newsletter), styling hooks, landmarks, and Wagtail's rich-text block keys.
    "*": {"id", "class", "aria-label", "aria-labelledby", "data-block-key"},
    "a": {"href", "rel"},
    "th": {"scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}  # and relative links to this site
# Dropped with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "textarea", "title"}
STRUCTURED_DATA = "application/ld+json"


def clean_snapshot(html: str) -> SafeString:
    """The snapshot as safe markup: allowed elements only, plus its schema.org data (the
    impressum's) re-serialized from parsed JSON, so it can carry data but never close its
    element and start another."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,  # keep the snapshot's own rel="noopener", add none
        strip_comments=True,
    )
    structured = format_html_join(
        "",
        '<script type="application/ld+json">{}</script>',
        # json_script's escaping: the data cannot end the element.
        ((mark_safe(data),) for data in structured_data(html)),  # noqa: S308
    )
    return format_html("{}{}", mark_safe(cleaned), structured)  # noqa: S308 (nh3 output)


def structured_data(html: str) -> list[str]:
    """Each JSON-LD block of the snapshot that parses as JSON, re-encoded the way Django's
    json_script encodes (`<`, `>` and `&` as \\u escapes). Anything else is dropped."""
    if STRUCTURED_DATA not in html:
        return []
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    blocks = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != STRUCTURED_DATA:
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        blocks.append(json.dumps(data, ensure_ascii=False).translate(_json_script_escapes))
    return blocks
