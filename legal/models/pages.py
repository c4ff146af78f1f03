"""Legal pages: policies (privacy, cookies, terms) and the impressum, each with a public,
immutable archive of its published versions under <page>/versions/."""

import json

from django.core.validators import RegexValidator
from django.db import models
from django.http import Http404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, re_path
from wagtail.fields import StreamField
from wagtail.models import Page

from ..blocks import PolicyBodyBlock
from ..choices import LegalKind
from ..comparison import compare_snapshots
from ..forms import ImpressumPageForm, LegalPageForm, PolicyPageForm
from ..panels import RegistryChangesPanel
from ..sanitizing import clean_snapshot
from ..version_labels import FIRST_LABEL, URL_LABEL_PATTERN, validate_version_label
from .versions import PolicyVersion


class LegalPage(RoutablePageMixin, Page):
    """Shared by every legal page: the version an editor is about to publish, and the public
    archive. The current page renders the snapshot of the version in force, so what
    visitors read is byte for byte what the archive keeps."""

    version_label = models.CharField(
        max_length=40,
        default=FIRST_LABEL,
        validators=[validate_version_label],
        help_text="Must be higher than the last published version; the next one is proposed.",
    )
    effective_date = models.DateField(
        null=True,
        blank=True,
        help_text="When this version takes effect. Blank: the day it is published. A future "
        "date is announced on the page and becomes current on that day.",
    )
    is_material_change = models.BooleanField(
        default=False,
        help_text="New purposes, recipients or transfers: announced in advance and visitors "
        "are asked for consent again.",
    )
    change_summary = models.TextField(
        "What changed",
        max_length=500,
        blank=True,
        help_text="One or two sentences shown in the version archive.",
    )

    version_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("version_label"), FieldPanel("effective_date")]),
                FieldPanel("is_material_change"),
                FieldPanel("change_summary"),
            ],
            heading="This version",
        )
    ]

    is_creatable = False  # only its concrete page types are
    # Directly under the site's home page (/privacy/, /impressum/); the archive is routes, not
    # child pages. A model label, not an import: legal still imports nothing from `website`.
    parent_page_types = ["website.HomePage"]
    subpage_types = []
    template = "legal/legal_page.html"
    snapshot_template = ""  # set by each concrete page type
    legal_kind = ""
    base_form_class = LegalPageForm

    class Meta:
        verbose_name = "legal page"

    # --- versions -----------------------------------------------------------------------

    @property
    def versions(self):
        return PolicyVersion.objects.filter(page_id=self.pk)

    def current_version(self):
        return self.versions.effective_on().newest()

    def upcoming_version(self):
        return self.versions.upcoming().earliest()

    def archived_versions(self) -> list[PolicyVersion]:
        """The public archive, newest first: every version not withdrawn."""
        versions = self.versions.active().defer("html")
        return sorted(versions, key=lambda v: (v.effective_date, v.order_key()), reverse=True)

    def render_snapshot(self) -> str:
        """The body as it reads right now; frozen into a PolicyVersion on publish."""
        return render_to_string(self.snapshot_template, {"page": self}).strip()

    def get_version_or_404(self, slug: str) -> PolicyVersion:
        """The version whose label has this URL form ("Version-2.1" for "Version 2.1"), in
        any letter case; an active version wins over a withdrawn one of the same form."""
        labels = self.versions.only("pk", "version_label", "withdrawn_at")
        matches = [v for v in labels if v.slug.lower() == slug.lower()]
        if not matches:
            raise Http404("No such version")
        best = min(matches, key=lambda v: (v.is_withdrawn, v.slug != slug))
        return self.versions.get(pk=best.pk)

    def withdrawn_response(self, request, version):
        """410 Gone: the address was public and the version was taken away on purpose, for
        good. Search engines drop it sooner than a 404, and readers learn it was withdrawn
        rather than mistyped."""
        return TemplateResponse(
            request,
            "legal/version_withdrawn.html",
            {"page": self, "version": version, "has_archive": self.versions.active().exists()},
            status=410,
        )

    # --- public views -------------------------------------------------------------------

    @re_path(r"^$")
    def current(self, request):
        if getattr(request, "is_preview", False):
            # Previews show the draft as it would be frozen, not the version in force.
            return self.render_page(
                request, body=clean_snapshot(self.render_snapshot()), version=None
            )
        version = self.current_version()
        return self.render_page(
            request,
            body=version.display_html() if version else clean_snapshot(self.render_snapshot()),
            version=version,
            upcoming=self.upcoming_version(),
        )

    def render_page(self, request, **context):
        context.update(page=self, self=self, has_archive=self.versions.active().exists())
        return TemplateResponse(request, self.get_template(request), context)

    @re_path(r"^versions/$", name="version_list")
    def version_list(self, request):
        versions = self.archived_versions()
        if not versions:
            raise Http404("No published versions")
        current = self.current_version()
        # Each version is listed with the one before it, for a one-click comparison.
        rows = [
            {"version": v, "previous": versions[i + 1] if i + 1 < len(versions) else None}
            for i, v in enumerate(versions)
        ]
        return TemplateResponse(
            request,
            "legal/version_list.html",
            {
                "page": self,
                "rows": rows,
                "current": current,
                "has_imported": any(v.imported for v in versions),
            },
        )

    @re_path(rf"^versions/(?P<label>{URL_LABEL_PATTERN})/$", name="version_detail")
    def version_detail(self, request, label):
        version = self.get_version_or_404(label)
        if version.is_withdrawn:
            return self.withdrawn_response(request, version)
        place = (version.effective_date, version.order_key())
        following = min(
            (v for v in self.archived_versions() if (v.effective_date, v.order_key()) > place),
            key=lambda v: (v.effective_date, v.order_key()),
            default=None,
        )
        return TemplateResponse(
            request,
            "legal/version_detail.html",
            {
                "page": self,
                "version": version,
                "superseded_on": following.effective_date if following else None,
                "current": self.current_version(),
            },
        )

    @re_path(
        rf"^versions/(?P<old>{URL_LABEL_PATTERN})/compare/(?P<new>{URL_LABEL_PATTERN})/$",
        name="version_compare",
    )
    def version_compare(self, request, old, new):
        old_version = self.get_version_or_404(old)
        new_version = self.get_version_or_404(new)
        for version in (old_version, new_version):
            if version.is_withdrawn:
                return self.withdrawn_response(request, version)
        return TemplateResponse(
            request,
            "legal/version_compare.html",
            {
                "page": self,
                "old": old_version,
                "new": new_version,
                # Text and addresses of both snapshots, diffed word by word; the template
                # escapes every word (lxml's htmldiff wrote changed hrefs out unescaped).
                "diff": compare_snapshots(old_version.html, new_version.html),
            },
        )

    def get_sitemap_urls(self, request=None):
        # The archive is for audits, not search results: only the current page is listed.
        return super(RoutablePageMixin, self).get_sitemap_urls(request)

    def get_cached_paths(self):
        # What a CDN purge (wagtail.contrib.frontend_cache) covers: a new version changes the
        # list and the "superseded on" line of the version before it.
        # Withdrawn ones too: their cached copies must give way to the 410.
        return ["/", "versions/", *(f"versions/{v.slug}/" for v in self.versions)]


