"""The consent manager's rules: what the banner offers, how a decision is stored and proven.

Two cookies carry a decision. `consent_state` is signed (Django signing) and readable by the
page's script, so returning visitors need no extra request and every page's HTML stays the
same for everyone; django-cookie-consent's HttpOnly `cookie_consent` mirrors it per category
for server-side use. The ledger (ConsentRecord) is the proof. In production both names carry
the `__Host-` prefix (`cookie_name` says why).
"""

import secrets
import string
import time
from dataclasses import dataclass

from cookie_consent.models import Cookie, CookieGroup
from cookie_consent.util import dict_to_cookie_str
from django.conf import settings
from django.core import signing
from django.db.models import Max, TextChoices
from django.utils import timezone
from wagtail.models import Site

from .models import (
    ConsentBannerSettings,
    ConsentMethod,
    ConsentRecord,
    LegalKind,
    PolicyVersion,
    ServiceCookie,
    ThirdPartyService,
)
from .registry import running_since, services_in_force

STATE_COOKIE = "consent_state"
SIGNING_SALT = "legal.consent.state"
DAY = 24 * 60 * 60
HOST_PREFIX = "__Host-"
# The category a Global Privacy Control signal opts out of (CPRA § 7025); consent.js too.
GPC_CATEGORY = "marketing"


class ConsentAction(TextChoices):
    """The buttons of the banner and the dialog, posted as `action`."""

    ACCEPT_ALL = "accept_all", "Accept all"
    REJECT_ALL = "reject_all", "Reject all"
    SAVE = "save", "Save choices"


def cookie_name(name: str) -> str:
    """A consent cookie's name as browsers store it: `__Host-` in front wherever consent
    cookies are Secure (COOKIE_CONSENT_SECURE, production). Browsers keep a `__Host-` cookie
    only if it is Secure, comes from an HTTPS page and has Path=/ and no Domain (RFC 6265bis
    §4.1.3.2), so no sibling subdomain can plant a choice in a visitor's browser; consent.js
    reads only this name. They refuse the prefix without Secure, so plain-HTTP runs (dev,
    tests) keep the bare name."""
    return HOST_PREFIX + name if settings.COOKIE_CONSENT_SECURE else name


def state_cookie_name() -> str:
    return cookie_name(STATE_COOKIE)


class ConsentError(ValueError):
    """A decision that cannot be recorded; the message is shown to the client (400)."""


def accept_max_age() -> int:
    return settings.CONSENT_ACCEPT_DAYS * DAY


def reject_max_age() -> int:
    return settings.CONSENT_REJECT_DAYS * DAY


def category_version(group: CookieGroup, services_started: dict | None = None) -> int:
    """When the category last gained a cookie or a running service (epoch seconds). A stored
    choice older than this is asked again. A service counts from when it started to run
    (`services_started`, from registry.running_since): one published with a policy version
    that takes effect later asks the category's visitors again on that day, so they can
    allow it; until they do, it stays off for them."""
    if services_started is None:
        services_started = running_since(services_in_force().filter(cookie_group=group))
    newest_cookie = group.cookie_set.aggregate(newest=Max("created"))["newest"]
    stamps = [newest_cookie, group.created, *services_started.values()]
    stamps = [stamp for stamp in stamps if stamp]
    return int(max(stamps).timestamp()) if stamps else 0


def consent_revision(day=None) -> int:
    """The newest material privacy or cookie policy version in force: a new one means
    every visitor is asked again (WP260: material changes need a fresh decision)."""
    latest = (
        PolicyVersion.objects.filter(
            kind__in=[LegalKind.PRIVACY, LegalKind.COOKIES],
            is_material_change=True,
            page__live=True,
        )
        .effective_on(day)
        .order_by("-effective_date", "-pk")
        .first()
    )
    return latest.pk if latest else 0


def optional_categories():
    return list(CookieGroup.objects.filter(is_required=False).order_by("ordering", "name"))


