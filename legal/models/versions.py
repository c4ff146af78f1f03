"""PolicyVersion: one published version of a legal page, frozen and never edited afterwards."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..choices import LegalKind
from ..sanitizing import clean_snapshot
from ..version_labels import is_valid_label, label_numbers, label_slug, version_name

WITHDRAWAL_FIELDS = {"withdrawn_at", "withdrawal_reason"}


class PolicyVersionQuerySet(models.QuerySet):
    """Every question "which version is in force, or next" goes through `effective_on` or
    `upcoming`, and both leave withdrawn versions out: a withdrawn version is never in force,
    never announced, never recorded with a consent. Versions are ordered by effective date,
    then by label number (an imported version may have a higher pk than a later one)."""

    def active(self):
        """Versions not withdrawn from the archive."""
        return self.filter(withdrawn_at__isnull=True)

    def withdrawn(self):
        return self.filter(withdrawn_at__isnull=False)

    def effective_on(self, day=None):
        """Versions that have taken effect on `day` (today by default)."""
        return self.active().filter(effective_date__lte=day or timezone.localdate())

    def upcoming(self, day=None):
        return self.active().filter(effective_date__gt=day or timezone.localdate())

    def newest(self):
        """The version that took effect last; of several on one day, the highest label."""
        day = self.order_by("-effective_date").values_list("effective_date", flat=True).first()
        if day is None:
            return None
        return max(self.filter(effective_date=day), key=PolicyVersion.order_key)

    def earliest(self):
        """The version that takes effect first; of several on one day, the lowest label."""
        day = self.order_by("effective_date").values_list("effective_date", flat=True).first()
        if day is None:
            return None
        return min(self.filter(effective_date=day), key=PolicyVersion.order_key)

    def last_published(self):
        """The active version with the highest label: a new one must be numbered above it."""
        return max(self.active().defer("html"), key=PolicyVersion.order_key, default=None)

    def in_force(self, kind: str, day=None):
        """The version of a kind in force on `day`: what a consent given then agreed to."""
        return self.filter(kind=kind, page__live=True).effective_on(day).newest()


class PolicyVersion(models.Model):
    """What a legal page said when it was published: the pinned revision, the rendered HTML
    and its SHA-256. The revision is PROTECTed: `purge_revisions` deletes even the live
    revision once a newer draft exists (Wagtail 8.0; fix proposed in wagtail/wagtail#13869),
    but skips a revision that a PROTECT foreign key points at."""

    page = models.ForeignKey("legal.LegalPage", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LegalKind.choices)
    title = models.CharField(max_length=255)
    version_label = models.CharField(max_length=40)
    effective_date = models.DateField()
    is_material_change = models.BooleanField(default=False)
    change_summary = models.TextField(blank=True)
    # None for a version imported from before the site (its text was pasted or uploaded).
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    html = models.TextField(help_text="The body exactly as published.")
    sha256 = models.CharField(max_length=64)
    imported = models.BooleanField(
        default=False, help_text="Recorded afterwards from the business's earlier history."
    )
    # The registry's services this version discloses: the consent manager runs only those
    # disclosed by the versions in force.
    disclosed_services = models.ManyToManyField(
        "legal.ThirdPartyService", blank=True, related_name="disclosed_in"
    )
    # Withdrawn from the public archive (demo content, a mistake): kept, never deleted.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "version_label"], name="unique_version_label_per_page"
            )
        ]
        indexes = [models.Index(fields=["kind", "effective_date"])]

    def __str__(self):
        return f"{self.title} {self.version_label} ({self.effective_date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        # Withdrawing from the archive is the one change allowed: the text stays as published.
        withdrawal = set(kwargs.get("update_fields") or ()) <= WITHDRAWAL_FIELDS
        if not self._state.adding and not (kwargs.get("update_fields") and withdrawal):
            raise ValidationError("A published legal version is immutable.")
        super().save(*args, **kwargs)

    def order_key(self):
        """Label number first (the order the business gave its versions), pk for ties."""
        number = label_numbers(self.version_label) if is_valid_label(self.version_label) else ()
        return (number, self.pk or 0)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def slug(self) -> str:
        """The label's form in archive URLs."""
        return label_slug(self.version_label)

    @property
    def name(self) -> str:
        """How a sentence names it: "version 2.1", or a prefixed label as written ("V2.4.3")."""
        return version_name(self.version_label)

    def display_html(self):
        """The body for a page: the stored HTML cleaned of anything the legal templates never
        write. `html` and `sha256` stay as published, as evidence (legal/sanitizing.py)."""
        return clean_snapshot(self.html)

    @property
    def is_effective(self) -> bool:
        return self.effective_date <= timezone.localdate()
