"""The third-party services registry: one place that says who else processes visitors' data."""

import re

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin
from wagtail.search import index

from ..choices import LegalBasis, ServiceType, TransferSafeguard
from ..forms import ThirdPartyServiceForm
from ..validators import validate_web_address

TRACKING_ID_FORMATS = {
    ServiceType.GA4: (r"^G-[A-Z0-9]{4,12}$", "G-XXXXXXXXXX"),
    ServiceType.GTM: (r"^GTM-[A-Z0-9]{4,10}$", "GTM-XXXXXXX"),
    ServiceType.GOOGLE_ADS: (r"^AW-[0-9]{6,12}$", "AW-123456789"),
    ServiceType.META_PIXEL: (r"^[0-9]{10,20}$", "a 15-digit number"),
}


class ThirdPartyService(DraftStateMixin, RevisionMixin, index.Indexed, ClusterableModel):
    """A service that receives visitors' data. The privacy policy's services block renders
    this registry; the cookie declaration and the consent banner read the same rows.

    A saved service (with its cookies, which its revisions carry) is a draft: it goes live
    with the next published version of a policy that renders the registry, which then
    discloses it, and the consent manager runs it once such a version is in force
    (legal/registry.py). Nobody publishes a service on its own."""

    name = models.CharField(max_length=100, unique=True)
    key = models.SlugField(
        max_length=60,
        unique=True,
        blank=True,
        help_text="Stable identifier used in consent records; filled from the name.",
    )
    provider = models.CharField(max_length=200, help_text="Legal entity and seat.")
    purpose = models.TextField()
    data_categories = models.TextField(help_text="E.g. IP address, device data, e-mail address.")
    legal_basis = models.CharField(max_length=1, choices=LegalBasis.choices)
    location = models.CharField(max_length=200, help_text="Where the data is processed.")
    transfer_safeguard = models.CharField(
        max_length=20, choices=TransferSafeguard.choices, default=TransferSafeguard.NONE
    )
    retention = models.CharField(max_length=300)
    privacy_policy_url = models.URLField(
        "Provider's privacy policy", blank=True, validators=[validate_web_address]
    )
    sort_order = models.PositiveIntegerField(default=0)
    # Consent: which category the service belongs to and what the site runs for it.
    cookie_group = models.ForeignKey(
        "cookie_consent.CookieGroup",
        verbose_name="Consent category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        help_text="Blank for services that run without the visitor's browser (e.g. Mailchimp).",
    )
    service_type = models.CharField(
        max_length=20, choices=ServiceType.choices, default=ServiceType.NONE
    )
    tracking_id = models.CharField(
        "Tracking id", max_length=40, blank=True, help_text="G-…, GTM-…, AW-… or the pixel id."
    )
    custom_code = models.TextField(
        blank=True,
        help_text="HTML with scripts, pixels or iframes. It is rendered inert and only "
        "activated in browsers that accepted the category.",
    )
    local_storage_keys = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated local-storage keys (patterns with *) removed on withdrawal.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="thirdpartyservice")

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("provider")]),
        FieldPanel("purpose"),
        FieldPanel("data_categories"),
        FieldRowPanel([FieldPanel("legal_basis"), FieldPanel("transfer_safeguard")]),
        FieldRowPanel([FieldPanel("location"), FieldPanel("retention")]),
        MultiFieldPanel([FieldPanel("privacy_policy_url"), FieldPanel("sort_order")], "More"),
        MultiFieldPanel(
            [
                FieldPanel("cookie_group", heading="Cookie category"),
                FieldRowPanel([FieldPanel("service_type"), FieldPanel("tracking_id")]),
                FieldPanel("custom_code", permission="legal.edit_custom_code"),
                FieldPanel("local_storage_keys"),
            ],
            heading="Consent and tracking code",
        ),
        InlinePanel("cookies", heading="Cookies this service sets", label="Cookie"),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("provider")]
    base_form_class = ThirdPartyServiceForm

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "third-party service"
        permissions = [("edit_custom_code", "Can edit custom tracking scripts")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = slugify(self.name)[:60] or "service"
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        id_format = TRACKING_ID_FORMATS.get(self.service_type)
        if id_format and not re.match(id_format[0], self.tracking_id or ""):
            errors["tracking_id"] = f"Enter the tracking ID as {id_format[1]}."
        if self.service_type == ServiceType.CUSTOM and not self.custom_code.strip():
            errors["custom_code"] = "Paste the code this custom service runs."
        runs_in_browser = self.service_type != ServiceType.NONE
        if runs_in_browser and (self.cookie_group is None or self.cookie_group.is_required):
            # ePrivacy Art. 5(3): tracking code is never "strictly necessary".
            errors["cookie_group"] = (
                "Choose an optional cookie category: code that runs in visitors' browsers needs "
                "their consent."
            )
        if errors:
            raise ValidationError(errors)

    def storage_key_patterns(self) -> list[str]:
        return [key.strip() for key in self.local_storage_keys.split(",") if key.strip()]
