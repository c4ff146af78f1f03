"""Editors in Chromium: the edit forms fit a 1280 px screen, and a lead magnet's public
resource is refused with a fix that works in one click."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection

from leadmagnets.models import LeadMagnetPage
from leadmagnets.resources import is_private, private_collection
from legal.models import ImpressumPage, PolicyPage, ThirdPartyService

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every visible drop-down of the form, with the column (field wrapper) it sits in.
SELECTS = """() => Array.from(document.querySelectorAll("main form select"))
  .filter((select) => select.offsetParent !== null)
  .map((select) => {
    const own = select.getBoundingClientRect();
    const column = (select.closest(".w-field__wrapper") || select.parentElement)
      .getBoundingClientRect();
    return {name: select.name, left: own.left, right: own.right,
            columnLeft: column.left, columnRight: column.right};
  })"""


@pytest.fixture
def editor(browser, site_url):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    context = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def publish(page):
    """The footer's Publish, in the drop-down next to "Save draft" on a live page."""
    footer = page.locator("footer .w-dropdown-button")
    footer.locator(".w-dropdown__toggle").click()
    footer.locator('button[name="action-publish"]').click()
    page.wait_for_load_state("networkidle")


def test_no_drop_down_is_wider_than_its_column_at_1280_px(editor):
    service = ThirdPartyService.objects.get(name="Google Analytics 4")
    forms = {
        "service": f"/admin/snippets/legal/thirdpartyservice/edit/{service.pk}/",
        "policy": f"/admin/pages/{PolicyPage.objects.get(slug='privacy').pk}/edit/",
        "impressum": f"/admin/pages/{ImpressumPage.objects.get().pk}/edit/",
    }
    measured = set()
    for form, url in forms.items():
        editor.goto(url)
        editor.wait_for_load_state("networkidle")
        selects = editor.evaluate(SELECTS)
        assert selects, f"no drop-down found in the {form} form"
        for select in selects:
            measured.add(select["name"])
            assert select["left"] >= select["columnLeft"] - 0.5, (form, select)
            assert select["right"] <= select["columnRight"] + 0.5, (form, select)
        width = editor.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 1280, f"the {form} form scrolls sideways ({width} px)"
    # The long choices of the registry and the impressum were the ones that overflowed.
    assert {"legal_basis", "transfer_safeguard", "service_type", "legal_form"} <= measured


def test_a_public_resource_is_refused_and_moved_in_one_click(editor):
    guide = LeadMagnetPage.objects.get(slug="starter-guide")
    document = Document(title="Public checklist", collection=Collection.get_first_root_node())
    document.file.save("checklist.txt", ContentFile(b"CHECKLIST"), save=False)
    document.save()

    editor.goto(f"/admin/pages/{guide.pk}/edit/")
    field = editor.locator('[data-contentpath="resource"]')
    field.get_by_role("button", name="Actions").click()
    editor.get_by_role("button", name="Choose another document").click()
    modal = editor.locator(".modal-dialog")
    # The upload form starts in the private collection.
    modal.get_by_role("tab", name="Upload").click()
    upload_collection = modal.locator('select[name="document-chooser-upload-collection"]')
    assert upload_collection.input_value() == str(private_collection().pk)
    modal.get_by_role("tab", name="Search").click()
    modal.get_by_role("link", name="Public checklist").click()
    modal.wait_for(state="hidden")

    publish(editor)
    error = field.locator(".w-field__errors")
    assert "“Public checklist” is in the public collection “Root”" in error.inner_text()
    assert guide.get_latest_revision_as_object().resource_id != document.pk

    error.get_by_role("button", name="Move it to the private collection").click()
    editor.wait_for_load_state("networkidle")
    assert editor.url.endswith(f"/admin/pages/{guide.pk}/edit/")
    assert "moved to the private collection" in editor.locator(".messages").inner_text()
    assert field.locator(".error-message").count() == 0
    document.refresh_from_db()
    assert is_private(document.collection)
    # Saved as a draft with it; publishing now goes through.
    publish(editor)
    guide.refresh_from_db()
    assert guide.resource_id == document.pk
