"""The third-party services admin, where saving is saving a draft.

A service goes live with the next version of a policy that renders the registry
(legal/registry.py), so the snippet's own "Publish" is neither offered (the action-menu hook in
wagtail_hooks) nor accepted (the permission policy below refuses "publish" to everyone, which
Wagtail's create, edit and revert views consult before they publish). The message after a save
tells the editor which policy's next version takes the service along, with a link to it.
Unpublishing, which stops a service at once, stays with those who may publish services, and a
service that published versions disclose is unpublished rather than deleted.
"""

from django.contrib import messages as django_messages
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.admin import messages
from wagtail.admin.views.generic import CopyViewMixin
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import CreateView, EditView, UnpublishView

from .blocks import ThirdPartyServicesBlock
from .choices import LegalKind
from .models import PolicyPage, ThirdPartyService
from .registry import policies_listing

PUBLISH, UNPUBLISH = "publish", "unpublish"
SERVICES_BLOCK_LABEL = ThirdPartyServicesBlock._meta_class.label
KIND_LABELS = dict(LegalKind.choices)


class ServicePermissionPolicy(ModelPermissionPolicy):
    """Nobody publishes a service on its own: it goes live with a policy version. "unpublish"
    (the withdraw view below asks for it) needs Django's "Can publish third-party service"."""

    def user_has_permission(self, user, action):
        if action == PUBLISH:
            return False
        return super().user_has_permission(user, PUBLISH if action == UNPUBLISH else action)

    def users_with_any_permission(self, actions):
        actions = {
            PUBLISH if action == UNPUBLISH else action for action in actions if action != PUBLISH
        }
        return super().users_with_any_permission(actions)


def page_names(pages: list[PolicyPage]) -> dict[int, str]:
    """How the message names each page: "the privacy policy", or its title in quotes where
    several pages are of one kind (several sites)."""
    kinds = [page.kind for page in pages]
    return {
        page.pk: f"the {KIND_LABELS[page.kind].lower()}"
        if kinds.count(page.kind) == 1
        else f"'{page.title}'"
        for page in pages
    }


def draft_saved_message(service: ThirdPartyService, pages: list[PolicyPage]) -> str:
    """What saving `service` did and where it goes live, for the editor who saved it."""
    if not service.has_unpublished_changes:
        state = "it runs as it is" if service.live else "it stays unpublished"
        return f"'{service.name}' has no changes to save: {state}."
    if service.live:
        saved = f"Saved your changes to '{service.name}' as a draft."
        subject, pronoun = "They go", "them"
        after = " Until then the service runs as it is."
    else:
        saved = f"Saved '{service.name}' as a draft."
        subject, pronoun, after = "It goes", "it", ""
    if not pages:
        return (
            f"{saved} {subject} live with the next version of a policy that lists the "
            f"registry: add the “{SERVICES_BLOCK_LABEL}” block to the privacy policy and "
            f"publish it to include {pronoun}.{after}"
        )
    names = page_names(pages)
    workflow = next((w for w in (page.get_workflow() for page in pages) if w), None)
    which = "that page" if len(pages) == 1 else "one of them"
    step = f"submit {which} to '{workflow.name}'" if workflow else f"publish {which}"
    listed = " or ".join(names[page.pk] for page in pages)
    first = "" if len(pages) == 1 else ", whichever is published first"
    return (
        f"{saved} {subject} live with the next version of {listed}{first}: "
        f"{step} to include {pronoun}.{after}"
    )


class DraftSavedMessageMixin:
    """After "Save draft": the message above, with a button to each page's edit screen."""

    def saved_a_draft(self) -> bool:
        return self.action in ("create", "edit")

    def get_success_message(self, instance=None):
        if not self.saved_a_draft():
            return super().get_success_message(instance)
        service = instance or self.object
        self.listing_pages = policies_listing(service)
        return draft_saved_message(service, self.listing_pages)

    def get_success_buttons(self):
        if not self.saved_a_draft():
            return super().get_success_buttons()
        names = page_names(self.listing_pages)
        return [
            messages.button(
                reverse("wagtailadmin_pages:edit", args=(page.pk,)), f"Edit {names[page.pk]}"
            )
            for page in self.listing_pages
        ]


class ServiceCreateView(DraftSavedMessageMixin, CreateView):
    pass


class ServiceCopyView(CopyViewMixin, ServiceCreateView):
    pass


class ServiceEditView(DraftSavedMessageMixin, EditView):
    pass


class ServiceUnpublishView(UnpublishView):
    permission_required = UNPUBLISH

    def get_success_message(self):
        return (
            f"'{self.object}' is withdrawn: it no longer runs, and the next version of each "
            "policy that lists it leaves it out."
        )


def keep_disclosed_services(request, instances):
    """`before_delete_snippet`: a service that published versions disclose stays on record
    with them (the consent manager and their change summaries read that record). It can be
    unpublished instead. Withdrawn versions (demo content, mistakes) do not hold it."""
    for service in instances:
        if not isinstance(service, ThirdPartyService):
            return None
        count = service.disclosed_in.filter(withdrawn_at__isnull=True).count()
        if count:
            versions = (
                "a published policy version" if count == 1 else f"{count} published policy versions"
            )
            django_messages.error(
                request,
                f"'{service}' is disclosed by {versions}, which keep it on record. Unpublish it "
                "instead: it stops running at once, and the next version of the policy leaves "
                "it out.",
            )
            return redirect("wagtailsnippets_legal_thirdpartyservice:edit", service.pk)
    return None


def hide_publish_for_services(menu_items, request, context):
    """`construct_snippet_action_menu`: no "Publish" button on a service."""
    if context.get("model") is ThirdPartyService:
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]
