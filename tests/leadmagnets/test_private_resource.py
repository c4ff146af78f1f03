"""A lead magnet's resource stays private: a public document is a form error with a one-click
fix, the chooser's upload form starts in the private collection, and no path publishes a page
whose resource anyone could download."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, GroupCollectionPermission
from wagtail.test.utils.form_data import querydict_from_html

from leadmagnets.admin_forms import MAKE_PRIVATE_FIELD
from leadmagnets.models import LeadMagnetPage
from leadmagnets.resources import PRIVATE_COLLECTION_NAME, is_private, private_collection

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, django_user_model, demo_site):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def guide(demo_site):
    return LeadMagnetPage.objects.get(slug="starter-guide")


def public_document(title="Checklist", collection=None) -> Document:
    document = Document(title=title, collection=collection or Collection.get_first_root_node())
    document.file.save("checklist.txt", ContentFile(b"CHECKLIST"), save=False)
    document.save()
    return document


def edit_data(client, page, **changes):
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    for name, value in changes.items():
        data[name] = value
    return data


def resource_errors(html: str) -> str:
    found = re.search(
        r'data-contentpath="resource">\s*<div class="w-field__errors"(.*?)</div>', html, re.S
    )
    return found.group(1) if found else ""


@pytest.mark.parametrize("action", ["action-publish", None])
def test_a_public_document_is_a_form_error_on_publish_and_on_draft(editor, guide, action):
    document = public_document()
    data = edit_data(editor, guide, resource=str(document.pk))
    if action:
        data[action] = "1"
    response = editor.post(f"/admin/pages/{guide.pk}/edit/", data)
    assert response.status_code == 200
    errors = resource_errors(response.content.decode())
    assert "“Checklist” is in the public collection “Root”" in errors
    assert "must be in a private collection" in errors
    # The fix, as a button of the page form itself.
    assert f'name="{MAKE_PRIVATE_FIELD}"' in errors
    assert f'value="{document.pk}"' in errors
    assert "Move it to the private collection" in errors
    guide.refresh_from_db()
    assert guide.resource_id != document.pk
    assert guide.get_latest_revision_as_object().resource_id != document.pk


def test_scheduling_a_public_resource_is_refused_too(editor, guide):
    document = public_document()
    data = edit_data(editor, guide, resource=str(document.pk), go_live_at="2099-01-01 10:00")
    data["action-publish"] = "1"
    response = editor.post(f"/admin/pages/{guide.pk}/edit/", data)
    assert response.status_code == 200
    assert "must be in a private collection" in resource_errors(response.content.decode())
    guide.refresh_from_db()
    assert guide.resource.collection.name == "Lead magnet resources"


def test_the_fix_moves_the_document_and_saves_the_page_with_it(editor, guide):
    document = public_document()
    data = edit_data(editor, guide, resource=str(document.pk), teaser="A changed teaser.")
    data[MAKE_PRIVATE_FIELD] = str(document.pk)  # what clicking the button adds
    response = editor.post(f"/admin/pages/{guide.pk}/edit/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/pages/{guide.pk}/edit/"
    html = response.content.decode()
    assert "moved to the private collection “Lead magnet resources”" in html
    assert "private collection" not in resource_errors(html)
    document.refresh_from_db()
    assert document.collection == private_collection()
    assert is_private(document.collection)
    # Saved as a draft with the editor's other change; the live page is untouched.
    draft = LeadMagnetPage.objects.get(pk=guide.pk).get_latest_revision_as_object()
    assert (draft.resource_id, draft.teaser) == (document.pk, "A changed teaser.")
    guide.refresh_from_db()
    assert guide.resource_id != document.pk
    # The document's own address now needs a signed-in user.
    editor.logout()
    assert editor.get(document.url).status_code in (302, 403)


def test_the_fix_creates_private_resources_when_the_site_has_no_private_collection(editor, guide):
    CollectionViewRestriction.objects.all().delete()
    document = public_document()
    data = edit_data(editor, guide, resource=str(document.pk))
    errors = resource_errors(editor.post(f"/admin/pages/{guide.pk}/edit/", data).content.decode())
    assert "a new collection “Private resources”, for signed-in users only" in errors
    data[MAKE_PRIVATE_FIELD] = str(document.pk)
    editor.post(f"/admin/pages/{guide.pk}/edit/", data)
    document.refresh_from_db()
    assert document.collection.name == PRIVATE_COLLECTION_NAME
    restriction = document.collection.view_restrictions.get()
    assert restriction.restriction_type == CollectionViewRestriction.LOGIN


def test_the_fix_moves_only_the_document_the_form_saves(editor, guide):
    chosen, other = public_document("Chosen"), public_document("Other")
    data = edit_data(editor, guide, resource=str(chosen.pk))
    data[MAKE_PRIVATE_FIELD] = str(other.pk)
    editor.post(f"/admin/pages/{guide.pk}/edit/", data)
    other.refresh_from_db()
    assert not is_private(other.collection)


@pytest.fixture
def page_editor(client, django_user_model, demo_site):
    """May edit pages and choose documents, but not edit documents."""
    user = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    group = Group.objects.create(name="Page editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    root = Collection.get_first_root_node()
    GroupCollectionPermission.objects.create(
        group=group, collection=root, permission=Permission.objects.get(codename="choose_document")
    )
    for codename in ("add_page", "change_page", "publish_page"):
        group.page_permissions.create(
            page=demo_site.root_page, permission=Permission.objects.get(codename=codename)
        )
    user.groups.add(group)
    client.force_login(user)
    return client


def test_an_editor_who_may_not_edit_documents_gets_no_button_and_cannot_move(page_editor, guide):
    document = public_document()
    data = edit_data(page_editor, guide, resource=str(document.pk))
    errors = resource_errors(
        page_editor.post(f"/admin/pages/{guide.pk}/edit/", data).content.decode()
    )
    assert "must be in a private collection" in errors
    assert MAKE_PRIVATE_FIELD not in errors
    assert "ask someone who may edit documents to move this one" in errors
    data[MAKE_PRIVATE_FIELD] = str(document.pk)  # a forged click
    response = page_editor.post(f"/admin/pages/{guide.pk}/edit/", data, follow=True)
    assert "was not moved" in response.content.decode()
    document.refresh_from_db()
    assert not is_private(document.collection)


def test_the_model_refuses_to_publish_a_public_resource(guide):
    """Publishing from code, as `publish_scheduled` does, with no form in between."""
    guide.unpublish()
    guide = LeadMagnetPage.objects.get(pk=guide.pk)
    guide.resource = public_document()
    revision = guide.save_revision()  # a page that is not live may hold it as a draft
    with pytest.raises(ValidationError) as refused:
        revision.publish()
    assert "must be in a private collection" in str(refused.value.message_dict["resource"])
    guide = LeadMagnetPage.objects.get(pk=guide.pk)
    assert not guide.live
    assert guide.resource.collection.name == "Lead magnet resources"


def test_the_document_in_the_demo_is_private_and_the_page_publishes(guide):
    assert is_private(guide.resource.collection)
    guide.save_revision().publish()


def test_the_resource_chooser_uploads_to_the_private_collection(editor, guide):
    html = editor.get(f"/admin/pages/{guide.pk}/edit/").content.decode()
    assert "/admin/lead-magnets/resource-chooser/" in html
    chooser = editor.get("/admin/lead-magnets/resource-chooser/").json()["html"]
    private = private_collection()
    selected = re.search(r'<option value="(\d+)" selected>', chooser)
    assert selected and int(selected.group(1)) == private.pk
    # Other document fields keep Wagtail's own chooser and its default.
    plain = editor.get("/admin/documents/chooser/").json()["html"]
    assert not re.search(rf'<option value="{private.pk}" selected>', plain)


def test_the_resource_chooser_creates_the_private_collection_when_there_is_none(editor):
    CollectionViewRestriction.objects.all().delete()
    chooser = editor.get("/admin/lead-magnets/resource-chooser/").json()["html"]
    private = private_collection()
    assert private.name == PRIVATE_COLLECTION_NAME
    assert re.search(rf'<option value="{private.pk}" selected>', chooser)


def test_an_upload_through_the_resource_chooser_lands_in_the_private_collection(editor):
    private = private_collection()
    response = editor.post(
        "/admin/lead-magnets/resource-chooser/create/",
        {
            "document-chooser-upload-title": "Worksheet",
            "document-chooser-upload-collection": str(private.pk),
            "document-chooser-upload-file": ContentFile(b"WORKSHEET", name="worksheet.txt"),
        },
    )
    assert response.json()["step"] == "chosen"
    assert Document.objects.get(title="Worksheet").collection == private
