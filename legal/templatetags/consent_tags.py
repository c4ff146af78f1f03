"""`{% consent_manager %}`: the banner, the settings dialog and the inert tracking code.

The output depends only on the registry and the banner texts, never on the visitor, so
every page stays cacheable; the visitor's choice is applied in the browser.
"""

from django import template

from ..consent import banner_config, banner_settings, script_config
from ..models import ServiceType

register = template.Library()


@register.inclusion_tag("legal/includes/consent_manager.html", takes_context=True)
def consent_manager(context):
    request = context.get("request")
    config = banner_config(request)
    # The services banner_config lists per category: exactly those the script may load.
    services = [service for category in config["categories"] for service in category["services"]]
    return {
        "request": request,
        "config": config,
        "script_config": script_config(config),
        "banner": banner_settings(request),
        "necessary": config["necessary"],
        "categories": config["categories"],
        # Custom code rides along inert in <template> elements until its category is accepted.
        "custom_services": [s for s in services if s.service_type == ServiceType.CUSTOM],
        "next": request.get_full_path() if request else "/",
    }
