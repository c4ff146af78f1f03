"""Site-wide pages (home, standard, contact), the settings every page's footer reads, and the
brand (logo and colours) every page and the consent banner use."""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from legal.validators import validate_rich_text_links, validate_web_address

from . import brand
from .blocks import ContentStreamBlock, LinkBlock


class HomePage(Page):
    """The creator's front page: a hero, a short about section and links."""

    hero_heading = models.CharField(max_length=120)
    hero_text = models.TextField(max_length=400, blank=True)
    hero_cta_label = models.CharField("Call-to-action label", max_length=60, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="Call-to-action page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    about_heading = models.CharField(max_length=120, blank=True)
    about_body = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        validators=[validate_rich_text_links],
    )
    links = StreamField([("link", LinkBlock())], blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_text"),
                FieldRowPanel([FieldPanel("hero_cta_label"), PageChooserPanel("hero_cta_page")]),
            ],
            heading="Hero",
        ),
        MultiFieldPanel([FieldPanel("about_heading"), FieldPanel("about_body")], heading="About"),
        FieldPanel("links"),
    ]

    # The site tree (README, load_initial_data): one home page as the site's root, every other
    # page type under it.
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "StandardPage",
        "ContactPage",
        "legal.PolicyPage",
        "legal.ImpressumPage",
        "leadmagnets.LeadMagnetPage",
    ]

    class Meta:
        verbose_name = "home page"


class StandardPage(Page):
    """A plain content page (about, uses, ...): an introduction and a body."""

    intro = models.TextField(max_length=400, blank=True)
    body = StreamField(ContentStreamBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]

    # Sections may nest (/about/studio/); legal, contact and lead-magnet pages stay top level.
    parent_page_types = ["HomePage", "StandardPage"]
    subpage_types = ["StandardPage"]

    class Meta:
        verbose_name = "standard page"


class ContactFormField(AbstractFormField):
    page = ParentalKey("ContactPage", on_delete=models.CASCADE, related_name="form_fields")


class ContactPage(AbstractEmailForm):
    """A contact form built in the admin with Wagtail's form builder; submissions are stored
    and, when a recipient address is given, mailed to it."""

    intro = RichTextField(
        blank=True, features=["bold", "italic", "link"], validators=[validate_rich_text_links]
    )
    thank_you_text = RichTextField(
        blank=True, features=["bold", "italic", "link"], validators=[validate_rich_text_links]
    )

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading="E-mail notification (optional)",
        ),
    ]

    parent_page_types = ["HomePage"]
    subpage_types = []
    max_count_per_parent = 1  # one contact form per home page (per site and locale)

    class Meta:
        verbose_name = "contact page"

    def get_submissions_list_view_class(self):
        """Visitors write the submissions: exported as text, never as spreadsheet formulas.
        Imported here because Wagtail's admin views need every model loaded first."""
        from legal.spreadsheets import FormulaSafeSubmissionsListView  # noqa: PLC0415 (app loading)

        return FormulaSafeSubmissionsListView


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Who runs the site and where its legal pages are: every page's footer reads this."""

    creator_name = models.CharField(max_length=120, blank=True)
    tagline = models.CharField(max_length=200, blank=True)
    footer_text = models.CharField(max_length=300, blank=True)
    privacy_policy_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cookie_policy_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    terms_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="Terms of service page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A page of this site; or give the address of terms kept elsewhere below.",
    )
    terms_url = models.URLField(
        "Terms of service address",
        max_length=500,
        blank=True,
        validators=[validate_web_address],
        help_text="Terms kept on another site (a shop, a platform), starting with https://.",
    )
    impressum_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="Impressum (legal notice)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    footer_links = StreamField(
        [("link", LinkBlock())],
        blank=True,
        verbose_name="More footer links",
        help_text="Shown in every footer in this order, next to the legal links.",
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("creator_name"), FieldPanel("tagline"), FieldPanel("footer_text")],
            heading="Site",
        ),
        MultiFieldPanel(
            [
                PageChooserPanel("privacy_policy_page", "legal.PolicyPage"),
                PageChooserPanel("cookie_policy_page", "legal.PolicyPage"),
                PageChooserPanel("terms_page"),
                FieldPanel("terms_url"),
                PageChooserPanel("impressum_page", "legal.ImpressumPage"),
            ],
            heading="Legal pages linked from every footer",
        ),
        FieldPanel("footer_links"),
    ]

    class Meta:
        verbose_name = "site settings"

    def clean(self):
        super().clean()
        if self.terms_page_id and self.terms_url:
            raise ValidationError(
                {"terms_url": "Choose a terms page or give an address, not both."}
            )

    def legal_links(self):
        """The footer's legal links, as {"label", "page", "url"}: pages that are unset or not
        live are skipped; terms kept elsewhere have an address instead of a page."""
        candidates = [
            ("Privacy policy", self.privacy_policy_page, ""),
            ("Cookie policy", self.cookie_policy_page, ""),
            ("Terms of service", self.terms_page, self.terms_url),
            ("Impressum", self.impressum_page, ""),
        ]
        return [
            {"label": label, "page": page if page is not None and page.live else None, "url": url}
            for label, page, url in candidates
            if (page is not None and page.live) or url
        ]

    def more_links(self):
        """The editor's extra footer links whose page is live or that have an address."""
        links = []
        for block in self.footer_links:
            page = block.value.get("page")
            if page is not None and not page.live:
                continue
            if page is None and not block.value.get("url"):
                continue
            links.append(block.value)
        return links


