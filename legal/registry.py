"""The registries a policy renders, as its versions see them: which third-party services wait
to go live with the next version, what that version discloses and says it changed, and which
services the versions in force let the consent manager run.

A service (with its cookies) is a draft until a policy version that renders a registry is
published: that publish puts every pending service live, in the same transaction as the
version (legal/versioning.py), records the live services the version discloses, and lists
the changes in its summary. The consent manager runs only the services disclosed by the
versions in force, so a service published with a version that takes effect later starts on
that version's date.

Cookie categories and the site's own cookies are django-cookie-consent's rows, without drafts:
an edit applies at once (the banner shows the categories) and reaches a policy's frozen text
with its next version; Wagtail's audit log tells which of them changed since the last one.
"""

import datetime
from dataclasses import dataclass

from cookie_consent.models import Cookie, CookieGroup
from django.contrib.contenttypes.models import ContentType
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.models import ModelLogEntry

from .blocks import registry_blocks
from .models import LegalKind, PolicyPage, PolicyVersion, ThirdPartyService

ADDED, CHANGED, REMOVED = "Added", "Changed", "Removed"
VERBS = (ADDED, CHANGED, REMOVED)
# Audit-log actions of the cookie admin that change what a cookie declaration shows.
COOKIE_LOG_ACTIONS = {"wagtail.create": ADDED, "wagtail.edit": CHANGED, "wagtail.delete": REMOVED}


@dataclass(frozen=True)
class RegistryChange:
    """One line of "what the next version changes": `verb` `name` (`note`)."""

    verb: str
    name: str
    note: str = ""
    # The service, for a link to it in the admin; None for categories and cookies.
    service: ThirdPartyService | None = None


# --- Pending changes ----------------------------------------------------------------------------


def pending_services():
    """Services with saved changes that no policy version has published yet: new ones, never
    live, and live ones with a newer draft. An unpublished (withdrawn) service is not pending
    until it is saved again (legal/signals.py)."""
    return (
        ThirdPartyService.objects.filter(
            has_unpublished_changes=True, latest_revision__isnull=False
        )
        .select_related("latest_revision__user")
        .order_by("sort_order", "name")
    )


def publish_pending_services() -> list[ThirdPartyService]:
    """Put each pending service's latest revision live. Called by legal/versioning.py inside
    the transaction that records the policy version disclosing them, before the snapshot is
    rendered. No user is passed: nobody may publish a service on its own (the permission
    policy in legal/service_admin.py), and the audit log takes the publishing editor (or the
    workflow's approver) from the admin request."""
    published = []
    for service in pending_services():
        service.latest_revision.publish(log_action=True)
        published.append(service)
    return published


def include_pending_changes(page) -> str:
    """Publish every pending service with the version of `page` being recorded, if its body
    renders a registry, and return the summary's sentences about what changed."""
    if not registry_blocks(getattr(page, "body", None)):
        return ""
    changes = registry_changes(page)
    publish_pending_services()
    return change_summary_lines(changes)


def _in_scope(blocks: set[str], service) -> bool:
    """Whether a body with these registry blocks shows `service`: the services block lists
    every service, the cookie declaration those in a consent category."""
    return "services" in blocks or (
        "cookie_declaration" in blocks and bool(service.cookie_group_id)
    )


def disclosed_services(page):
    """The live services that `page`'s body shows, as a version of it discloses them."""
    blocks = registry_blocks(getattr(page, "body", None))
    live = ThirdPartyService.objects.filter(live=True)
    if "services" in blocks:
        return live
    if "cookie_declaration" in blocks:
        return live.filter(cookie_group__isnull=False)
    return live.none()


def last_disclosing_version(page) -> PolicyVersion | None:
    """The page's last version published on this site and still in the archive: imported
    versions record no services, and a withdrawn one (demo content, a mistake) is no
    business's text to compare with."""
    return (
        PolicyVersion.objects.filter(page_id=page.pk, imported=False, withdrawn_at__isnull=True)
        .order_by("-pk")
        .first()
    )


def registry_changes(page) -> list[RegistryChange]:
    """What the next version of `page` changes in the registries its body renders, compared
    with its last version: the pending services (published with it), services published
    meanwhile with another policy, services withdrawn since, and, for a cookie declaration,
    the categories and cookies edited since. Added, changed, removed, in that order.

    Without a version to compare with (the page's first, or one after imported or withdrawn
    ones only), only the pending services are changes: what is live already is no news."""
    blocks = registry_blocks(getattr(page, "body", None))
    if not blocks:
        return []
    previous = last_disclosing_version(page)
    before = set(previous.disclosed_services.values_list("pk", flat=True)) if previous else set()
    pending = list(pending_services())
    changes = []
    staying = set()
    for service in pending:
        draft = service.latest_revision.as_object()
        if not _in_scope(blocks, draft):
            continue
        staying.add(service.pk)
        known = service.live if previous is None else service.pk in before
        verb = CHANGED if known else ADDED
        changes.append(
            RegistryChange(verb, draft.name, draft_note(service.latest_revision), service)
        )
    if previous is None:
        return sorted(changes, key=lambda change: VERBS.index(change.verb))
    since = previous.published_at
    live = disclosed_services(page).exclude(pk__in=[service.pk for service in pending])
    for service in live:
        staying.add(service.pk)
        if service.pk not in before:
            changes.append(RegistryChange(ADDED, service.name, published_note(service), service))
        elif service.last_published_at and service.last_published_at > since:
            changes.append(RegistryChange(CHANGED, service.name, published_note(service), service))
    for service in ThirdPartyService.objects.filter(pk__in=before - staying):
        note = "unpublished" if not service.live else "no longer in a consent category"
        changes.append(RegistryChange(REMOVED, service.name, note, service))
    if "cookie_declaration" in blocks:
        changes += cookie_changes(since)
    return sorted(changes, key=lambda change: VERBS.index(change.verb))


