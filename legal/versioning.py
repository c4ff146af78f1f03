"""Freezing a published legal page into an immutable PolicyVersion."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .hashing import text_hash
from .models import LegalPage, PolicyVersion
from .registry import disclosed_services, include_pending_changes
from .version_labels import (
    FIRST_LABEL,
    is_valid_label,
    label_is_after,
    next_free_label,
    same_number,
)


def record_version(page, revision):
    """Freeze `page` as published in `revision` into a new PolicyVersion.

    Runs for every publish (admin, workflow approval, scheduled) with the version facts the
    editor entered on the page. A page whose body renders a registry takes every pending
    registry change along: the pending services go live in this transaction, before the
    snapshot is rendered, the version records the services it discloses, and its summary
    lists what changed (legal/registry.py).

    The page row is locked so two editors publishing at once get consecutive labels; the
    unique constraint on (page, label) is the last line of defence, and a clash retries.
    """
    for _attempt in range(5):
        try:
            with transaction.atomic():
                LegalPage.objects.select_for_update(of=("self",)).filter(pk=page.pk).first()
                versions = PolicyVersion.objects.filter(page_id=page.pk)
                latest = versions.last_published()
                taken = set(versions.values_list("version_label", flat=True))
                label, effective = page.version_label, page.effective_date
                material, summary = page.is_material_change, page.change_summary
                label, note = recordable_label(label, latest, taken)
                summary = " ".join(part for part in (summary, note) if part)
                effective = effective or timezone.localdate()
                if latest is not None and effective < latest.effective_date:
                    effective = latest.effective_date
                changes = include_pending_changes(page)
                summary = " ".join(part for part in (summary, changes) if part)
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
                version.disclosed_services.set(disclosed_services(page))
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


def recordable_label(label: str, latest, taken: set[str]) -> tuple[str, str]:
    """The label a publish records, and a note for the change summary when it is not the one
    the editor entered.

    The edit form refuses a label that is not higher than the last published version, so a
    replacement only happens where no form stands in between: a scheduled publish or a
    workflow approval after another version went live meanwhile. The version is published
    anyway (the publish already happened), as the next free label, and its summary says so.
    A page without a label (created in code) quietly takes the next one.
    """
    today = timezone.localdate()
    if latest is None:
        wanted = label if is_valid_label(label) else FIRST_LABEL
        if wanted not in taken:
            return wanted, ""
        replacement = next_free_label(wanted, taken, today)
        return replacement, f"Published as {replacement}: {wanted} belongs to a withdrawn version."
    if label_is_after(label, latest.version_label) and label not in taken:
        return label, ""
    replacement = next_free_label(latest.version_label, taken, today)
    if not label:
        return replacement, ""
    if label_is_after(label, latest.version_label):
        reason = f"{label} belongs to a withdrawn version"
    elif same_number(label, latest.version_label):
        reason = f"{latest.version_label} had already been published"
    else:
        reason = f"{label} was lower than {latest.version_label}"
    return replacement, f"Published as {replacement}: {reason}."
