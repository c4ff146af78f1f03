"""Admin integration: the "Legal & privacy" menu (legal pages, the services and cookie
registry, the consent ledger), the consent report, and guards for legal pages.

Other apps add their screens to "Legal & privacy" by returning a `MenuItem` (order above 500)
from the `register_legal_menu_item` hook, Wagtail's `submenu_hook`: legal imports none of them.
"""

import django_filters
from cookie_consent.models import Cookie, CookieGroup
from django.contrib import messages
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, LiveStatusTagColumn
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views, history, history_views
from .consent import cookie_declared_by
from .models import ConsentRecord, LegalKind, LegalPage, PolicyVersion, ThirdPartyService
from .service_admin import (
    ServiceCopyView,
    ServiceCreateView,
    ServiceEditView,
    ServicePermissionPolicy,
    ServiceUnpublishView,
    hide_publish_for_services,
    keep_disclosed_services,
)
from .spreadsheets import FormulaSafeIndexView

LEGAL_MENU_HOOK = "register_legal_menu_item"
KIND_LABELS = dict(LegalKind.choices)


class LegalPagesMenuItem(MenuItem):
    def is_shown(self, request):
        # The listing's own test: any permission on some page.
        policy = policy_registry.get_by_type(LegalPage)
        return policy.user_has_any_permission(request.user, PageIndexView.any_permission_required)


class LegalPageListingViewSet(PageListingViewSet):
    """Every policy and impressum page of every site, with its kind and status: the menu's
    shortcut to them. New legal pages are added under the home page in the page explorer,
    where the page-type rules apply, so this listing has no "Add" button."""

    model = LegalPage
    name = "legal-pages"
    icon = "doc-full"
    menu_label = "Legal pages"
    menu_order = 100
    menu_item_class = LegalPagesMenuItem
    columns = [
        *(column for column in PageIndexView.base_columns if column.name != "type"),
        Column("kind", label="Kind", accessor=lambda page: KIND_LABELS.get(page.legal_kind, "")),
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(add_url_name=None, **kwargs)

    def get_urlpatterns(self):
        # Its "choose a parent" step would offer nothing: LegalPage itself is not creatable.
        return [url for url in super().get_urlpatterns() if url.name != "choose_parent"]


class ThirdPartyServiceViewSet(SnippetViewSet):
    model = ThirdPartyService
    icon = "site"
    menu_label = "Third-party services"
    menu_name = "third-party-services"
    menu_order = 200
    list_display = [
        "name",
        "provider",
        # The display method's own name would head the column "method".
        Column("legal_basis", label="Legal basis", accessor="get_legal_basis_display"),
        "location",
        LiveStatusTagColumn(),  # draft until a policy version publishes it
    ]
    search_fields = ["name", "provider"]
    # Saving is saving a draft; a service goes live with a policy version (service_admin.py).
    add_view_class = ServiceCreateView
    copy_view_class = ServiceCopyView
    edit_view_class = ServiceEditView
    unpublish_view_class = ServiceUnpublishView


class CookieGroupViewSet(SnippetViewSet):
    """django-cookie-consent's categories, edited in Wagtail. Their cookies are declared on
    the services (and mirrored into the package's cookie table)."""

    model = CookieGroup
    icon = "tag"
    menu_label = "Cookie categories"
    menu_name = "cookie-categories"
    menu_order = 300
    list_display = ["name", "varname", "is_required", "ordering"]
    panels = [
        FieldPanel("name"),
        FieldPanel("varname"),
        FieldPanel(
            "description",
            help_text="What the category is for. The banner's dialog lists its services from "
            "the registry below this text, so there is no need to name them here.",
        ),
        FieldPanel("is_required", help_text="Necessary categories cannot be declined."),
        FieldPanel("ordering"),
    ]


class CookieFilterSet(WagtailFilterSet):
    cookiegroup = django_filters.ModelChoiceFilter(
        label="Cookie category", queryset=CookieGroup.objects.order_by("ordering", "name")
    )

    class Meta:
        model = Cookie
        fields = ["cookiegroup"]


class CookieViewSet(SnippetViewSet):
    """django-cookie-consent's cookie rows. The site's own necessary cookies are declared
    here; a service's cookies are declared on the service and mirrored here."""

    model = Cookie
    icon = "tag"
    menu_label = "Cookies"
    menu_name = "cookies"
    menu_order = 400
    list_display = [
        "name",
        Column("cookiegroup", label="Cookie category"),
        # Looked up in the registry for each row: always the service that declares it now.
        Column("declared_by", label="Set by", accessor=cookie_declared_by),
        "domain",
        "description",
    ]
    filterset_class = CookieFilterSet
    panels = [
        FieldPanel("cookiegroup", heading="Cookie category"),
        FieldPanel("name"),
        FieldPanel("domain"),
        FieldPanel("path"),
        FieldPanel("description"),
    ]


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
    menu_order = 500
    list_display = [
        "consent_id",
        "created_at",
        "method",
        Column("accepted_groups", label="Accepted categories"),
        "gpc",
    ]
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
register_permission_policy(ThirdPartyService, ServicePermissionPolicy(ThirdPartyService))


class LegalAndPrivacyGroup(SnippetViewSetGroup):
    """One menu for what a data-protection review needs. Its URLs stay those of each viewset
    (/admin/snippets/legal/thirdpartyservice/, /admin/consent-records/, ...).

    A snippet group, so its snippets count as having a menu item and Wagtail's own "Snippets"
    item stays hidden; the page listing and the consent ledger are viewsets that ride along.
    """

    menu_label = "Legal & privacy"
    menu_name = "legal-and-privacy"
    menu_icon = "lock"
    menu_order = 200  # right after Pages
    items = (
        LegalPageListingViewSet,
        ThirdPartyServiceViewSet,
        CookieGroupViewSet,
        CookieViewSet,
        ConsentRecordViewSet,
    )
    submenu_hook = LEGAL_MENU_HOOK


register_snippet(LegalAndPrivacyGroup)


@hooks.register("insert_global_admin_css")
def field_rows_fit_their_columns():
    return format_html('<link rel="stylesheet" href="{}">', static("legal/admin.css"))


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


# --- Versions of a legal page: the list, importing earlier ones, withdrawing one ---------------


@hooks.register("register_admin_urls")
def legal_version_urls():
    views = history_views
    urls = [
        path("", views.VersionIndexView.as_view(), name="index"),
        path("import/", views.ImportVersionView.as_view(), name="import"),
        path("withdraw/<int:version_id>/", views.WithdrawVersionView.as_view(), name="withdraw"),
    ]
    return [path("legal-versions/<int:page_id>/", include((urls, "legal_versions")))]


@hooks.register("register_log_actions")
def legal_version_log_actions(actions):
    history.register_log_actions(actions)


@hooks.register("register_page_header_buttons")
def legal_page_versions_header_button(page, user, view_name, next_url=None):
    yield history_views.VersionsMenuItem(page=page, priority=66)  # after History


@hooks.register("register_page_listing_more_buttons")
def legal_page_versions_listing_button(page, user, next_url=None):
    yield history_views.VersionsMenuItem(page=page, priority=55)  # after History


# --- Services go live with a policy version, never on their own (service_admin.py) -------------

hooks.register("construct_snippet_action_menu", hide_publish_for_services)
hooks.register("before_delete_snippet", keep_disclosed_services)
