"""Admin integration: the services registry as a snippet, and guards for legal pages."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import PolicyVersion, ThirdPartyService


class ThirdPartyServiceViewSet(SnippetViewSet):
    model = ThirdPartyService
    icon = "site"
    menu_label = "Third-party services"
    menu_name = "third-party-services"
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["name", "provider", "get_legal_basis_display", "location"]
    search_fields = ["name", "provider"]


register_snippet(ThirdPartyServiceViewSet)


@hooks.register("before_delete_page")
def keep_published_legal_versions(request, page):
    """Published legal versions are evidence; their page (or an ancestor of it) can be
    unpublished, not deleted. Without this, the PROTECT foreign key would fail the delete."""
    count = PolicyVersion.objects.filter(page__path__startswith=page.path).count()
    if count:
        messages.error(
            request,
            f"“{page.title}” holds {count} published legal version(s) that must stay available "
            "as proof of what visitors agreed to. Unpublish the page instead of deleting it.",
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None
