"""Where a lead magnet's resource may live: a private collection, one with a view restriction.

A document in a public collection has a URL anyone can open (/documents/<id>/<file>), so a
confirmed reader's expiring link would protect nothing. A collection is private when it or
one of its ancestors restricts viewing (to signed-in users, some groups or a password); the
private collection an editor is offered is the first such collection in the tree, and when
there is none, "Private resources", open to signed-in users only, is created for them.
"""

from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Collection, CollectionViewRestriction
from wagtail.permissions import policy_registry

PRIVATE_COLLECTION_NAME = "Private resources"


def is_private(collection: Collection) -> bool:
    return collection.get_view_restrictions().exists()


def private_collection() -> Collection | None:
    """The collection resources are moved and uploaded to: the first restricted one."""
    restricted = CollectionViewRestriction.objects.values("collection_id")
    return Collection.objects.filter(pk__in=restricted).order_by("path").first()


def ensure_private_collection() -> Collection:
    """The private collection, created (under the root, for signed-in users only) if the site
    has none yet."""
    with transaction.atomic():
        existing = private_collection()
        if existing is not None:
            return existing
        root = Collection.get_first_root_node()
        taken = set(root.get_children().values_list("name", flat=True))
        name, number = PRIVATE_COLLECTION_NAME, 1
        while name in taken:  # a public collection of that name is not made private
            number += 1
            name = f"{PRIVATE_COLLECTION_NAME} {number}"
        collection = root.add_child(name=name)
        CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.LOGIN
        )
        return collection


def document_permissions():
    return policy_registry.get_by_type(get_document_model())


def can_make_private(user, document) -> bool:
    """Whether `user` may move `document`: change it where it is, and add documents to the
    private collection (one created now inherits the root's permissions)."""
    policy = document_permissions()
    if not policy.user_has_permission_for_instance(user, "change", document):
        return False
    target = private_collection()
    if target is None:
        return policy.collections_user_has_permission_for(user, "add").filter(depth=1).exists()
    return policy.collections_user_has_permission_for(user, "add").filter(pk=target.pk).exists()


def make_private(user, document) -> Collection | None:
    """Move `document` into the private collection, if `user` may; the collection it is now
    in, or None when refused."""
    if not can_make_private(user, document):
        return None
    target = ensure_private_collection()
    document.collection = target
    document.save(update_fields=["collection"])
    log(instance=document, action="wagtail.edit", user=user)
    return target