def banner_settings(request=None) -> ConsentBannerSettings:
    if request is not None:
        return ConsentBannerSettings.for_request(request)
    return ConsentBannerSettings.for_site(Site.objects.get(is_default_site=True))


def banner_config(request=None) -> dict:
    """Everything the banner script needs, and the categories with their services for the
    dialog (`script_config` is the script's part). The same for every visitor, so pages that
    embed it stay cacheable; it changes only when the registry, texts or policies change."""
    banner = banner_settings(request)
    # Only the services disclosed by the policy versions in force run, with their live data.
    in_force = services_in_force().filter(cookie_group__isnull=False)
    services = list(in_force.select_related("cookie_group").prefetch_related("cookies"))
    started = running_since(in_force)
    # The dialog lists each category's services from this same list, so it names exactly
    # the services the consent manager may load, never hand-typed ones.
    by_category: dict[str, list[ThirdPartyService]] = {}
    for service in services:
        by_category.setdefault(service.cookie_group.varname, []).append(service)
    categories = []
    for group in optional_categories():
        categories.append(
            {
                "key": group.varname,
                "name": group.name,
                "description": group.description,
                "version": category_version(
                    group,
                    {s.pk: started[s.pk] for s in by_category.get(group.varname, [])},
                ),
                "services": by_category.get(group.varname, []),
            }
        )
    necessary = [
        {
            "key": group.varname,
            "name": group.name,
            "description": group.description,
            "services": by_category.get(group.varname, []),
        }
        for group in CookieGroup.objects.filter(is_required=True).order_by("ordering", "name")
    ]
    service_entries = [
        {
            "key": service.key,
            "name": service.name,
            "category": service.cookie_group.varname,
            "type": service.service_type,
            "id": service.tracking_id,
            "cookies": [cookie.name for cookie in service.cookies.all()],
            "storage": service.storage_key_patterns(),
        }
        for service in services
        if not service.cookie_group.is_required
    ]
    return {
        "categories": categories,
        "services": service_entries,
        "revision": consent_revision(),
        "textHash": banner.text_hash(necessary + categories),
        "cookie": state_cookie_name(),
        "necessary": necessary,
    }


# What only the templates show (the services as registry rows, the necessary categories):
# left out of the JSON that every page embeds for consent.js.
TEMPLATE_ONLY = "necessary"


def script_config(config: dict) -> dict:
    """The part of `banner_config` that consent.js reads, for `json_script`."""
    return {
        **{key: value for key, value in config.items() if key != TEMPLATE_ONLY},
        "categories": [
            {key: value for key, value in category.items() if key != "services"}
            for category in config["categories"]
        ],
    }


@dataclass
class Decision:
    method: str
    groups: dict[str, bool]
    services: dict[str, bool]
    gpc: bool
    text_hash: str
    language: str


def parse_decision(data, *, gpc_header: bool, config: dict, language: str) -> Decision:
    """Turn a posted form into a Decision, refusing anything unknown (400, never a guess)."""
    known_categories = {c["key"] for c in config["categories"]}
    required = set(CookieGroup.objects.filter(is_required=True).values_list("varname", flat=True))
    services_by_key = {s["key"]: s for s in config["services"]}
    action = data.get("action", "")
    if action not in ConsentAction.values:
        raise ConsentError("Unknown action: use accept_all, reject_all or save.")
    chosen = set(data.getlist("categories"))
    unknown = chosen - known_categories - required
    if unknown:
        raise ConsentError(f"Unknown category: {', '.join(sorted(unknown))}.")
    services_on = set(data.getlist("service_on"))
    unknown_services = services_on - set(services_by_key)
    if unknown_services:
        raise ConsentError(f"Unknown service: {', '.join(sorted(unknown_services))}.")
    gpc = gpc_header or data.get("gpc") == "1"

    if action == ConsentAction.ACCEPT_ALL:
        groups = dict.fromkeys(known_categories, True)
        if gpc and GPC_CATEGORY in groups:
            # CPRA § 7025: GPC opts out of marketing; only the marketing switch itself wins.
            groups[GPC_CATEGORY] = GPC_CATEGORY in chosen
        services_on = set(services_by_key)
    elif action == ConsentAction.REJECT_ALL:
        groups = dict.fromkeys(known_categories, False)
    else:
        groups = {key: key in chosen for key in known_categories}
    # A service runs only when its category is accepted and its own switch is on.
    services = {
        key: groups.get(service["category"], False) and key in services_on
        for key, service in services_by_key.items()
    }
    method = data.get("method", ConsentMethod.BANNER)
    if method not in ConsentMethod.values:
        method = ConsentMethod.BANNER
    text_hash = data.get("text_hash", "")
    if len(text_hash) != 64 or any(ch not in "0123456789abcdef" for ch in text_hash):
        text_hash = config["textHash"]
    return Decision(method, groups, services, gpc, text_hash, language[:20])


