"""Freezing a published legal page into an immutable PolicyVersion."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .hashing import text_hash
from .models import LegalPage, PolicyVersion
from .version_labels import FIRST_LABEL, is_valid_label, label_is_after, next_label


def record_version(page, revision, *, registry_change: str = ""):
    """Freeze `page` as published in `revision` into a new PolicyVersion.

    Runs for every publish (admin, workflow approval, scheduled) with the version facts the
    editor entered on the page. A `registry_change` (a services or cookie registry that the
    page renders was edited) records the same revision re-rendered, as the next label,
    effective today, with that text as its summary.

    The page row is locked so two editors publishing at once get consecutive labels; the
    unique constraint on (page, label) is the last line of defence, and a clash retries.
    """
    for _attempt in range(5):
        try:
            with transaction.atomic():
                LegalPage.objects.select_for_update(of=("self",)).filter(pk=page.pk).first()
                latest = PolicyVersion.objects.filter(page_id=page.pk).order_by("-pk").first()
                if registry_change:
                    label, effective = "", None
                    material, summary = False, registry_change
                else:
                    label, effective = page.version_label, page.effective_date
                    material, summary = page.is_material_change, page.change_summary
                if latest is not None and not label_is_after(label, latest.version_label):
                    label = next_label(latest.version_label)
                elif not is_valid_label(label):
                    label = FIRST_LABEL
                effective = effective or timezone.localdate()
                if latest is not None and effective < latest.effective_date:
                    effective = latest.effective_date
                html = page.render_snapshot()
                version = PolicyVersion.objects.create(
                    page_id=page.pk,
                    kind=page.legal_kind,
                    title=page.title,
                    version_label=label,
                    effective_date=effective,
                    is_material_change=material,
                    change_summary=summary,
                    revision=revision,
                    html=html,
                    sha256=text_hash(html),
                )
                # The live row shows what was actually recorded (a proposed label, a default
                # date); the revision keeps what the editor typed.
                type(page).objects.filter(pk=page.pk).update(
                    version_label=label, effective_date=effective
                )
                page.version_label, page.effective_date = label, effective
                return version
        except IntegrityError:
            continue
    raise RuntimeError(f"Could not record a version of page {page.pk} after 5 attempts.")
