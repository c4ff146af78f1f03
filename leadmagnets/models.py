"""Lead magnets: a free resource delivered to a confirmed address through expiring links."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from legal.validators import validate_rich_text_links
from newsletter.models import new_link_key

from .admin_forms import LeadMagnetPageForm, public_resource_message
from .chooser import resource_chooser
from .forms import LeadMagnetForm
from .resources import is_private


class LeadMagnetPage(Page):
    """A page offering one resource (a guide, a checklist) in exchange for a confirmed
    address. The resource is a Wagtail document in a private collection, handed out only
    through signed links that expire."""

    teaser = models.TextField(max_length=600)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resource = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Keep it in a collection with a privacy restriction, so it has no public URL.",
    )
    consent_text = models.TextField(
        max_length=500,
        default="Yes, send me the guide by e-mail. Details are in the privacy policy.",
        help_text="The checkbox text, stored word for word with every request as proof.",
    )
    newsletter_consent_text = models.TextField(
        max_length=500,
        blank=True,
        help_text="Optional second, separate checkbox for the newsletter. Blank: not offered.",
    )
    show_last_name = models.BooleanField(default=False)
    require_last_name = models.BooleanField(default=False)
    show_phone = models.BooleanField(default=False)
    require_phone = models.BooleanField(default=False)
    button_label = models.CharField(max_length=40, default="Send me the guide")
    thank_you_text = RichTextField(
        blank=True, features=["bold", "italic", "link"], validators=[validate_rich_text_links]
    )
    mailchimp_tags = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated extra tags; leadmagnet:<slug> is always added.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("teaser"),
        FieldPanel("cover_image"),
        FieldPanel(
            "resource",
            widget=resource_chooser.widget_class,
            help_text="It must be in a private collection (one with a privacy restriction), so "
            "it has no public URL. Uploads here go to the private collection.",
        ),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldPanel("consent_text"),
                FieldPanel("newsletter_consent_text"),
                FieldRowPanel([FieldPanel("show_last_name"), FieldPanel("require_last_name")]),
                FieldRowPanel([FieldPanel("show_phone"), FieldPanel("require_phone")]),
                FieldPanel("button_label"),
            ],
            heading="Form",
        ),
        FieldPanel("mailchimp_tags"),
    ]

    # Under the home page only: the slug names the Mailchimp tag (leadmagnet:<slug>), and slugs
    # are unique among siblings only. A model label, not an import of `website`.
    parent_page_types = ["website.HomePage"]
    subpage_types = []
    base_form_class = LeadMagnetPageForm

    class Meta:
        verbose_name = "lead-magnet page"

    def clean_fields(self, exclude=None):
        """Never live with a public resource, whatever publishes it (the admin form refuses
        it first, with its fix; this covers code paths such as scheduled publishing of a
        page whose document was moved since). Skipped where the form already refused it."""
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        checked = exclude is None or "resource" not in exclude
        publishing = self.live and self.resource_id and "resource" not in errors
        if checked and publishing and not is_private(self.resource.collection):
            errors["resource"] = [public_resource_message(self.resource)]
        if errors:
            raise ValidationError(errors)

    @property
    def purpose(self) -> str:
        return f"leadmagnet:{self.slug}"

    def tags(self) -> list[str]:
        extra = [tag.strip() for tag in self.mailchimp_tags.split(",") if tag.strip()]
        return [self.purpose, *extra]

    def form_config(self) -> dict:
        return {
            "consent_text": self.consent_text,
            "show_last_name": self.show_last_name,
            "require_last_name": self.require_last_name,
            "show_phone": self.show_phone,
            "require_phone": self.require_phone,
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["form"] = kwargs.get("form") or LeadMagnetForm(page=self)
        return context


class DownloadGrant(models.Model):
    """The right of one confirmed contact to download one resource, counted per download."""

    contact = models.ForeignKey(
        "newsletter.Contact", on_delete=models.CASCADE, related_name="download_grants"
    )
    page = models.ForeignKey(LeadMagnetPage, on_delete=models.CASCADE, related_name="grants")
    # In the download link, signed: never the grant's database id.
    key = models.CharField(max_length=40, unique=True, default=new_link_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    download_count = models.PositiveIntegerField(default=0)
    last_download_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.contact} → {self.page}"

    @property
    def expires_at(self):
        return self.created_at + timezone.timedelta(days=settings.LEADMAGNET_DOWNLOAD_DAYS)
