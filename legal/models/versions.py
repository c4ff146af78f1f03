"""PolicyVersion: one published version of a legal page, frozen and never edited afterwards."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..choices import LegalKind
from ..sanitizing import clean_snapshot


class PolicyVersionQuerySet(models.QuerySet):
    def effective_on(self, day=None):
        """Versions that have taken effect on `day` (today by default)."""
        return self.filter(effective_date__lte=day or timezone.localdate())

    def upcoming(self, day=None):
        return self.filter(effective_date__gt=day or timezone.localdate())

    def in_force(self, kind: str, day=None):
        """The version of a kind in force on `day`: what a consent given then agreed to."""
        return (
            self.filter(kind=kind, page__live=True)
            .effective_on(day)
            .order_by("-effective_date", "-pk")
            .first()
        )


class PolicyVersion(models.Model):
    """What a legal page said when it was published: the pinned revision, the rendered HTML
    and its SHA-256. The revision is PROTECTed: `purge_revisions` deletes even the live
    revision once a newer draft exists (Wagtail 8.0; fix proposed in wagtail/wagtail#13869),
    but skips a revision that a PROTECT foreign key points at."""

    page = models.ForeignKey("legal.LegalPage", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LegalKind.choices)
    title = models.CharField(max_length=255)
    version_label = models.CharField(max_length=20)
    effective_date = models.DateField()
    is_material_change = models.BooleanField(default=False)
    change_summary = models.TextField(blank=True)
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    html = models.TextField(help_text="The body exactly as published.")
    sha256 = models.CharField(max_length=64)

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
        if not self._state.adding:
            raise ValidationError("A published legal version is immutable.")
        super().save(*args, **kwargs)

    def display_html(self):
        """The body for a page: the stored HTML cleaned of anything the legal templates never
        write. `html` and `sha256` stay as published, as evidence (legal/sanitizing.py)."""
        return clean_snapshot(self.html)

    @property
    def is_effective(self) -> bool:
        return self.effective_date <= timezone.localdate()
