"""Admin integration: the services and cookie registry, the consent ledger and its report,
and guards for legal pages."""

from cookie_consent.models import Cookie, CookieGroup
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .models import ConsentRecord, PolicyVersion, ThirdPartyService
from .spreadsheets import FormulaSafeIndexView


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


class CookieGroupViewSet(SnippetViewSet):
    """django-cookie-consent's categories, edited in Wagtail. Their cookies are declared on
    the services (and mirrored into the package's cookie table)."""

    model = CookieGroup
    icon = "tag"
    menu_label = "Cookie categories"
    menu_name = "cookie-categories"
    add_to_admin_menu = True
    menu_order = 301
    list_display = ["name", "varname", "is_required", "ordering"]
    panels = [
        FieldPanel("name"),
        FieldPanel("varname"),
        FieldPanel("description"),
        FieldPanel("is_required", help_text="Necessary categories cannot be declined."),
        FieldPanel("ordering"),
    ]


register_snippet(CookieGroupViewSet)


class CookieViewSet(SnippetViewSet):
    """django-cookie-consent's cookie rows. The site's own necessary cookies are declared
    here; a service's cookies are declared on the service and mirrored here."""

    model = Cookie
    icon = "tag"
    menu_label = "Cookies"
    menu_name = "cookies"
    add_to_admin_menu = True
    menu_order = 303
    list_display = ["name", "cookiegroup", "domain", "description"]
    list_filter = ["cookiegroup"]
    panels = [
        FieldPanel("cookiegroup"),
        FieldPanel("name"),
        FieldPanel("domain"),
        FieldPanel("path"),
        FieldPanel("description"),
    ]


register_snippet(CookieViewSet)


class ReadOnlyPolicy(ModelPermissionPolicy):
    """The consent ledger is append-only: editors may look, nobody may add or change."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")


class ConsentRecordViewSet(ModelViewSet):
    model = ConsentRecord
    icon = "clipboard-list"
    menu_label = "Consent records"
    name = "consent-records"
    add_to_admin_menu = True
    menu_order = 302
    list_display = ["consent_id", "created_at", "method", "accepted_groups", "gpc"]
    list_filter = ["method", "gpc", "created_at"]
    list_export = [
        "consent_id",
        "created_at",
        "method",
        "choices",
        "gpc",
        "privacy_version",
        "cookie_policy_version",
        "banner_text_hash",
        "language",
    ]
    export_filename = "consent-records"
    index_view_class = FormulaSafeIndexView  # CSV cells never start a formula
    search_fields = ["consent_id"]
    search_backend_name = None  # plain database lookup: find one consent id exactly
    inspect_view_enabled = True
    form_fields = []  # never edited: the registered policy allows viewing only


register_permission_policy(ConsentRecord, ReadOnlyPolicy(ConsentRecord))


consent_record_viewset = ConsentRecordViewSet()


@hooks.register("register_admin_viewset")
def register_consent_records():
    return consent_record_viewset


@hooks.register("register_admin_urls")
def consent_report_urls():
    return [path("consent-report/", admin_views.consent_report, name="legal_consent_report")]


@hooks.register("register_reports_menu_item")
def consent_report_menu_item():
    return MenuItem("Consent rates", reverse("legal_consent_report"), icon_name="tasks", order=700)


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
