"""The blocks of a policy body. Rendering them produces the HTML a published version freezes.

The page models import these blocks, so the blocks import no models: the two that render a
registry read it in their templates, through the `registry_tags` library."""

import re

from django.utils.text import slugify
from wagtail import blocks

from .validators import validate_rich_text_links, validate_web_address


class HeadingBlock(blocks.StructBlock):
    """A section heading with a stable anchor, so links like /privacy/#newsletter keep working."""

    text = blocks.CharBlock(max_length=120)
    anchor = blocks.CharBlock(
        max_length=60,
        required=False,
        help_text="Leave blank to use the heading text, e.g. 'newsletter' for #newsletter.",
    )

    class Meta:
        icon = "title"
        template = "legal/blocks/heading_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["anchor"] = anchor_for(value)
        return context


def anchor_for(heading_value) -> str:
    return slugify(heading_value.get("anchor") or heading_value.get("text")) or "section"


# A heading that starts with its own number ("1.", "2.3", "4)", "§ 5", "II.", "A.") and a space;
# four digits are a year ("2026 update"), not a number.
NUMBERED_HEADING = re.compile(r"^\s*(?:§+\s*)?(?:\d{1,3}(?:\.\d+)*[.):]?|[IVXLC]+[.)]|[A-Z][.)])\s")


class TableOfContentsBlock(blocks.StructBlock):
    """Lists every heading of the same body, in order; nothing to maintain by hand."""

    title = blocks.CharBlock(max_length=60, default="Contents")

    class Meta:
        icon = "list-ul"
        template = "legal/blocks/table_of_contents_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        page = (parent_context or {}).get("page")
        body = getattr(page, "body", None) or []
        context["entries"] = [
            {"text": child.value["text"], "anchor": anchor_for(child.value)}
            for child in body
            if child.block_type == "heading"
        ]
        # Headings the editor numbered ("1. Who we are") keep their own numbers, without the
        # list's in front of them ("1. 1. Who we are"). One numbered heading is enough: the
        # list's numbers would clash with it, and unnumbered ones read fine without.
        context["numbered_by_editor"] = any(
            NUMBERED_HEADING.match(entry["text"]) for entry in context["entries"]
        )
        return context


class ThirdPartyServicesBlock(blocks.StructBlock):
    """Renders the third-party services registry: one source of truth for every policy."""

    intro = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link"], validators=[validate_rich_text_links]
    )

    class Meta:
        icon = "site"
        label = "Third-party services (from the registry)"
        template = "legal/blocks/services_block.html"


class CookieDeclarationBlock(blocks.StructBlock):
    """Renders every cookie group and cookie the consent manager controls."""

    intro = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link"], validators=[validate_rich_text_links]
    )

    class Meta:
        icon = "clipboard-list"
        label = "Cookie declaration (from the consent registry)"
        template = "legal/blocks/cookie_declaration_block.html"


class ContactRightsBlock(blocks.StructBlock):
    """Who to contact and the data-subject rights (GDPR Art. 13(1)(a)-(b), 13(2)(b)-(d))."""

    controller = blocks.TextBlock(help_text="Name and postal address of the controller.")
    email = blocks.EmailBlock()
    dpo = blocks.TextBlock(
        required=False, label="Data protection officer", help_text="Only if you have one."
    )
    authority_name = blocks.CharBlock(label="Supervisory authority")
    authority_url = blocks.URLBlock(
        label="Supervisory authority website", validators=[validate_web_address]
    )

    class Meta:
        icon = "user"
        label = "Contact and your rights"
        template = "legal/blocks/contact_rights_block.html"


# The blocks that render a registry. A policy showing one discloses the services it lists, so
# its next version takes the registry's pending changes along (legal/registry.py).
REGISTRY_BLOCK_TYPES = frozenset({"services", "cookie_declaration"})


def registry_blocks(body) -> set[str]:
    """The registry blocks among a policy body's blocks (a StreamValue, or None)."""
    return {child.block_type for child in body or []} & REGISTRY_BLOCK_TYPES


class PolicyBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "document-link", "ol", "ul", "h3"],
        validators=[validate_rich_text_links],
    )
    table_of_contents = TableOfContentsBlock()
    services = ThirdPartyServicesBlock()
    cookie_declaration = CookieDeclarationBlock()
    contact_rights = ContactRightsBlock()
