"""Editors in the Wagtail admin: publishing legal pages, proposals, validation, guards."""

import datetime
import json
import re

import pytest
from django.utils import timezone
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from legal.models import ImpressumPage, PolicyPage, PolicyVersion
from tests.legal.factories import ImpressumPageFactory, PolicyPageFactory
from tests.legal.publishing import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def edit_form(client, page):
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id="page-edit-form")


# Wagtail renders StreamFields in the browser, so the edit page's HTML holds no body fields.
POLICY_BODY = nested_form_data(
    {
        "body": streamfield(
            [
                ("heading", {"text": "Who we are", "anchor": ""}),
                ("paragraph", rich_text("<p>We are a small creator business.</p>")),
            ]
        )
    }
)


def post_edit(client, page, action="action-publish", **changes):
    data = edit_form(client, page)
    for name in ("has_editorial_content", "is_material_change"):
        # A ticked checkbox without a value attribute posts "on" in a browser.
        if data.get(name) == "":
            data[name] = "on"
    if isinstance(page, PolicyPage):
        data.update(POLICY_BODY)
    for field, value in changes.items():
        data[field] = value
    data[action] = "1"
    return client.post(f"/admin/pages/{page.pk}/edit/", data)


def test_edit_form_proposes_the_next_version_after_a_publish(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page, version_label="2.3", change_summary="Old summary")
    data = edit_form(editor_client, page)
    assert data["version_label"] == "2.4"
    assert data.get("change_summary", "").strip() == ""


def test_publishing_in_the_admin_records_a_version(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page)
    response = post_edit(editor_client, page, change_summary="Clarified retention.")
    assert response.status_code == 302
    version = PolicyVersion.objects.filter(page_id=page.pk).order_by("-pk").first()
    assert (version.version_label, version.change_summary) == ("1.1", "Clarified retention.")


def test_an_unchanged_label_is_refused_naming_the_last_one(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page, version_label="1.0")
    response = post_edit(editor_client, page, version_label="1.0")
    assert response.status_code == 200
    assert "Must be higher than the last published version, 1.0." in response.content.decode()
    assert PolicyVersion.objects.filter(page_id=page.pk).count() == 1


def test_material_change_needs_a_summary(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page)
    response = post_edit(editor_client, page, is_material_change="on", change_summary="")
    assert response.status_code == 200
    assert "a material change is announced to visitors" in response.content.decode()
    assert PolicyVersion.objects.filter(page_id=page.pk).count() == 1


def test_effective_date_cannot_go_back_before_the_last_version(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    last = timezone.localdate() - datetime.timedelta(days=10)
    publish(page, effective_date=last)
    earlier = last - datetime.timedelta(days=31)
    response = post_edit(editor_client, page, effective_date=earlier.isoformat())
    assert response.status_code == 200
    assert f"Must be on or after {last:%Y-%m-%d}" in response.content.decode()


def test_drafts_save_without_version_checks(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page)
    response = post_edit(
        editor_client, page, action="action-save", is_material_change="on", change_summary=""
    )
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(page_id=page.pk).count() == 1


def test_legal_pages_with_versions_cannot_be_deleted(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page)
    response = editor_client.post(f"/admin/pages/{page.pk}/delete/", follow=True)
    assert PolicyPage.objects.filter(pk=page.pk).exists()
    assert "Unpublish the page instead of deleting it" in response.content.decode()


def test_services_registry_is_in_the_admin(editor_client):
    response = editor_client.get("/admin/snippets/legal/thirdpartyservice/")
    assert response.status_code == 200


# --- Impressum ----------------------------------------------------------------------------


def test_publishing_an_impressum_without_mandatory_fields_names_field_and_law(
    editor_client, home_page
):
    page = ImpressumPageFactory(parent=home_page)
    response = post_edit(
        editor_client,
        page,
        street_address="",
        email="",
        phone="",
        content_responsible_name="",
        consumer_dispute_text="",
    )
    assert response.status_code == 200
    html = response.content.decode()
    for message in [
        "Enter a street address, not a PO box (required by § 5 (1) no. 1 DDG).",
        "Enter an e-mail address (required by § 5 (1) no. 2 DDG).",
        "Enter a phone number or choose a contact form: a second fast way to get in touch is "
        "required by § 5 (1) no. 2 DDG.",
        "Name the person responsible for content (required by § 18 (2) MStV for "
        "journalistic-editorial content).",
        "Enter the consumer dispute statement (required by § 36 VSBG).",
    ]:
        assert message in html
    assert not PolicyVersion.objects.filter(page_id=page.pk).exists()


def test_impressum_draft_may_be_incomplete(editor_client, home_page):
    page = ImpressumPageFactory(parent=home_page)
    response = post_edit(editor_client, page, action="action-save", email="")
    assert response.status_code == 302


def test_po_box_is_not_an_address(editor_client, home_page):
    page = ImpressumPageFactory(parent=home_page)
    response = post_edit(editor_client, page, street_address="Postfach 12 34")
    assert "A PO box is not a summonable address" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"legal_form": "gmbh"}, {"representatives", "register_court", "register_number"}),
        (
            {"profession_title": "Steuerberaterin"},
            {"profession_chamber", "profession_state", "profession_rules"},
        ),
        ({"has_editorial_content": False, "content_responsible_name": ""}, set()),
        ({"phone": "", "contact_form_page_id": None}, {"phone"}),
    ],
)
def test_impressum_rules_follow_legal_form_and_activity(home_page, changes, missing):
    page = ImpressumPageFactory.build(**changes)
    assert set(page.mandatory_field_errors()) == missing


def test_published_impressum_renders_fields_and_schema_org(client, home_page):
    page = ImpressumPageFactory(parent=home_page, vat_id="DE123456789")
    page.save_revision().publish()
    html = client.get("/impressum/").content.decode()
    assert "Teststraße 1" in html and "VAT ID under § 27a UStG: DE123456789" in html
    assert "Responsible for content under § 18 (2) MStV" in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["@type"] == "Organization"
    assert data["address"]["postalCode"] == "10115"
    assert data["vatID"] == "DE123456789"
    assert ImpressumPage.objects.get(pk=page.pk).versions.count() == 1
    assert client.get("/impressum/versions/1.0/").status_code == 200


def test_an_ancestor_of_a_legal_page_cannot_be_deleted_either(editor_client, home_page):
    # Legal pages live directly under the home page (page-type rules): it is their ancestor.
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page)
    editor_client.post(f"/admin/pages/{home_page.pk}/delete/")
    assert PolicyPage.objects.filter(pk=page.pk).exists()


def test_wagtail_compares_draft_revisions_in_the_admin(editor_client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page)
    draft = PolicyPage.objects.get(pk=page.pk)
    draft.body = [("paragraph", "<p>Draft wording</p>")]
    draft.save_revision()
    response = editor_client.get(f"/admin/pages/{page.pk}/revisions/compare/live...latest/")
    assert response.status_code == 200
    assert "Draft wording" in response.content.decode()
