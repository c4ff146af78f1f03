"""The lead-magnet page's admin form: its resource must sit in a private collection.

Refused on every save (draft, publish, schedule, workflow submit), because a document in a
public collection is downloadable by anyone whether or not the page is live. The error offers
the fix: a button that submits the form with MAKE_PRIVATE_FIELD, which the
`before_edit_page`/`before_create_page` hooks (wagtail_hooks.py) act on before the form is
validated, so the page is saved with the document moved and the editor's other changes kept.
"""

from django.utils.html import format_html
from wagtail.admin.forms import WagtailAdminPageForm

from .resources import can_make_private, is_private, private_collection

MAKE_PRIVATE_FIELD = "leadmagnet-make-resource-private"


def public_resource_message(document, user=None):
    """The error next to the resource field; markup only from format_html, which escapes the
    document's and collection's names."""
    problem = format_html(
        "“{}” is in the public collection “{}”: anyone with its address can download it. A "
        "lead magnet's resource must be in a private collection, so that only confirmed "
        "readers get it, through their download links.",
        document.title,
        document.collection.name,
    )
    if user is None or not can_make_private(user, document):
        return format_html(
            "{} Choose a document in a private collection, or ask someone who may edit "
            "documents to move this one.",
            problem,
        )
    target = private_collection()
    where = (
        format_html("“{}”", target.name)
        if target
        else "a new collection “Private resources”, for signed-in users only"
    )
    return format_html(
        '{} <button type="submit" class="button button-small button-secondary" name="{}" '
        'value="{}">Move it to the private collection</button> (moves it to {} and saves the '
        "page as a draft)",
        problem,
        MAKE_PRIVATE_FIELD,
        document.pk,
        where,
    )


class LeadMagnetPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        document = cleaned.get("resource")
        if document is not None and not is_private(document.collection):
            self.add_error("resource", public_resource_message(document, self.for_user))
        return cleaned