def cookie_changes(since: datetime.datetime) -> list[RegistryChange]:
    """Cookie categories and cookies added, edited or deleted in the admin after `since`,
    from Wagtail's audit log: they have no drafts, so this is what tells their changes."""
    kinds = {
        ContentType.objects.get_for_model(CookieGroup).pk: "category",
        ContentType.objects.get_for_model(Cookie).pk: "cookie",
    }
    entries = ModelLogEntry.objects.filter(
        content_type_id__in=kinds,
        action__in=COOKIE_LOG_ACTIONS,
        timestamp__gt=since,
    ).order_by("timestamp", "pk")
    first_and_last: dict[tuple[int, str], list] = {}
    for entry in entries:
        if entry.action == "wagtail.edit" and not entry.content_changed:
            continue
        seen = first_and_last.setdefault((entry.content_type_id, entry.object_id), [entry, entry])
        seen[1] = entry
    changes = []
    for (content_type_id, _object_id), (first, last) in first_and_last.items():
        created, deleted = first.action == "wagtail.create", last.action == "wagtail.delete"
        if created and deleted:
            continue  # added and removed again: nothing to tell
        verb = ADDED if created else REMOVED if deleted else CHANGED
        kind = kinds[content_type_id]
        # A cookie's label is "name domain/path"; its name is what the declaration shows.
        name = last.label.split(" ", 1)[0] if kind == "cookie" else last.label
        changes.append(RegistryChange(verb, f"{kind} {name}", log_note(last)))
    return changes


def change_summary_lines(changes: list[RegistryChange]) -> str:
    """The changes as the version's summary says them: "Added: Meta Pixel. Changed: Google
    Analytics 4." One sentence per kind of change."""
    sentences = []
    for verb in VERBS:
        names = [change.name for change in changes if change.verb == verb]
        if names:
            sentences.append(f"{verb}: {', '.join(dict.fromkeys(names))}.")
    return " ".join(sentences)


def _day(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "j M")


def _who(user) -> str:
    if user is None:
        return ""
    return f" by {user.get_full_name() or user.get_username()}"


def draft_note(revision) -> str:
    return f"draft saved {_day(revision.created_at)}{_who(revision.user)}"


def published_note(service) -> str:
    return f"published {_day(service.last_published_at)}" if service.last_published_at else ""


def log_note(entry) -> str:
    verb = {"wagtail.create": "added", "wagtail.edit": "edited", "wagtail.delete": "deleted"}
    return f"{verb[entry.action]} {_day(entry.timestamp)}{_who(entry.user)}"


# --- Where a service goes live ------------------------------------------------------------------


def policies_listing(service) -> list[PolicyPage]:
    """The policy pages whose next version takes `service` along: those whose latest revision
    renders a registry that shows it. Publishing any one of them publishes every pending
    service."""
    pages = []
    for page in PolicyPage.objects.order_by("-live", "path"):
        latest = page.get_latest_revision_as_object()
        if _in_scope(registry_blocks(latest.body), service):
            pages.append(page)
    return pages


# --- What the consent manager may run -----------------------------------------------------------


def versions_in_force(day=None) -> list[PolicyVersion]:
    """The version in force on `day` of each kind of policy."""
    kinds = [kind for kind in LegalKind.values if kind != LegalKind.IMPRESSUM]
    return [v for v in (PolicyVersion.objects.in_force(kind, day) for kind in kinds) if v]


def services_in_force(day=None):
    """The live services that a policy version in force on `day` discloses, with their live
    data. The union over the version in force of each kind: a service the privacy policy in
    force names may run although the cookie policy in force predates it (publishing that
    one lists it too). A service disclosed only by an announced version starts on its
    effective date; one no version discloses (a draft, or one added by code) never runs."""
    through = PolicyVersion.disclosed_services.through
    disclosed = through.objects.filter(
        policyversion_id__in=[version.pk for version in versions_in_force(day)]
    ).values("thirdpartyservice_id")
    return ThirdPartyService.objects.filter(live=True, pk__in=disclosed)


def running_since(services, day=None) -> dict[int, datetime.datetime]:
    """When each of `services` started to run: its creation, or the start of the effective
    date of the first version in force that disclosed it, whichever is later. A category
    gaining a service at that moment asks its visitors again (legal/consent.py)."""
    day = day or timezone.localdate()
    firsts = services.annotate(
        first_day=Min(
            "disclosed_in__effective_date",
            filter=Q(
                disclosed_in__effective_date__lte=day,
                disclosed_in__withdrawn_at__isnull=True,
            ),
        )
    )
    since = {}
    for service in firsts:
        start = service.created_at
        if service.first_day is not None:
            midnight = timezone.make_aware(
                datetime.datetime.combine(service.first_day, datetime.time.min)
            )
            start = max(start, midnight)
        since[service.pk] = start
    return since