def read_state(request) -> dict | None:
    """The visitor's signed decision, or None when missing, tampered, truncated or expired:
    a cookie that does not verify is no decision, never an acceptance."""
    raw = request.COOKIES.get(state_cookie_name())
    if not raw:
        return None
    try:
        state = signing.loads(raw, salt=SIGNING_SALT, max_age=accept_max_age())
    except signing.BadSignature:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("id"), str):
        return None
    if not isinstance(state.get("e"), int) or state["e"] < time.time():
        return None
    return state


def new_consent_id() -> str:
    """A letter, then 144 random bits, URL-safe. The letter keeps a leading "-" out, which
    CSV exports quote as a would-be formula (legal/spreadsheets.py), so an id copied from an
    export is the id."""
    return secrets.choice(string.ascii_letters) + secrets.token_urlsafe(18)


def record_decision(request, decision: Decision, config: dict) -> tuple[ConsentRecord, dict]:
    """Append the decision to the ledger and build the signed state for the cookie."""
    previous = read_state(request)
    consent_id = previous["id"] if previous else new_consent_id()
    record = ConsentRecord.objects.create(
        consent_id=consent_id,
        method=decision.method,
        choices={"groups": decision.groups, "services": decision.services},
        gpc=decision.gpc,
        privacy_version=PolicyVersion.objects.in_force(LegalKind.PRIVACY),
        cookie_policy_version=PolicyVersion.objects.in_force(LegalKind.COOKIES),
        banner_text_hash=decision.text_hash,
        language=decision.language,
    )
    now = int(time.time())
    lifetime = accept_max_age() if any(decision.groups.values()) else reject_max_age()
    state = {
        "id": consent_id,
        "t": now,
        "e": now + lifetime,
        "g": {key: int(value) for key, value in decision.groups.items()},
        "v": {c["key"]: c["version"] for c in config["categories"]},
        "s": {key: int(value) for key, value in decision.services.items()},
        "r": config["revision"],
        "gpc": int(decision.gpc),
    }
    return record, state


def write_state(response, state: dict, *, secure: bool) -> None:
    """Both cookies host-only (no Domain) on Path=/, as the `__Host-` prefix requires."""
    max_age = state["e"] - state["t"]
    response.set_cookie(
        state_cookie_name(),
        signing.dumps(state, salt=SIGNING_SALT),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,  # read by the banner script; the signature makes it tamper-evident
        samesite="Lax",
    )
    # django-cookie-consent's own HttpOnly cookie, per category: version or "-1". Written
    # here rather than by its set_cookie_dict_to_response, which knows no prefix; nothing
    # in this project reads it through the package's request helpers.
    groups = {group.varname: group for group in CookieGroup.objects.filter(is_required=False)}
    choices = {
        key: (groups[key].get_version() or "1") if accepted else "-1"
        for key, accepted in state["g"].items()
        if key in groups
    }
    response.set_cookie(
        cookie_name(settings.COOKIE_CONSENT_NAME),
        dict_to_cookie_str(choices),
        max_age=settings.COOKIE_CONSENT_MAX_AGE,
        path="/",
        secure=settings.COOKIE_CONSENT_SECURE,
        httponly=settings.COOKIE_CONSENT_HTTPONLY,
        samesite=settings.COOKIE_CONSENT_SAMESITE,
    )
    if settings.COOKIE_CONSENT_SECURE:
        # The bare names of releases before the prefix are read no more (README, "What
        # consent.js trusts"): expired with this decision instead of lingering for a year.
        for old_name in (STATE_COOKIE, settings.COOKIE_CONSENT_NAME):
            response.set_cookie(old_name, "", max_age=0, path="/", secure=True, samesite="Lax")


