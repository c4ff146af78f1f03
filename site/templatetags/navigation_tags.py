"""The site's main menu: live pages directly below the home page marked "show in menus"."""

from django import template
from wagtail.models import Site

register = template.Library()


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_menu(context):
    request = context["request"]
    site = Site.find_for_request(request)
    current = context.get("page")
    items = []
    if site is not None:
        items = site.root_page.get_children().live().in_menu().public().specific()
    return {"items": items, "current": current, "request": request}
