"""Version labels and the freezing of a published legal page into an immutable PolicyVersion."""

import hashlib
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

LABEL_PATTERN = r"\d{1,4}(?:\.\d{1,4}){0,2}"
LABEL_RE = re.compile(rf"^{LABEL_PATTERN}$")
FIRST_LABEL = "1.0"


def parse_label(label: str) -> tuple[int, int, int]:
    """'2.4' -> (2, 4, 0): labels compare as numbers, so 1.10 comes after 1.9."""
    parts = [int(part) for part in label.split(".")]
    return (*parts, *([0] * (3 - len(parts))))


def is_valid_label(label: str) -> bool:
    return bool(label) and bool(LABEL_RE.match(label))


def label_is_after(label: str, other: str) -> bool:
    return is_valid_label(label) and parse_label(label) > parse_label(other)


def next_label(label: str | None) -> str:
    """The label proposed after `label`: its last number plus one ('2.4.3' -> '2.4.4')."""
    if not label or not is_valid_label(label):
        return FIRST_LABEL
    *head, last = label.split(".")
    return ".".join([*head, str(int(last) + 1)])


def fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def record_version(page, revision, *, registry_change: str = ""):
    """Freeze `page` as published in `revision` into a new PolicyVersion.

    Runs for every publish (admin, workflow approval, scheduled) with the version facts the
    editor entered on the page. A `registry_change` (a services or cookie registry that the
    page renders was edited) records the same revision re-rendered, as the next label,
    effective today, with that text as its summary.

    The page row is locked so two editors publishing at once get consecutive labels; the
    unique constraint on (page, label) is the last line of defence, and a clash retries.
    """
    from .models import LegalPage, PolicyVersion

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
                    sha256=fingerprint(html),
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
