"""Admin forms: legal pages (propose the next version, validate before publishing) and the
third-party services registry (custom scripts need their own permission)."""

from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from .versioning import label_is_after, next_label


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
        # Imported here: the model names this form as its base_form_class.
        from .models.services import ServiceType

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
