"""`NewsletterSignupBlock`: a sign-up form an editor can place on any page."""

from wagtail import blocks

from .forms import SignupForm, form_ids


class NewsletterSignupBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=100, default="Get the letter")
    intro = blocks.TextBlock(required=False, max_length=400)
    consent_text = blocks.TextBlock(
        max_length=500,
        help_text="The checkbox text, stored word for word with every sign-up as proof.",
        default="Yes, send me the newsletter. I can unsubscribe at any time with one click; "
        "see the privacy policy.",
    )
    show_last_name = blocks.BooleanBlock(required=False)
    require_last_name = blocks.BooleanBlock(required=False)
    show_phone = blocks.BooleanBlock(required=False)
    require_phone = blocks.BooleanBlock(required=False)
    button_label = blocks.CharBlock(max_length=40, default="Sign up")

    class Meta:
        icon = "mail"
        label = "Newsletter sign-up"
        template = "newsletter/blocks/newsletter_signup_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        # StreamChild.render puts the block id into the context (Wagtail 8).
        block_id = (parent_context or {}).get("id", "") or ""
        context["block_id"] = block_id
        # Field ids unique per block: a page may show its own form and the footer's.
        context["form"] = SignupForm(config=value, auto_id=form_ids(block_id))
        return context
