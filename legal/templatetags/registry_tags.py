"""The registries a policy body renders: `{% third_party_services as services %}` for the
services block and `{% cookie_declaration as groups %}` for the cookie declaration block. Both
show live services only: a draft goes live, and into a policy's text, with the policy's next
version. `{% registry_changes page as changes %}` lists what that version will take along,
for the policy's edit screen.

Read here rather than in the blocks, which the page models import: the blocks stay free of
models, and the registry is queried only where a body holds such a block.
"""

from cookie_consent.models import CookieGroup
from django import template

from ..models import ServiceCookie, ThirdPartyService
from ..registry import registry_changes as pending_changes

register = template.Library()


@register.simple_tag
def third_party_services():
    return ThirdPartyService.objects.filter(live=True)


@register.simple_tag
def registry_changes(page):
    return pending_changes(page)


@register.simple_tag
def cookie_declaration() -> list[CookieGroup]:
    """Every cookie category, in order, each with `rows`: the cookies its services declare,
    then the ones declared on the category itself."""
    groups = list(CookieGroup.objects.prefetch_related("cookie_set").order_by("ordering", "name"))
    declared = (
        ServiceCookie.objects.filter(service__live=True)
        .select_related("service")
        .order_by("service__sort_order", "sort_order")
    )
    by_group: dict[int, list] = {}
    seen = set()
    for cookie in declared:
        group_id = cookie.service.cookie_group_id
        by_group.setdefault(group_id, []).append(
            {
                "name": cookie.name,
                "domain": cookie.domain,
                "provider": cookie.service.name,
                "purpose": cookie.purpose,
                "lifetime": cookie.lifetime,
            }
        )
        seen.add((group_id, cookie.name, cookie.domain))
    for group in groups:
        # Cookies declared directly on a category (the site's own) complete the table.
        own = [
            {
                "name": c.name,
                "domain": c.domain,
                "provider": "This site",
                "purpose": c.description,
                "lifetime": "",
            }
            for c in group.cookie_set.all()
            if (group.pk, c.name, c.domain) not in seen
        ]
        group.rows = by_group.get(group.pk, []) + own
    return groups
