"""The admin's main menu as the sidebar renders it: grouped, in order, and only what the
editor may open."""

import json

import lxml.html
import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission

from tests.legal.factories import ImpressumPageFactory, PolicyPageFactory

pytestmark = pytest.mark.django_db

TOP_LEVEL = [
    "Pages",
    "Legal & privacy",
    "Newsletter",
    "Images",
    "Documents",
    "Reports",
    "Settings",
    "Help",
]
LEGAL_AND_PRIVACY = [
    ("Legal pages", "/admin/legal-pages/"),
    ("Third-party services", "/admin/snippets/legal/thirdpartyservice/"),
    ("Cookie categories", "/admin/snippets/cookie_consent/cookiegroup/"),
    ("Cookies", "/admin/snippets/cookie_consent/cookie/"),
    ("Consent records", "/admin/consent-records/"),
    ("Privacy requests", "/admin/newsletter/privacy/"),
]
NEWSLETTER = [
    ("Contacts", "/admin/newsletter/sync/"),
    ("Topics", "/admin/snippets/newsletter/newslettertopic/"),
    ("Settings", "/admin/settings/newsletter/newslettersettings/"),
    ("Mail sender and texts", "/admin/settings/newsletter/mailsettings/"),
    ("Policy change mails", "/admin/newsletter/policy-changes/"),
]


def unpack(value):
    """Wagtail's telepath-packed sidebar as plain data: {"type", "label", "url", "items"}."""
    if isinstance(value, list):
        return [unpack(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "_list" in value:
        return unpack(value["_list"])
    if "_dict" in value:
        return {key: unpack(item) for key, item in value["_dict"].items()}
    if "_val" in value:
        return value["_val"]
    if "_type" in value:
        args = unpack(value.get("_args", []))
        item = {"type": value["_type"], **(args[0] if args and isinstance(args[0], dict) else {})}
        if value["_type"].endswith("SubMenuItem"):
            item["items"] = args[1]
        return item
    return {key: unpack(item) for key, item in value.items()}


def main_menu(client) -> list[dict]:
    """The top-level items of the sidebar's main menu on the dashboard."""
    response = client.get("/admin/")
    assert response.status_code == 200
    script = lxml.html.fromstring(response.content).get_element_by_id("wagtail-sidebar-props")
    modules = json.loads(script.text)["modules"]
    (menu,) = [m for m in modules if m["_type"] == "wagtail.sidebar.MainMenuModule"]
    # MainMenuModule(menu_items, account_menu_items, user): the first argument is the menu.
    return unpack(menu["_args"][0])


def labels(items) -> list[str]:
    return [item["label"] for item in items]


def submenu(items, label) -> list[tuple[str, str]]:
    (group,) = [item for item in items if item["label"] == label]
    return [(item["label"], item["url"]) for item in group["items"]]


@pytest.fixture
def superuser(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


@pytest.fixture
def page_editor(client, django_user_model, home_page):
    """An editor of the site's pages, like the demo's "Legal" group: nothing else."""
    group = Group.objects.create(name="Page editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=home_page, permission=Permission.objects.get(codename=codename)
        )
    user = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    user.groups.add(group)
    client.force_login(user)
    return user


def test_the_main_menu_is_grouped_and_in_order(superuser, home_page):
    items = main_menu(superuser)
    # Before: 13 flat items here (14 with the demo's contact form, which adds "Forms").
    assert labels(items) == TOP_LEVEL
    assert submenu(items, "Legal & privacy") == LEGAL_AND_PRIVACY
    assert submenu(items, "Newsletter") == NEWSLETTER
    assert ("Consent rates", "/admin/consent-report/") in submenu(items, "Reports")


def test_every_menu_item_opens(superuser, home_page):
    for _label, url in [*LEGAL_AND_PRIVACY, *NEWSLETTER]:
        response = superuser.get(url, follow=True)
        assert response.status_code == 200, url


def test_the_legal_pages_shortcut_lists_only_legal_pages_with_their_kind(superuser, home_page):
    PolicyPageFactory(parent=home_page, slug="privacy", title="Privacy policy")
    PolicyPageFactory(parent=home_page, slug="cookies", title="Cookie policy", kind="cookies")
    ImpressumPageFactory(parent=home_page)
    response = superuser.get("/admin/legal-pages/")
    assert response.status_code == 200
    rows = lxml.html.fromstring(response.content).xpath(
        "//table[contains(@class, 'listing')]/tbody/tr"
    )
    cells = [" ".join(" ".join(row.itertext()).split()) for row in rows]
    assert len(cells) == 3  # the home page and other pages are not listed
    for title, kind in [
        ("Privacy policy", "Privacy policy"),
        ("Cookie policy", "Cookie policy"),
        ("Impressum", "Impressum"),
    ]:
        assert any(title in cell and cell.endswith(kind) for cell in cells), (title, cells)
    # New legal pages are added in the page tree, where the page-type rules apply.
    assert superuser.get("/admin/legal-pages/choose_parent/").status_code == 404


def test_an_editor_sees_only_the_items_they_may_open(client, page_editor):
    items = main_menu(client)
    assert "Newsletter" not in labels(items)
    assert submenu(items, "Legal & privacy") == [("Legal pages", "/admin/legal-pages/")]
    assert client.get("/admin/legal-pages/").status_code == 200

    page_editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="newsletter", codename="view_contact"),
        Permission.objects.get(content_type__app_label="legal", codename="view_consentrecord"),
    )
    items = main_menu(client)
    assert submenu(items, "Legal & privacy") == [
        ("Legal pages", "/admin/legal-pages/"),
        ("Consent records", "/admin/consent-records/"),
        ("Privacy requests", "/admin/newsletter/privacy/"),
    ]
    assert submenu(items, "Newsletter") == [("Contacts", "/admin/newsletter/sync/")]


def test_an_editor_without_page_permissions_has_no_legal_pages_shortcut(
    client, django_user_model, home_page
):
    user = django_user_model.objects.create_user("reader", "reader@example.com", "pw")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(content_type__app_label="legal", codename="view_consentrecord"),
    )
    client.force_login(user)
    items = main_menu(client)
    assert submenu(items, "Legal & privacy") == [("Consent records", "/admin/consent-records/")]
