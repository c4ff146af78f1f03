"""Admin forms: legal pages (propose the next version, validate before publishing, one live
policy per kind) and the third-party services registry (custom scripts need their own
permission)."""

from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from .choices import ServiceType
from .version_labels import label_is_after, next_label


class LegalPageForm(WagtailAdminPageForm):
    """Starts each new version fresh and checks the version fields when publishing.

    Drafts save with anything; publishing (or submitting for review) checks the label, the
    date and the summary. A label that is not higher than the last published one is replaced
    by the next label rather than refused: forgetting to bump it is not an error.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest_version = None
        if self.instance.pk:
            self.latest_version = self.instance.versions.order_by("-pk").first()
        latest = self.latest_version
        if latest is not None and self.instance.version_label == latest.version_label:
            # The page still holds the published version's facts: propose the next version.
            self.initial.update(
                version_label=next_label(latest.version_label),
                effective_date=None,
                is_material_change=False,
                change_summary="",
            )
            if "version_label" in self.fields:
                self.fields["version_label"].help_text = (
                    f"Last published: {latest.version_label} "
                    f"(effective {latest.effective_date:%Y-%m-%d}). Proposed: the next one."
                )

    def clean(self):
        cleaned = super().clean()
        if self.is_deferred_validation:  # saving a draft
            return cleaned
        latest = self.latest_version
        label = cleaned.get("version_label")
        if latest is not None and label and not label_is_after(label, latest.version_label):
            cleaned["version_label"] = next_label(latest.version_label)
            self.instance.version_label = cleaned["version_label"]
        effective = cleaned.get("effective_date")
        if latest is not None and effective and effective < latest.effective_date:
            self.add_error(
                "effective_date",
                f"Must be on or after {latest.effective_date:%Y-%m-%d}, when version "
                f"{latest.version_label} takes effect.",
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
