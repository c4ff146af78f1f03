"""`{% consent_manager %}`: the banner, the settings dialog and the inert tracking code.

The output depends only on the registry and the banner texts, never on the visitor, so
every page stays cacheable; the visitor's choice is applied in the browser.
"""

from django import template

from ..consent import banner_config, banner_settings
from ..models import ServiceType, ThirdPartyService

register = template.Library()


@register.inclusion_tag("legal/includes/consent_manager.html", takes_context=True)
def consent_manager(context):
    request = context.get("request")
    config = banner_config(request)
    services = ThirdPartyService.objects.filter(
        cookie_group__isnull=False, cookie_group__is_required=False
    ).select_related("cookie_group")
    by_category = {c["key"]: [] for c in config["categories"]}
    for service in services:
        by_category.setdefault(service.cookie_group.varname, []).append(service)
    return {
        "request": request,
        "config": config,
        "banner": banner_settings(request),
        "categories": [
            {**c, "services": by_category.get(c["key"], [])} for c in config["categories"]
        ],
        # Custom code rides along inert in <template> elements until its category is accepted.
        "custom_services": [s for s in services if s.service_type == ServiceType.CUSTOM],
        "next": request.get_full_path() if request else "/",
    }
