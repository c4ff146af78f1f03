"""The third-party services registry: one place that says who else processes visitors' data."""

from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index


class LegalBasis(models.TextChoices):
    # GDPR Art. 6(1): the six lawful bases.
    CONSENT = "a", "Consent (GDPR Art. 6(1)(a))"
    CONTRACT = "b", "Contract (GDPR Art. 6(1)(b))"
    LEGAL_OBLIGATION = "c", "Legal obligation (GDPR Art. 6(1)(c))"
    VITAL_INTERESTS = "d", "Vital interests (GDPR Art. 6(1)(d))"
    PUBLIC_TASK = "e", "Public task (GDPR Art. 6(1)(e))"
    LEGITIMATE_INTERESTS = "f", "Legitimate interests (GDPR Art. 6(1)(f))"


class TransferSafeguard(models.TextChoices):
    # GDPR Chapter V: what makes a transfer outside the EU/EEA lawful.
    NONE = "none", "No transfer outside the EU/EEA"
    ADEQUACY = "adequacy", "Adequacy decision (GDPR Art. 45)"
    SCCS = "sccs", "Standard contractual clauses (GDPR Art. 46(2)(c))"
    ADEQUACY_SCCS = "adequacy_sccs", "Adequacy decision (Art. 45) and standard contractual clauses"
    BCR = "bcr", "Binding corporate rules (GDPR Art. 47)"
    CONSENT = "consent", "Explicit consent (GDPR Art. 49(1)(a))"


class ThirdPartyService(index.Indexed, models.Model):
    """A service that receives visitors' data. The privacy policy's services block renders
    this registry, so adding a service here updates every policy that shows it."""

    name = models.CharField(max_length=100, unique=True)
    provider = models.CharField(max_length=200, help_text="Legal entity and seat.")
    purpose = models.TextField()
    data_categories = models.TextField(help_text="E.g. IP address, device data, e-mail address.")
    legal_basis = models.CharField(max_length=1, choices=LegalBasis.choices)
    location = models.CharField(max_length=200, help_text="Where the data is processed.")
    transfer_safeguard = models.CharField(
        max_length=20, choices=TransferSafeguard.choices, default=TransferSafeguard.NONE
    )
    retention = models.CharField(max_length=300)
    privacy_policy_url = models.URLField("Provider's privacy policy", blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("provider")]),
        FieldPanel("purpose"),
        FieldPanel("data_categories"),
        FieldRowPanel([FieldPanel("legal_basis"), FieldPanel("transfer_safeguard")]),
        FieldRowPanel([FieldPanel("location"), FieldPanel("retention")]),
        MultiFieldPanel([FieldPanel("privacy_policy_url"), FieldPanel("sort_order")], "More"),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("provider")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "third-party service"

    def __str__(self):
        return self.name
