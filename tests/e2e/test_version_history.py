"""An editor moves a business's policy history into the demo, in Chromium, in the admin only:
withdraws the demo's versions with a reason, imports the business's V2.4.2 (pasted) and
V2.4.3 (uploaded) with their past dates, and finds them in the public archive."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect
from wagtail.models import GroupPagePermission, PageLogEntry, Site

from legal.models import PolicyPage, PolicyVersion
from tests.browser import PASTE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

V2_4_3 = b"""<html><head><title>Privacy policy V2.4.3</title><script>alert(1)</script></head>
<body><h1>Privacy policy</h1><p>We, the creator platform, process your data.</p>
<h2>Processors</h2><ul><li>Stripe</li><li>Mailchimp</li></ul></body></html>"""


@pytest.fixture
def editor(browser, site_url, tmp_path):
    """A member of an editors' group who may edit and publish the site's pages: no
    superuser."""
    group = Group.objects.create(name="Site editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    home = Site.objects.get(is_default_site=True).root_page
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=codename)
        )
    user = get_user_model().objects.create_user("ed", "ed@example.com", "pw")
    user.groups.add(group)
    context = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", "pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def withdraw(page, label, reason):
    page.get_by_role("link", name=f"Withdraw {label}", exact=True).click()
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name=f"Withdraw {label}").click()
    page.wait_for_url("**/legal-versions/*/")


def fill_dates_and_label(page, label, effective):
    page.get_by_label("Version label").fill(label)
    page.get_by_label("In force from").fill(effective)
    page.keyboard.press("Escape")  # closes the date picker


def test_editor_withdraws_demo_versions_and_imports_the_real_history(editor, tmp_path):
    privacy = PolicyPage.objects.get(slug="privacy")
    assert sorted(v.version_label for v in privacy.versions.all()) == ["1.0", "2.0"]

    # Clicks, counted as an editor makes them (a field filled is one click into it):
    # to the versions: Legal & privacy, Legal pages, the row's "More options", Versions (4);
    # each withdrawal: Withdraw, the reason field, the confirmation button (3 x 2 = 6);
    # V2.4.2 pasted: Import an earlier version, label, date, published on, text, Import (6);
    # V2.4.3 uploaded: "Import another" in the message, label, date, choose file, Import (5).
    # 21 clicks in all.
    editor.get_by_role("button", name="Legal & privacy").click()
    editor.get_by_role("link", name="Legal pages").click()
    editor.get_by_role("button", name="More options for 'Privacy policy'").click()
    editor.get_by_role("link", name="Versions", exact=True).click()
    editor.wait_for_url(f"**/admin/legal-versions/{privacy.pk}/")

    withdraw(editor, "2.0", "Demo content.")
    assert "2.0 withdrawn from the public archive." in editor.locator(".messages").inner_text()
    withdraw(editor, "1.0", "Demo content.")

    editor.get_by_role("link", name="Import an earlier version").click()
    fill_dates_and_label(editor, "V2.4.2", "2024-03-01")
    editor.get_by_label("Published on").fill("2024-02-15")
    editor.keyboard.press("Escape")
    text = editor.locator(".Draftail-Editor [contenteditable=true]")
    text.wait_for()
    editor.evaluate(
        PASTE,
        "<h1>Privacy policy</h1><p>We process <b>as little</b> as we can.</p>"
        '<p onclick="alert(1)">Contact: <a href="mailto:privacy@example.com">privacy@</a></p>',
    )
    expect(text).to_contain_text("We process as little as we can.")
    # Draftail writes the text into the form a moment after the change (its save interval).
    expect(editor.locator("input[name=text]")).to_have_value(re.compile("as little"))
    editor.get_by_role("button", name="Import", exact=True).click()
    editor.wait_for_url(f"**/admin/legal-versions/{privacy.pk}/")
    assert "V2.4.2 imported, in force from 2024-03-01." in (
        editor.locator(".messages").inner_text()
    )

    upload = tmp_path / "privacy-v2.4.3.html"
    upload.write_bytes(V2_4_3)
    editor.get_by_role("link", name="Import another").click()
    fill_dates_and_label(editor, "V2.4.3", "2025-05-01")
    editor.get_by_label("Or upload the text").set_input_files(upload)
    editor.get_by_role("button", name="Import", exact=True).click()
    editor.wait_for_url(f"**/admin/legal-versions/{privacy.pk}/")

    # The admin lists all four: two imported, two withdrawn with the reason.
    rows = editor.locator("table.listing tbody tr")
    assert rows.count() == 4
    assert editor.locator("tr.legal-version--withdrawn").count() == 2
    assert editor.locator("tr.legal-version--withdrawn", has_text="Demo content.").count() == 2

    versions = {v.version_label: v for v in privacy.versions.all()}
    assert versions["V2.4.2"].imported and versions["V2.4.3"].imported
    assert versions["V2.4.2"].effective_date == datetime.date(2024, 3, 1)
    assert "<b>as little</b>" in versions["V2.4.2"].html
    assert "onclick" not in versions["V2.4.2"].html
    assert "<script" not in versions["V2.4.3"].html and "<li>Stripe</li>" in versions["V2.4.3"].html
    actions = PageLogEntry.objects.filter(page=privacy).values_list("action", flat=True)
    assert sorted(a for a in actions if a.startswith("legal.")) == [
        *["legal.version.import"] * 2,
        *["legal.version.withdraw"] * 2,
    ]
    assert PolicyVersion.objects.in_force("privacy").version_label == "V2.4.3"

    # The public archive: the business's history only, marked imported, with its dates.
    editor.goto("/privacy/versions/")
    items = editor.locator(".version-list__item")
    assert items.count() == 2
    assert items.nth(0).locator("h2 a").inner_text() == "V2.4.3"
    assert "imported" in items.nth(0).inner_text() and "1 May 2025" in items.nth(0).inner_text()
    assert "published 15 February 2024" in items.nth(1).inner_text()
    assert editor.goto("/privacy/versions/2.0/").status == 410
    editor.goto("/privacy/")
    assert "V2.4.3 · last updated 1 May 2025" in editor.locator(".legal__meta").inner_text()
