"""What an editor may type as a link: web addresses that cannot turn into markup.

A URL is written into attributes of pages, archived versions and their comparison. Django's
URLValidator accepts `https://e.example/<template …><script …>` (any path without spaces),
and one renderer that forgets to escape is then enough to run script. So every URL field and
block, and every outside link in rich text, accepts only an absolute http(s) address (or, in
rich text, the e-mail, phone, anchor and site-address links Wagtail's link chooser offers)
with none of the characters that end an attribute or start a tag.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible
from django.utils.regex_helper import _lazy_re_compile
from lxml import html as lxml_html

WEB_ADDRESS_MESSAGE = (
    "Enter a web address starting with https:// or http://, without spaces, quotes or "
    "angle brackets."
)
# The rejected address is not repeated: an error message is markup an editor's browser renders.
RICH_TEXT_LINK_MESSAGE = (
    "A link in this text cannot be used. Link to a web address starting with https:// or "
    "http://, an address on this site starting with / (such as /contact/), an e-mail address, "
    "a phone number, or a page or document chosen in the editor, without spaces, quotes or "
    "angle brackets."
)

# Quotes, angle brackets and backticks end an attribute or start a tag; whitespace and
# control characters are what browsers silently drop from `jav\tascript:`.
UNSAFE_CHARACTERS = _lazy_re_compile(r"[\s<>\"'`\x00-\x1f\x7f-\x9f]")
# Rich text links Wagtail resolves itself (to a page or document URL) when it renders them.
INTERNAL_LINK_TYPES = {"page", "document"}
# What the link chooser writes besides web addresses: its "E-mail", "Phone" and "Anchor" tabs.
CHOOSER_PREFIXES = ("mailto:", "tel:", "#")
# Its "External link" tab also takes an address on the site itself ("/cookies/"), as the demo's
# policies use. "//host" and "/\\host" are not such addresses: browsers read both as another
# host's.
OTHER_HOST_PREFIXES = ("//", "/\\")


@deconstructible
class WebAddressValidator(URLValidator):
    """Django's URL check, restricted to http(s) and to addresses without unsafe characters."""

    schemes = ["http", "https"]
    message = WEB_ADDRESS_MESSAGE
    code = "invalid_web_address"

    def __call__(self, value):
        if not isinstance(value, str) or UNSAFE_CHARACTERS.search(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})
        super().__call__(value)


validate_web_address = WebAddressValidator()


def is_safe_rich_text_href(href: str) -> bool:
    """A web address, or an e-mail, phone, in-page anchor or site address ("/contact/")
    without unsafe characters."""
    if href.lower().startswith(CHOOSER_PREFIXES) or (
        href.startswith("/") and not href.startswith(OTHER_HOST_PREFIXES)
    ):
        return not UNSAFE_CHARACTERS.search(href)
    try:
        validate_web_address(href)
    except ValidationError:
        return False
    return True


@deconstructible
class RichTextLinkValidator:
    """Checks every outside link in stored rich text (Wagtail's database HTML). Links to
    pages and documents carry an id, not an address, and are left to Wagtail."""

    message = RICH_TEXT_LINK_MESSAGE
    code = "invalid_rich_text_link"

    def __call__(self, value):
        source = str(getattr(value, "source", value) or "")
        if "<a" not in source.lower():
            return
        root = lxml_html.fragment_fromstring(source, create_parent="div")
        for link in root.iter("a"):
            if link.get("linktype") in INTERNAL_LINK_TYPES:
                continue
            # The parser has decoded entities, so `&lt;` in the stored HTML is checked as `<`.
            href = link.get("href")
            if href is not None and not is_safe_rich_text_href(href):
                raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, RichTextLinkValidator)


validate_rich_text_links = RichTextLinkValidator()