@register_setting(icon="image")
class BrandSettings(BaseSiteSetting):
    """The logo in every page's header, and the colour of buttons, the header's edge and the
    consent banner. Blank colours keep the site's own."""

    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown in the header instead of the site's name, which becomes its text "
        "alternative. A wide image about 48 pixels high works best.",
    )
    primary_colour = models.CharField(
        max_length=7,
        blank=True,
        validators=[brand.validate_hex_colour],
        help_text=f"Buttons, the header's edge and the cookie banner, e.g. {brand.DEFAULT_PRIMARY}"
        " (the site's own). Blank: the site's own.",
    )
    primary_text_colour = models.CharField(
        "Text colour on the primary colour",
        max_length=7,
        blank=True,
        validators=[brand.validate_hex_colour],
        help_text="The text on buttons and other areas in the primary colour, e.g. "
        f"{brand.DEFAULT_PRIMARY_TEXT}. It needs a contrast of at least 4.5:1 with the primary "
        "colour (WCAG AA).",
    )

    panels = [
        FieldPanel("logo"),
        FieldRowPanel([FieldPanel("primary_colour"), FieldPanel("primary_text_colour")]),
    ]

    class Meta:
        verbose_name = "brand"

    def clean(self):
        super().clean()
        for field in ("primary_colour", "primary_text_colour"):
            value = getattr(self, field)
            if value and brand.HEX_COLOUR.fullmatch(value):
                setattr(self, field, brand.normalise(value))
            elif value:
                return  # the field's own validator reports it
        primary, text = self.colour_pair()
        if message := brand.contrast_error(primary, text):
            field = "primary_text_colour" if self.primary_text_colour else "primary_colour"
            raise ValidationError({field: message})

    def colour_pair(self) -> tuple[str, str]:
        """The primary colour and its text colour in force, the site's own for a blank one."""
        return (
            self.primary_colour or brand.DEFAULT_PRIMARY,
            self.primary_text_colour or brand.DEFAULT_PRIMARY_TEXT,
        )

    def custom_properties(self) -> dict[str, str]:
        if not (self.primary_colour or self.primary_text_colour):
            return {}
        return brand.custom_properties(*self.colour_pair())

    def stylesheet_version(self) -> str:
        """Empty while the site's own colours are in force: no stylesheet to load then."""
        properties = self.custom_properties()
        return brand.version(properties) if properties else ""