class PolicyPage(LegalPage):
    """A privacy policy, cookie policy or terms page with a structured body."""

    kind = models.CharField(
        max_length=20,
        choices=[c for c in LegalKind.choices if c[0] != LegalKind.IMPRESSUM],
        default=LegalKind.PRIVACY,
    )
    intro = models.TextField(max_length=500, blank=True)
    body = StreamField(PolicyBodyBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        RegistryChangesPanel(),
        *LegalPage.version_panels,
        FieldPanel("kind"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    template = "legal/legal_page.html"
    snapshot_template = "legal/includes/policy_body.html"
    base_form_class = PolicyPageForm  # one live page per kind, site and locale

    class Meta:
        verbose_name = "policy page"

    @property
    def legal_kind(self):
        return self.kind


LEGAL_FORMS_WITH_REPRESENTATIVES = {"gbr", "ohg", "kg", "gmbh", "ug", "ag", "ev", "other_company"}
REGISTERED_LEGAL_FORMS = {"ek", "ohg", "kg", "gmbh", "ug", "ag", "ev"}
# How a name that already carries its legal form ends ("… GmbH", "… gGmbH", "… e.K.").
LEGAL_FORM_SUFFIXES = {
    "ek": ("e.K.", "e. K.", "e.Kfm.", "e.Kfr."),
    "gbr": ("GbR",),
    "ohg": ("OHG",),
    "kg": ("KG", "GmbH & Co. KG"),
    "gmbh": ("GmbH", "gGmbH", "mbH"),
    "ug": ("UG (haftungsbeschränkt)", "UG"),
    "ag": ("AG",),
    "ev": ("e.V.", "e. V."),
}
PO_BOX = RegexValidator(
    r"(?i)\b(postfach|p\.?\s?o\.?\s?box|post\s?box|pob)\b",
    "A PO box is not a summonable address (§ 5 (1) no. 1 DDG): give a street address.",
    inverse_match=True,
)


class ImpressumPage(LegalPage):
    """The German legal notice as structured, validated data (§ 5 DDG, § 18 MStV, § 36 VSBG).

    Which fields are mandatory, and the law that makes them so, lives in
    `ImpressumPage.mandatory_field_errors()`; the admin form refuses to publish without them.
    """

    LEGAL_FORMS = [
        ("sole_trader", "Sole trader (Einzelunternehmen, not registered)"),
        ("freelancer", "Freelancer (Freiberufler)"),
        ("ek", "Registered merchant (e.K.)"),
        ("gbr", "Civil-law partnership (GbR)"),
        ("ohg", "OHG"),
        ("kg", "KG"),
        ("gmbh", "GmbH"),
        ("ug", "UG (haftungsbeschränkt)"),
        ("ag", "AG"),
        ("ev", "Registered association (e.V.)"),
        ("other_company", "Other legal person"),
    ]
    CONSUMER_DISPUTE_CHOICES = [
        ("not_willing", "Neither willing nor obliged to take part"),
        ("willing", "Willing to take part (name the arbitration board below)"),
        ("obliged", "Obliged to take part (name the arbitration board below)"),
    ]

    provider_name = models.CharField("Name", max_length=200, blank=True)
    legal_form = models.CharField(max_length=20, choices=LEGAL_FORMS, blank=True)
    representatives = models.CharField(
        "Authorised representatives",
        max_length=300,
        blank=True,
        help_text="Managing directors or board members (legal persons and partnerships).",
    )
    street_address = models.CharField(max_length=200, blank=True, validators=[PO_BOX])
    postal_code = models.CharField(max_length=12, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True, default="Germany")
    email = models.EmailField("E-mail", blank=True)
    phone = models.CharField(
        "Phone",
        max_length=40,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9 ()/.-]{6,}$", "Enter a phone number.")],
    )
    contact_form_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A contact form that is answered promptly can replace the phone number.",
    )
    register_court = models.CharField(max_length=120, blank=True)
    register_number = models.CharField(max_length=60, blank=True)
    vat_id = models.CharField(
        "VAT ID (USt-IdNr.)",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^DE[0-9]{9}$", "A German VAT ID is DE and 9 digits.")],
    )
    business_id = models.CharField(
        "Business ID (W-IdNr.)",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^DE[0-9]{9}-[0-9]{5}$", "Format: DE123456789-00001.")],
    )
    supervisory_authority = models.CharField(
        max_length=300, blank=True, help_text="Only if your activity needs an authorisation."
    )
    profession_chamber = models.CharField("Professional chamber", max_length=200, blank=True)
    profession_title = models.CharField("Statutory professional title", max_length=200, blank=True)
    profession_state = models.CharField(
        "State that conferred the title", max_length=100, blank=True
    )
    profession_rules = models.CharField(
        "Professional rules and where to find them", max_length=300, blank=True
    )
    has_editorial_content = models.BooleanField(
        "Journalistic-editorial content (blog, newsletter)",
        default=True,
        help_text="Then § 18 (2) MStV requires a person responsible for the content.",
    )
    content_responsible_name = models.CharField(
        "Responsible for content (name)", max_length=200, blank=True
    )
    content_responsible_address = models.CharField(
        "Responsible for content (address)", max_length=300, blank=True, validators=[PO_BOX]
    )
    consumer_dispute = models.CharField(
        "Consumer dispute resolution",
        max_length=20,
        choices=CONSUMER_DISPUTE_CHOICES,
        blank=True,
    )
    consumer_dispute_text = models.TextField(
        "Consumer dispute statement",
        max_length=600,
        blank=True,
        help_text="The statement under § 36 VSBG, and the arbitration board if you take part.",
    )

    content_panels = [
        *Page.content_panels,
        *LegalPage.version_panels,
        MultiFieldPanel(
            [
                FieldPanel("provider_name"),
                FieldRowPanel([FieldPanel("legal_form"), FieldPanel("representatives")]),
                FieldPanel("street_address"),
                FieldRowPanel(
                    [FieldPanel("postal_code"), FieldPanel("city"), FieldPanel("country")]
                ),
            ],
            heading="Provider (§ 5 (1) no. 1 DDG)",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
                FieldPanel("contact_form_page"),
            ],
            heading="Fast contact (§ 5 (1) no. 2 DDG)",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("register_court"), FieldPanel("register_number")]),
                FieldRowPanel([FieldPanel("vat_id"), FieldPanel("business_id")]),
                FieldPanel("supervisory_authority"),
            ],
            heading="Register, tax IDs, authority (§ 5 (1) nos. 3, 4, 6 DDG)",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("profession_chamber"), FieldPanel("profession_title")]),
                FieldRowPanel([FieldPanel("profession_state"), FieldPanel("profession_rules")]),
            ],
            heading="Regulated profession (§ 5 (1) no. 5 DDG), if any",
        ),
        MultiFieldPanel(
            [
                FieldPanel("has_editorial_content"),
                FieldRowPanel(
                    [
                        FieldPanel("content_responsible_name"),
                        FieldPanel("content_responsible_address"),
                    ]
                ),
            ],
            heading="Responsible for content (§ 18 (2) MStV)",
        ),
        MultiFieldPanel(
            [FieldPanel("consumer_dispute"), FieldPanel("consumer_dispute_text")],
            heading="Consumer dispute resolution (§ 36 VSBG)",
        ),
    ]
    template = "legal/legal_page.html"
    snapshot_template = "legal/includes/impressum_body.html"
    legal_kind = LegalKind.IMPRESSUM
    base_form_class = ImpressumPageForm
    max_count_per_parent = 1  # one provider per site (and per locale's home page)

    class Meta:
        verbose_name = "impressum"
        verbose_name_plural = "impressums"

    def mandatory_field_errors(self) -> dict[str, str]:
        """Field name -> message saying what to enter and the law that requires it, for
        every missing fact. Each message is an instruction ("Enter the city (required by
        …).") so it reads the same for every field, singular or plural."""
        errors = {}

        def require(field: str, instruction: str, law: str) -> None:
            if not getattr(self, field):
                errors[field] = f"{instruction} (required by {law})."

        require("provider_name", "Enter the provider's name", "§ 5 (1) no. 1 DDG")
        require("legal_form", "Choose the legal form", "§ 5 (1) no. 1 DDG")
        require("street_address", "Enter a street address, not a PO box", "§ 5 (1) no. 1 DDG")
        require("postal_code", "Enter the postal code", "§ 5 (1) no. 1 DDG")
        require("city", "Enter the city", "§ 5 (1) no. 1 DDG")
        require("country", "Enter the country", "§ 5 (1) no. 1 DDG")
        require("email", "Enter an e-mail address", "§ 5 (1) no. 2 DDG")
        if not self.phone and not self.contact_form_page_id:
            errors["phone"] = (
                "Enter a phone number or choose a contact form: a second fast way to get in "
                "touch is required by § 5 (1) no. 2 DDG."
            )
        if self.legal_form in LEGAL_FORMS_WITH_REPRESENTATIVES:
            require(
                "representatives",
                "Name the authorised representatives",
                "§ 5 (1) no. 1 DDG for this legal form",
            )
        if self.legal_form in REGISTERED_LEGAL_FORMS:
            law = "§ 5 (1) no. 4 DDG for this legal form"
            require("register_court", "Enter the register court", law)
            require("register_number", "Enter the register number", law)
        profession = [
            "profession_chamber",
            "profession_title",
            "profession_state",
            "profession_rules",
        ]
        if any(getattr(self, field) for field in profession):
            for field in profession:
                label = self._meta.get_field(field).verbose_name
                require(
                    field,
                    f"Enter the {label[:1].lower()}{label[1:]}",
                    "§ 5 (1) no. 5 DDG for a regulated profession",
                )
        if self.has_editorial_content:
            law = "§ 18 (2) MStV for journalistic-editorial content"
            require("content_responsible_name", "Name the person responsible for content", law)
            require(
                "content_responsible_address",
                "Enter the address of the person responsible for content",
                law,
            )
        require(
            "consumer_dispute",
            "Choose whether you take part in consumer dispute resolution",
            "§ 36 VSBG",
        )
        require("consumer_dispute_text", "Enter the consumer dispute statement", "§ 36 VSBG")
        return errors

    def legal_form_to_print(self) -> str:
        """The legal form for the line under the name, or "" when the name already ends with
        it: a company's registered name carries its form ("Plexosoft GmbH")."""
        name = self.provider_name.strip().lower()
        for suffix in LEGAL_FORM_SUFFIXES.get(self.legal_form, ()):
            suffix = suffix.lower()
            if name == suffix or name.endswith((f" {suffix}", f"-{suffix}")):
                return ""
        return self.get_legal_form_display()

    def organization_json_ld(self) -> str:
        """schema.org Organization data, escaped for a <script> element like json_script."""
        data = {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": self.provider_name,
            "email": self.email,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": self.street_address,
                "postalCode": self.postal_code,
                "addressLocality": self.city,
                "addressCountry": self.country,
            },
        }
        if self.phone:
            data["telephone"] = self.phone
        if self.vat_id:
            data["vatID"] = self.vat_id
        return mark_safe(json.dumps(data, ensure_ascii=False).translate(_json_script_escapes))  # noqa: S308
