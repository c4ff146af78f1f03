"""Admin integration: the resource chooser, and the one-click fix for a public resource.

The fix is the button in the resource field's error (admin_forms.py). It submits the page form
itself, CSRF token included, so nothing the editor typed is lost: these hooks move the document
into the private collection before Wagtail validates the form, which then saves the page as a
draft (the button is no publish action) and shows the edit form again, without the error.
"""

from django.contrib import messages
from wagtail import hooks
from wagtail.documents import get_document_model

from .admin_forms import MAKE_PRIVATE_FIELD
from .chooser import resource_chooser
from .models import LeadMagnetPage
from .resources import is_private, make_private


@hooks.register("register_admin_viewset")
def register_resource_chooser():
    return resource_chooser


def move_resource_if_asked(request, page_class) -> None:
    if request.method != "POST" or not issubclass(page_class, LeadMagnetPage):
        return
    chosen = request.POST.get(MAKE_PRIVATE_FIELD, "")
    # Only the document the form is saving, never one named by the button alone.
    if not chosen.isdigit() or chosen != request.POST.get("resource"):
        return
    document = get_document_model().objects.filter(pk=int(chosen)).first()
    if document is None or is_private(document.collection):
        return
    collection = make_private(request.user, document)
    if collection is None:
        messages.error(
            request,
            f"“{document.title}” was not moved: you may not edit it, or not add documents to "
            "the private collection. Ask an administrator to move it.",
        )
        return
    messages.success(
        request,
        f"“{document.title}” moved to the private collection “{collection.name}”: it has no "
        "public address any more, and readers get it through their download links.",
    )


@hooks.register("before_edit_page")
def make_resource_private_on_edit(request, page):
    move_resource_if_asked(request, type(page))


@hooks.register("before_create_page")
def make_resource_private_on_create(request, parent_page, page_class):
    move_resource_if_asked(request, page_class)
