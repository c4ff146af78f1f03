"""StreamField blocks shared by the site's own pages."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from wagtail import blocks

from legal.validators import validate_rich_text_links, validate_web_address
from newsletter.blocks import NewsletterSignupBlock


class LinkBlock(blocks.StructBlock):
    """A labelled link to a page of this site or to an outside address."""

    label = blocks.CharBlock(max_length=80)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, label="External URL", validators=[validate_web_address])

    class Meta:
        icon = "link"
        template = "website/blocks/link_block.html"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = "Choose either a page or an external URL (exactly one)."
            raise blocks.StructBlockValidationError(
                block_errors={"page": ErrorList([ValidationError(message)])}
            )
        return value


class ContentStreamBlock(blocks.StreamBlock):
    """The body of a standard page: headings, rich text and sign-up forms."""

    heading = blocks.CharBlock(form_classname="title", icon="title", max_length=120)
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "document-link", "ol", "ul", "h3"],
        validators=[validate_rich_text_links],
    )
    newsletter_signup = NewsletterSignupBlock()