def sync_service_cookies(also: tuple[str, str] | None = None) -> None:
    """Mirror the cookies of the live services into django-cookie-consent's Cookie rows, so
    the package's per-category versioning sees new cookies and the admin's cookie list names
    the service that declares each one now.

    Rebuilt from the whole registry rather than patched per service: a service that moves to
    another category takes its rows along, and a cookie that moves to another service is
    credited to that service alone. Only rows of cookies that a service declares (or, with
    `also`, just stopped declaring: (name, domain)) are touched; the site's own cookies,
    declared on their category, are left alone. A row keeps its `created` date while it
    stays in its category, so only a cookie new to a category asks visitors again.
    """
    declared = ServiceCookie.objects.select_related("service").order_by(
        "service__sort_order", "service__name", "sort_order", "pk"
    )
    managed = {(cookie.name, cookie.domain) for cookie in declared}
    if also is not None:
        managed.add(also)
    wanted: dict[tuple[int, str, str], list[str]] = {}
    for cookie in declared:
        service = cookie.service
        if service.cookie_group_id is None or not service.live:
            continue
        key = (service.cookie_group_id, cookie.name, cookie.domain)
        wanted.setdefault(key, []).append(f"{service.name}: {cookie.purpose} ({cookie.lifetime})")
    names = {name for name, _domain in managed}
    for row in Cookie.objects.filter(name__in=names):
        key = (row.cookiegroup_id, row.name, row.domain)
        if (row.name, row.domain) not in managed:
            continue
        if key not in wanted:
            row.delete()
            continue
        description = "; ".join(wanted.pop(key))
        if row.description != description:
            row.description = description
            row.save(update_fields=["description"])
    for (group_id, name, domain), descriptions in wanted.items():
        Cookie.objects.create(
            cookiegroup_id=group_id, name=name, domain=domain, description="; ".join(descriptions)
        )


def cookie_declared_by(cookie: Cookie) -> str:
    """Who sets a row of the admin's cookie list now: the live services that declare it in
    its category, or "This site" for the site's own cookies."""
    names = ServiceCookie.objects.filter(
        name=cookie.name,
        domain=cookie.domain,
        service__cookie_group_id=cookie.cookiegroup_id,
        service__live=True,
    ).values_list("service__name", flat=True)
    return ", ".join(sorted(set(names))) or "This site"


def consent_counts(since=None) -> list[dict]:
    """Accept and reject counts per category from the ledger, without any personal data."""
    records = ConsentRecord.objects.all()
    if since:
        records = records.filter(created_at__gte=since)
    totals: dict[str, dict[str, int]] = {}
    for choices in records.values_list("choices", flat=True).iterator():
        for key, given in (choices or {}).get("groups", {}).items():
            bucket = totals.setdefault(key, {"accepted": 0, "rejected": 0})
            bucket["accepted" if given else "rejected"] += 1
    rows = []
    for key, bucket in sorted(totals.items()):
        total = bucket["accepted"] + bucket["rejected"]
        rows.append(
            {
                "category": key,
                **bucket,
                "total": total,
                "accept_rate": round(100 * bucket["accepted"] / total, 1) if total else 0.0,
            }
        )
    return rows


def prune_records(days: int | None = None) -> int:
    days = settings.CONSENT_RECORD_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timezone.timedelta(days=days)
    deleted, _ = ConsentRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
