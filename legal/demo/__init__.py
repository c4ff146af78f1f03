"""The legal app's demo content for `load_initial_data`: cookie groups, the services registry,
the policies with their versions, the impressum and the review workflow.

The content is in the TOML files next to this module; the builders turn it into pages and rows.
Each looks for what it would create and leaves what it finds alone, so an editor's changes
survive another load. Builders get the pages they attach to as arguments and print nothing
themselves (`report(created, what)`), so this package imports no app above legal; the helpers
for pages and data files serve the other apps' demo packages too.
"""

import copy
import tomllib
from collections.abc import Callable, Iterable
from datetime import date
from importlib.resources import files

from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from ..consent import STATE_COOKIE, cookie_name
from ..models import ImpressumPage, PolicyPage, ServiceCookie, ThirdPartyService

# A builder's progress: `report(True, "privacy policy")` for what it created, False for what it
# found and kept.
Report = Callable[[bool, str], None]


# --- helpers for every app's demo package -------------------------------------------------------


def read_data(package: str, name: str) -> dict:
    """The data file `name` of the demo package `package`, parsed afresh on each call: Wagtail
    writes block ids into the stream data it saves, so no two pages may share parsed blocks."""
    return tomllib.loads(files(package).joinpath(name).read_text(encoding="utf-8"))


