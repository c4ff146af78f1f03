"""The cookie consent manager's data: cookies declared per service, the banner texts and the
append-only proof of every decision (ConsentRecord).

Cookie groups (categories) and the cookie rows themselves are django-cookie-consent's models;
each service declares its cookies here, and they are mirrored into that package's `Cookie`
table, whose newest row dates a category (a new cookie means visitors are asked again).
"""

import json

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from ..choices import ConsentMethod
from ..hashing import text_hash


class ServiceCookie(Orderable):
    """A cookie (or a name pattern such as `_ga_*`) that a service sets."""

    service = ParentalKey(
        "legal.ThirdPartyService", on_delete=models.CASCADE, related_name="cookies"
    )
    name = models.CharField(max_length=120, help_text="Exact name, or a pattern with * (_ga_*).")
    domain = models.CharField(
        max_length=120, blank=True, help_text="Blank: this site's own domain."
    )
    lifetime = models.CharField(max_length=60, help_text="E.g. 2 years, 3 months, session.")
    purpose = models.CharField(max_length=300)

    panels = [
        FieldPanel("name"),
        FieldPanel("domain"),
        FieldPanel("lifetime"),
        FieldPanel("purpose"),
    ]

    def __str__(self):
        return self.name


class ConsentRecord(models.Model):
    """One decision of one visitor, never changed afterwards (GDPR Art. 7(1): the controller
    must be able to demonstrate consent). Pseudonymous: the consent id lives only in the
    visitor's consent cookie; no IP address, no user agent."""

    consent_id = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    # {"groups": {"statistics": true, ...}, "services": {"google-analytics-4": true, ...}}
    choices = models.JSONField()
    gpc = models.BooleanField("Global Privacy Control signal", default=False)
    privacy_version = models.ForeignKey(
        "legal.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cookie_policy_version = models.ForeignKey(
        "legal.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    banner_text_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["method", "created_at"])]

    def __str__(self):
        return f"{self.consent_id} {self.method} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Consent records are append-only.")
        super().save(*args, **kwargs)

    def accepted_groups(self) -> list[str]:
        return sorted(name for name, given in self.choices.get("groups", {}).items() if given)


@register_setting(icon="clipboard-list")
class ConsentBannerSettings(BaseSiteSetting):
    """The words of the cookie banner and dialog. Their hash is stored with every decision,
    so the record shows exactly which text the visitor saw."""

    title = models.CharField(max_length=100, default="Your choice about cookies")
    text = models.TextField(
        max_length=600,
        default=(
            "This site works without optional cookies. With your consent, statistics help "
            "me see which pages are read, and marketing tools measure ads. You can change "
            "your mind at any time under “Cookie settings” in the footer."
        ),
    )
    accept_label = models.CharField(max_length=40, default="Accept all")
    reject_label = models.CharField(max_length=40, default="Reject all")
    settings_label = models.CharField(max_length=40, default="Settings")
    save_label = models.CharField(max_length=40, default="Save choices")
    dialog_title = models.CharField(max_length=100, default="Cookie settings")
    dialog_text = models.TextField(
        max_length=600,
        default="Choose which categories this site may use. Nothing optional is on until you "
        "switch it on.",
    )
    gpc_text = models.CharField(
        "Global Privacy Control note",
        max_length=300,
        default="Your browser sends a Global Privacy Control signal, so marketing stays off. "
        "Switch it on here only if you want it.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("title"),
                FieldPanel("text"),
                FieldPanel("accept_label"),
                FieldPanel("reject_label"),
                FieldPanel("settings_label"),
            ],
            heading="Banner (first layer)",
        ),
        MultiFieldPanel(
            [
                FieldPanel("dialog_title"),
                FieldPanel("dialog_text"),
                FieldPanel("save_label"),
                FieldPanel("gpc_text"),
            ],
            heading="Settings dialog",
        ),
    ]

    class Meta:
        verbose_name = "cookie banner"

    def texts(self) -> dict[str, str]:
        return {
            field: getattr(self, field)
            for field in (
                "title",
                "text",
                "accept_label",
                "reject_label",
                "settings_label",
                "save_label",
                "dialog_title",
                "dialog_text",
                "gpc_text",
            )
        }

    def text_hash(self, categories) -> str:
        """SHA-256 over every text a visitor can see in the banner and the dialog."""
        shown = {
            "texts": self.texts(),
            # The dialog names each category's services (and their providers) from the registry.
            "categories": [
                (
                    c["key"],
                    c["name"],
                    c["description"],
                    [(s.name, s.provider) for s in c.get("services", [])],
                )
                for c in categories
            ],
        }
        return text_hash(json.dumps(shown, sort_keys=True, ensure_ascii=False))
