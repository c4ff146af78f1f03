"""The document chooser of a lead magnet's resource: Wagtail's own, with its upload form set to
the private collection, so a new resource starts out where it belongs.

A chooser of its own (its own URLs under /admin/lead-magnets/resource-chooser/), used only by
LeadMagnetPage.resource: every other document field keeps Wagtail's chooser and its default.
"""

from wagtail.admin.telepath import register as register_telepath_adapter
from wagtail.documents import get_document_model_string
from wagtail.documents.views.chooser import (
    DocumentChooserAdapter,
    DocumentChooseResultsView,
    DocumentChooserUploadView,
    DocumentChooserViewSet,
    DocumentChooseView,
)

from .resources import ensure_private_collection


class PrivateUploadMixin:
    """The upload form starts with the private collection chosen (created if the site has
    none yet: an editor about to upload a resource needs one)."""

    def get_creation_form_kwargs(self):
        kwargs = super().get_creation_form_kwargs()
        if self.request.method not in ("POST", "PUT"):
            kwargs["initial"] = {
                **kwargs.get("initial", {}),
                "collection": ensure_private_collection().pk,
            }
        return kwargs


class ResourceChooseView(PrivateUploadMixin, DocumentChooseView):
    pass


class ResourceChooseResultsView(PrivateUploadMixin, DocumentChooseResultsView):
    pass


class ResourceUploadView(PrivateUploadMixin, DocumentChooserUploadView):
    pass


class ResourceChooserViewSet(DocumentChooserViewSet):
    choose_view_class = ResourceChooseView
    choose_results_view_class = ResourceChooseResultsView
    create_view_class = ResourceUploadView
    # Not the widget of every document field: only LeadMagnetPage.resource asks for it.
    register_widget = False

    def on_register(self):
        super().on_register()
        register_telepath_adapter(DocumentChooserAdapter(), self.widget_class)


resource_chooser = ResourceChooserViewSet(
    "leadmagnets_resource_chooser",
    model=get_document_model_string(),
    url_prefix="lead-magnets/resource-chooser",
)
