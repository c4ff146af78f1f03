"""Admin forms: legal pages (propose the next version, validate before publishing, one live
policy per kind) and the third-party services registry (custom scripts need their own
permission)."""

from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from .choices import ServiceType
from .version_labels import is_valid_label, label_is_after, next_free_label, version_name


class LegalPageForm(WagtailAdminPageForm):
    """Starts each new version fresh and checks the version fields when publishing.

    Drafts save with anything; publishing (or submitting for review) checks the label, the
    date and the summary. The label is the business's own (legal/version_labels.py): it must
    be numbered higher than the last published version, withdrawn ones aside, and not be a
    withdrawn version's label. Anything else is a form error naming the last label, never a
    silent replacement; the field starts with the next label proposed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        versions = list(self.instance.versions.defer("html")) if self.instance.pk else []
        self.taken_labels = {v.version_label for v in versions}
        self.withdrawn_labels = {v.version_label for v in versions if v.is_withdrawn}
        active = [v for v in versions if not v.is_withdrawn]
        self.latest_version = latest = max(active, key=lambda v: v.order_key(), default=None)
        label = self.instance.version_label
        today = timezone.localdate()
        if latest is not None:
            self.proposed_label = next_free_label(latest.version_label, self.taken_labels, today)
        elif label in self.taken_labels or not is_valid_label(label):
            self.proposed_label = next_free_label(label, self.taken_labels, today)
        else:
            self.proposed_label = label
        stale = label in self.taken_labels or (
            latest is not None and not label_is_after(label, latest.version_label)
        )
        if stale:
            # The page still holds a published version's facts: propose the next version.
            self.initial.update(
                version_label=self.proposed_label,
                effective_date=None,
                is_material_change=False,
                change_summary="",
            )
        if "version_label" in self.fields:
            self.fields["version_label"].help_text = (
                f"Last published: {latest.version_label} (effective "
                f"{latest.effective_date:%Y-%m-%d}). Proposed: {self.proposed_label}. Any "
                "higher number will do, written your way (3, 2.5.0, V2.5.0, 2026-03)."
                if latest is not None
                else "Your own numbering, with a prefix if you like: 1.0, V2.4.3, 2026-02. "
                "Each later version must be numbered higher."
            )

    def clean(self):
        cleaned = super().clean()
        if self.is_deferred_validation:  # saving a draft
            return cleaned
        latest = self.latest_version
        label = cleaned.get("version_label")
        if label and latest is not None and not label_is_after(label, latest.version_label):
            self.add_error(
                "version_label",
                f"Must be higher than the last published version, {latest.version_label}.",
            )
        elif label and label in self.withdrawn_labels:
            self.add_error(
                "version_label",
                f"{label} belongs to a withdrawn version, which keeps its label. Use "
                f"{self.proposed_label} or another higher number.",
            )
        effective = cleaned.get("effective_date")
        if latest is not None and effective and effective < latest.effective_date:
            self.add_error(
                "effective_date",
                f"Must be on or after {latest.effective_date:%Y-%m-%d}, when "
                f"{version_name(latest.version_label)} "
                f"{'took' if latest.is_effective else 'takes'} effect.",
            )
        if cleaned.get("is_material_change") and not cleaned.get("change_summary", "").strip():
            # WP260 rev.01: material changes must be communicated explicitly.
            self.add_error(
                "change_summary",
                "Describe what changed: a material change is announced to visitors.",
            )
        return cleaned


class PolicyPageForm(LegalPageForm):
    """At most one live policy of each kind per site and locale. Consent records store "the"
    privacy policy version in force (`PolicyVersion.objects.in_force`), which takes the newest
    of a kind: a second live page would silently stand in for the first.

    Drafts save freely, so a successor can be prepared while the current page is live.
    """

    def clean(self):
        cleaned = super().clean()
        if self.is_deferred_validation or "kind" not in self.fields:
            return cleaned
        kind = cleaned.get("kind")
        live = self.live_policy_of_kind(kind) if kind else None
        if live is not None:
            label = dict(self._meta.model._meta.get_field("kind").flatchoices)[kind]
            url = live.get_url()
            where = f" ({url})" if url else ""
            self.add_error(
                "kind",
                f"A live {label.lower()} page already exists: “{live.title}”{where}. Edit that "
                "page, or unpublish it first.",
            )
        return cleaned

    def live_policy_of_kind(self, kind):
        """The other live policy page of `kind` on this page's site, in its locale, if any."""
        pages = self._meta.model.objects.live().filter(kind=kind)
        if self.instance.pk:
            pages = pages.exclude(pk=self.instance.pk)
        parent = self.parent_page
        locale_id = self.instance.locale_id or getattr(parent, "locale_id", None)
        if locale_id:
            pages = pages.filter(locale_id=locale_id)
        site = parent.get_site() if parent is not None else None
        if site is not None:
            # With several locales, each language has its own copy of the site's root page.
            root = site.root_page.get_translation_or_none(locale_id) if locale_id else None
            pages = pages.descendant_of(root or site.root_page, inclusive=True)
        return pages.order_by("path").first()


class ImpressumPageForm(LegalPageForm):
    """Refuses to publish an impressum that lacks a fact the law requires."""

    def clean(self):
        cleaned = super().clean()
        if self.is_deferred_validation:
            return cleaned
        candidate = self.instance
        for name, value in cleaned.items():
            if name in self.fields and hasattr(candidate, name):
                setattr(candidate, name, value)
        for field, message in candidate.mandatory_field_errors().items():
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class ThirdPartyServiceForm(WagtailAdminModelForm):
    """A custom script runs in every consenting visitor's browser, so choosing one needs the
    "edit custom scripts" permission. Without it the code field is not in the form at all
    (its FieldPanel asks for the permission), so the refusal is shown next to the type."""

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("service_type")
        user = self.for_user
        if (
            chosen == ServiceType.CUSTOM
            and self.instance.service_type != ServiceType.CUSTOM
            and not (user and user.has_perm("legal.edit_custom_code"))
        ):
            # add_error() also drops the choice from cleaned_data, so the model's own checks
            # run on the saved type and never ask for the code field this editor lacks.
            self.add_error(
                "service_type",
                "A custom script needs the permission to edit custom scripts. Choose a "
                "built-in type, or ask an administrator to add the script.",
            )
        return cleaned
