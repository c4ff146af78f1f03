"""The lead magnets app's demo content for `load_initial_data`: the free starter guide, its page
and its private file. The content is in content.toml and the file next to this module.
"""

from importlib.resources import files

from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, Page

from legal.demo import Report, page_slot, publish_child, read_data

from ..models import LeadMagnetPage


def ensure_lead_magnet(home: Page, report: Report, placeholder_class: type[Page]) -> LeadMagnetPage:
    """The starter guide's page under `home` (replacing an older demo's placeholder at its slug),
    its file in a collection only signed-in editors can open, so the download links of
    confirmed readers are the only way to it."""
    data = read_data(__name__, "content.toml")
    fields = data["page"]
    existing = page_slot(home, fields["slug"], LeadMagnetPage, placeholder_class)
    if existing is not None:
        report(False, f"lead magnet '{fields['title']}'")
        return existing
    collection = Collection.objects.filter(name=data["collection"]).first()
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=data["collection"])
        CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.LOGIN
        )
    name = data["document"]["file"]
    document = Document(title=data["document"]["title"], collection=collection)
    document.file.save(name, ContentFile(files(__name__).joinpath(name).read_bytes()), save=False)
    document.save()
    page = publish_child(home, LeadMagnetPage(**fields, resource=document))
    report(True, f"lead magnet '{page.title}' (private document)")
    return page