def publish_child(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def page_slot(
    parent: Page, slug: str, page_class: type[Page], placeholder_class: type[Page]
) -> Page | None:
    """The existing `page_class` page at `slug` under `parent`, or None after removing an older
    demo's placeholder (a `placeholder_class` page) there."""
    existing = parent.get_children().filter(slug=slug).first()
    if existing is None:
        return None
    if isinstance(existing.specific, page_class):
        return existing.specific
    if isinstance(existing.specific, placeholder_class):
        existing.delete()
        return None
    raise CommandError(f"/{slug}/ is taken by a {existing.specific_class.__name__}.")


def first_of_month(months_ago: int) -> date:
    """The first day of the month `months_ago` months before the demo is loaded: relative
    dates keep the demo's versions in force (and months apart) whatever day it is loaded on."""
    today = timezone.localdate()
    month = today.year * 12 + today.month - 1 - months_ago
    return date(month // 12, month % 12 + 1, 1)


# --- builders -----------------------------------------------------------------------------------


def ensure_cookie_groups(report: Report) -> None:
    """The consent manager's categories and the site's own necessary cookies."""
    # Evaluated now, not at import: the names depend on COOKIE_CONSENT_SECURE.
    consent_cookies = {
        "state": cookie_name(STATE_COOKIE),
        "categories": cookie_name(settings.COOKIE_CONSENT_NAME),
    }
    for order, spec in enumerate(read_data(__name__, "cookie_groups.toml")["groups"]):
        group, created = CookieGroup.objects.get_or_create(
            varname=spec["varname"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "is_required": spec["is_required"],
                "ordering": order,
            },
        )
        for cookie in spec.get("cookies", []):
            Cookie.objects.get_or_create(
                cookiegroup=group,
                name=cookie.get("name") or consent_cookies[cookie["consent_cookie"]],
                domain=cookie["domain"],
                defaults={"description": cookie["description"]},
            )
        report(created, f"cookie group '{spec['name']}'")


def ensure_services(report: Report) -> None:
    """The services registry, the tracking services in their consent categories, each
    published through its revision as an editor's policy publish would. Needs the cookie
    groups; run before the policies, whose versions then disclose the services."""
    for order, spec in enumerate(read_data(__name__, "services.toml")["services"]):
        consent = spec.pop("consent", None)
        if ThirdPartyService.objects.filter(name=spec["name"]).exists():
            report(False, f"third-party service '{spec['name']}'")
            continue
        service = ThirdPartyService(**spec, sort_order=order)
        if consent:
            service.cookie_group = CookieGroup.objects.get(varname=consent["category"])
            service.service_type = consent["service_type"]
            service.tracking_id = consent["tracking_id"]
            service.local_storage_keys = consent["local_storage_keys"]
            service.cookies = [ServiceCookie(**cookie) for cookie in consent["cookies"]]
        service.full_clean()
        service.live = False  # a draft until published, like one saved in the admin
        service.save()
        service.save_revision().publish()
        report(True, f"third-party service '{spec['name']}'")


def ensure_policy(
    parent: Page, name: str, report: Report, placeholder_class: type[Page]
) -> PolicyPage:
    """The policy page in `<name>.toml` under `parent`, each of its versions published in turn
    so the archive holds them all; replaces an older demo's placeholder at its slug."""
    data = read_data(__name__, f"{name}.toml")
    what = data["title"].lower()
    page = page_slot(parent, data["slug"], PolicyPage, placeholder_class)
    if page is not None:
        report(False, what)
        return page
    fields = {key: value for key, value in data.items() if key not in ("versions", "sections")}
    for version in data["versions"]:
        version = dict(version)
        months_ago = version.pop("effective_months_ago")
        # A section may appear in several versions; each gets its own blocks (and block ids).
        body = [
            block
            for section in version.pop("sections")
            for block in copy.deepcopy(data["sections"][section])
        ]
        version.update(effective_date=first_of_month(months_ago), body=body)
        if page is None:
            page = publish_child(parent, PolicyPage(**fields, **version))
            continue
        page = PolicyPage.objects.get(pk=page.pk)
        for field, value in version.items():
            setattr(page, field, value)
        page.save_revision().publish()
    labels = [version["version_label"] for version in data["versions"]]
    if len(labels) == 1:
        report(True, f"{what} (version {labels[0]})")
    else:
        material = any(version.get("is_material_change") for version in data["versions"])
        report(
            True,
            f"{what} with versions {', '.join(labels[:-1])} and {labels[-1]}"
            + (" (material change)" if material else ""),
        )
    return page


def ensure_impressum(
    parent: Page, contact_page: Page | None, report: Report, placeholder_class: type[Page]
) -> ImpressumPage:
    """The impressum under `parent`, pointing to `contact_page` as its quick way to get in touch;
    replaces an older demo's placeholder at its slug."""
    data = read_data(__name__, "impressum.toml")
    page = page_slot(parent, data["slug"], ImpressumPage, placeholder_class)
    if page is not None:
        report(False, "impressum")
        return page
    page = ImpressumPage(
        title=data["title"],
        slug=data["slug"],
        version_label=data["version_label"],
        effective_date=first_of_month(data["effective_months_ago"]),
        contact_form_page=contact_page,
        **data["fields"],
    )
    missing = page.mandatory_field_errors()
    if missing:
        raise CommandError(f"Demo impressum is incomplete: {missing}")
    publish_child(parent, page)
    report(True, f"impressum (version {page.version_label}, every mandatory field)")
    return page


def ensure_legal_review_workflow(home: Page, pages: Iterable[Page], report: Report) -> None:
    """A review workflow on `pages`: a member of its group, who may edit and publish below
    `home`, approves each change."""
    data = read_data(__name__, "legal_review.toml")
    group, _ = Group.objects.get_or_create(name=data["group"])
    if not GroupPagePermission.objects.filter(group=group).exists():
        for codename in data["page_permissions"]:
            GroupPagePermission.objects.create(
                group=group,
                page=home,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
        # Reviewers approve in the admin, so they must be able to sign in to it.
        group.permissions.add(Permission.objects.get(codename="access_admin"))
    task, _ = GroupApprovalTask.objects.get_or_create(name=data["task"])
    task.groups.add(group)
    workflow, created = Workflow.objects.get_or_create(name=data["workflow"])
    if created:
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for page in pages:
        WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})
    report(created, f"'{data['workflow']}' workflow on the legal pages")
