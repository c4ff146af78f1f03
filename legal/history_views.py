"""Admin screens for a legal page's versions: the list of everything recorded (withdrawn ones
marked, with their reason), importing an earlier version and withdrawing one.

Looking needs the page's edit permission; importing and withdrawing need its publish
permission, like publishing a version does: they change the public record as much. With a
legal review workflow, only its publishers can do either.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.pages.utils import get_breadcrumbs_items_for_page
from wagtail.admin.widgets.button import HeaderButton

from .history import ImportVersionForm, WithdrawVersionForm, import_version, withdraw_version
from .models import LegalPage, PolicyVersion


def versions_url(page) -> str:
    return reverse("legal_versions:index", args=[page.pk])


class PageVersionsMixin(WagtailAdminTemplateMixin):
    """The legal page in the URL, its permission check and its breadcrumbs."""

    header_icon = "history"
    needs_publish = False

    def dispatch(self, request, *args, **kwargs):
        permissions = self.page.permissions_for_user(request.user)
        allowed = permissions.can_publish() if self.needs_publish else permissions.can_edit()
        if not allowed:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def page(self) -> LegalPage:
        page = get_object_or_404(LegalPage, pk=self.kwargs["page_id"])
        return page.specific

    @cached_property
    def can_publish(self) -> bool:
        return self.page.permissions_for_user(self.request.user).can_publish()

    def get_breadcrumbs_items(self):
        return [
            *get_breadcrumbs_items_for_page(self.page, self.request.user),
            {"url": versions_url(self.page), "label": "Versions"},
            *self.extra_breadcrumbs(),
        ]

    def extra_breadcrumbs(self):
        return []

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page, versions_url=versions_url(self.page), **kwargs
        )


class VersionIndexView(PageVersionsMixin, TemplateView):
    """Every version of the page, newest first, as recorded: imported and withdrawn too."""

    template_name = "legal/admin/versions.html"
    page_title = "Versions"

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_header_buttons(self):
        if not self.can_publish:
            return []
        return [
            HeaderButton(
                "Import an earlier version",
                reverse("legal_versions:import", args=[self.page.pk]),
                icon_name="upload",
            )
        ]

    def get_context_data(self, **kwargs):
        versions = sorted(
            self.page.versions.defer("html"),
            key=lambda v: (v.effective_date, v.order_key()),
            reverse=True,
        )
        current = self.page.current_version()
        upcoming = self.page.upcoming_version()
        return super().get_context_data(
            versions=versions,
            current=current,
            upcoming=upcoming,
            can_publish=self.can_publish,
            archive_url=self.page.url + self.page.reverse_subpage("version_list")
            if self.page.live and self.page.url and (current or upcoming)
            else "",
        )


class ImportVersionView(PageVersionsMixin, FormView):
    template_name = "legal/admin/version_import.html"
    form_class = ImportVersionForm
    needs_publish = True
    page_title = "Import an earlier version"

    def extra_breadcrumbs(self):
        return [{"url": "", "label": "Import"}]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "page": self.page}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            media=context["form"].media,
            submit_button_label="Import",
            submit_button_active_label="Importing…",
        )
        return context

    def form_valid(self, form):
        version = import_version(form, self.request.user)
        if version is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{version.name[:1].upper()}{version.name[1:]} imported, in force from "
            f"{version.effective_date:%Y-%m-%d}.",
            buttons=[
                messages.button(
                    reverse("legal_versions:import", args=[self.page.pk]), "Import another"
                )
            ],
        )
        return redirect(versions_url(self.page))

    def form_invalid(self, form):
        messages.validation_error(self.request, "The version could not be imported.", form)
        return super().form_invalid(form)


class WithdrawVersionView(PageVersionsMixin, FormView):
    """A confirmation screen that asks for the reason."""

    template_name = "legal/admin/version_withdraw.html"
    form_class = WithdrawVersionForm
    needs_publish = True
    header_icon = "warning"

    @cached_property
    def version(self) -> PolicyVersion:
        return get_object_or_404(self.page.versions, pk=self.kwargs["version_id"])

    def get_page_title(self):
        return f"Withdraw {self.version.name}"

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def extra_breadcrumbs(self):
        return [{"url": "", "label": f"Withdraw {self.version.version_label}"}]

    def get(self, request, *args, **kwargs):
        if self.version.is_withdrawn:
            messages.warning(request, f"{self.version.version_label} was already withdrawn.")
            return redirect(versions_url(self.page))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.version.is_withdrawn:
            messages.warning(request, f"{self.version.version_label} was already withdrawn.")
            return redirect(versions_url(self.page))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        version = self.version
        current = self.page.current_version()
        upcoming = self.page.upcoming_version()
        is_current = current is not None and current.pk == version.pk
        return super().get_context_data(
            version=version,
            is_current=is_current,
            is_upcoming=upcoming is not None and upcoming.pk == version.pk,
            # What the page shows instead: the version in force before it, if any.
            replacement=self.page.versions.exclude(pk=version.pk).effective_on().newest()
            if is_current
            else None,
            action_url=self.request.path,
            **kwargs,
        )

    def form_valid(self, form):
        withdraw_version(self.version, form.cleaned_data["reason"].strip(), self.request.user)
        messages.success(
            self.request,
            f"{self.version.version_label} withdrawn from the public archive. It stays listed "
            "here, with your reason.",
        )
        return redirect(versions_url(self.page))


class VersionsMenuItem(PageMenuItem):
    """The "Versions" item in a legal page's header menu and in page listings."""

    label = "Versions"
    icon_name = "history"
    url_name = "legal_versions:index"

    def is_shown(self, user):
        return issubclass(self.page.specific_class or object, LegalPage) and (
            self.page.permissions_for_user(user).can_edit()
        )
