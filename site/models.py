"""Site-wide pages (home, standard, contact) and the settings every page's footer reads."""

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

from legal.validators import validate_rich_text_links

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
    impressum_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="Impressum (legal notice)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
                PageChooserPanel("impressum_page", "legal.ImpressumPage"),
            ],
            heading="Legal pages linked from every footer",
        ),
    ]

    class Meta:
        verbose_name = "site settings"

    def legal_links(self):
        """(label, page) pairs for the footer, skipping pages that are unset or not live."""
        candidates = [
            ("Privacy policy", self.privacy_policy_page),
            ("Cookie policy", self.cookie_policy_page),
            ("Impressum", self.impressum_page),
        ]
        return [(label, page) for label, page in candidates if page is not None and page.live]
