"""`load_initial_data` and `demo_editor`: the two commands `make run` calls before serving, and
the demo packages the first one orders."""

import ast
import io
import json
from importlib.resources import files

import pytest
from cookie_consent.models import Cookie
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Site

from legal.consent import STATE_COOKIE, cookie_name
from legal.demo import read_data
from legal.models import ImpressumPage, PolicyPage, PolicyVersion, ThirdPartyService
from newsletter.models import NewsletterSettings
from website.models import ContactPage, HomePage, SiteSettings, StandardPage

pytestmark = pytest.mark.django_db


def settings_for(site):
    return SiteSettings.for_site(site)


def run(command: str) -> str:
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_load_initial_data_builds_the_demo_site():
    run("load_initial_data")
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    assert home.live and home.hero_heading and home.about_body and len(home.links) == 3
    slugs = set(home.get_children().live().values_list("slug", flat=True))
    assert isinstance(settings_for(site).privacy_policy_page.specific, PolicyPage)
    assert {
        "about",
        "contact",
        "newsletter",
        "starter-guide",
        "privacy",
        "cookies",
        "impressum",
    } <= slugs
    settings = SiteSettings.for_site(site)
    assert settings.creator_name == "Ilka Sommer"
    assert settings.privacy_policy_page.slug == "privacy"
    # Wagtail's welcome page is gone.
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail").exists()


def test_load_initial_data_is_safe_to_run_twice():
    run("load_initial_data")
    counts = (Page.objects.count(), StandardPage.objects.count(), ContactPage.objects.count())
    output = run("load_initial_data")
    assert (
        Page.objects.count(),
        StandardPage.objects.count(),
        ContactPage.objects.count(),
    ) == counts
    assert "created" not in output


def test_load_initial_data_keeps_an_editors_changes():
    run("load_initial_data")
    home = HomePage.objects.get()
    home.hero_heading = "Edited by the owner"
    home.save_revision().publish()
    run("load_initial_data")
    assert HomePage.objects.get().hero_heading == "Edited by the owner"


def test_demo_editor_creates_a_superuser_once_and_prints_working_credentials(settings):
    first = run("demo_editor")
    password = json.loads((settings.VAR_DIR / "demo-editor.json").read_text())["password"]
    assert f"Password: {password}" in first
    assert "/admin/" in first
    user = get_user_model().objects.get(username="editor")
    assert user.is_superuser and user.check_password(password)
    second = run("demo_editor")
    assert f"Password: {password}" in second
    assert get_user_model().objects.count() == 1


def test_demo_editor_does_not_print_a_password_that_was_changed():
    run("demo_editor")
    user = get_user_model().objects.get(username="editor")
    user.set_password("a-new-password-of-my-own")
    user.save()
    output = run("demo_editor")
    assert "a-new-password" not in output
    assert "changepassword editor" in output


def test_admin_login_works_with_the_printed_credentials(client, settings):
    run("load_initial_data")
    run("demo_editor")
    password = json.loads((settings.VAR_DIR / "demo-editor.json").read_text())["password"]
    response = client.post("/admin/login/", {"username": "editor", "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_demo_legal_pages_have_their_versions_services_and_workflow():
    from cookie_consent.models import CookieGroup
    from wagtail.models import WorkflowPage

    run("load_initial_data")
    privacy = PolicyPage.objects.get(slug="privacy")
    versions = list(privacy.versions.order_by("pk"))
    assert [v.version_label for v in versions] == ["1.0", "2.0"]
    assert versions[1].is_material_change and versions[1].change_summary
    assert "Mailchimp" in versions[1].html and "Margin Notes" not in versions[0].html
    assert PolicyPage.objects.get(slug="cookies").versions.count() == 1
    impressum = ImpressumPage.objects.get()
    assert impressum.mandatory_field_errors() == {}
    assert impressum.versions.count() == 1
    assert set(ThirdPartyService.objects.values_list("name", flat=True)) == {
        "Mailchimp",
        "Google reCAPTCHA",
        "Google Analytics 4",
        "Google Tag Manager",
        "Meta Pixel",
    }
    assert set(CookieGroup.objects.values_list("varname", flat=True)) >= {
        "necessary",
        "statistics",
        "marketing",
    }
    workflow_pages = WorkflowPage.objects.filter(workflow__name="Legal review")
    assert workflow_pages.count() == 3
    assert PolicyVersion.objects.in_force("privacy").version_label == "2.0"


def test_load_initial_data_replaces_an_older_demos_legal_placeholders(home_page):
    from tests.site.factories import StandardPageFactory

    StandardPageFactory(parent=home_page, slug="privacy", title="Privacy policy")
    run("load_initial_data")
    assert PolicyPage.objects.filter(slug="privacy").exists()
    assert not StandardPage.objects.filter(slug="privacy").exists()


# --- The demo packages: each app's content is data next to its builders ------------------------

DEMO_PACKAGES = {
    # package: the apps its modules may import (its own and those below it)
    "legal.demo": {"legal"},
    "newsletter.demo": {"legal", "newsletter"},
    "leadmagnets.demo": {"legal", "newsletter", "leadmagnets"},
    "website.demo": {"legal", "newsletter", "leadmagnets", "website"},
}
APPS = {"legal", "newsletter", "leadmagnets", "website"}


def blocks_of(stream) -> list[dict]:
    """A stream field's blocks as the data files write them: {type, value}, no block ids."""
    return [{"type": block["type"], "value": block["value"]} for block in stream.get_prep_value()]


def policy_versions(name: str) -> list[list[dict]]:
    data = read_data("legal.demo", f"{name}.toml")
    return [
        [block for section in version["sections"] for block in data["sections"][section]]
        for version in data["versions"]
    ]


def test_every_block_in_the_data_files_is_built(demo_site):
    # Stream data goes in as written, and Wagtail silently drops blocks of a type the field
    # does not know: a misspelt type in a data file would lose its block without an error.
    site_data = read_data("website.demo", "content.toml")
    home = demo_site.root_page
    assert blocks_of(StandardPage.objects.get(slug="about").body) == site_data["about"]["body"]
    for placeholder in site_data["placeholders"]:
        page = StandardPage.objects.child_of(home).get(slug=placeholder["slug"])
        assert blocks_of(page.body) == placeholder["body"]
    privacy = PolicyPage.objects.get(slug="privacy")
    published = [r.as_object().body for r in privacy.revisions.order_by("created_at", "pk")]
    assert [blocks_of(body) for body in published] == policy_versions("privacy_policy")
    cookies = PolicyPage.objects.get(slug="cookies")
    assert [blocks_of(cookies.body)] == policy_versions("cookie_policy")
    footer = NewsletterSettings.for_site(demo_site).footer_signup
    assert blocks_of(footer) == read_data("newsletter.demo", "content.toml")["footer_signup"]


def test_consent_cookie_names_are_taken_when_the_demo_is_built(settings):
    # Production stores consent cookies as `__Host-…`; the names follow the settings in force
    # when the demo is loaded, not those of whoever imported the builders first.
    settings.COOKIE_CONSENT_SECURE = True
    run("load_initial_data")
    names = set(
        Cookie.objects.filter(cookiegroup__varname="necessary").values_list("name", flat=True)
    )
    assert {cookie_name(STATE_COOKIE), cookie_name(settings.COOKIE_CONSENT_NAME)} <= names
    assert all(name.startswith("__Host-") for name in names - {"csrftoken", "sessionid"})


@pytest.mark.parametrize("package", DEMO_PACKAGES)
def test_demo_packages_import_only_their_app_and_those_below_it(package):
    """The layering (leadmagnets → newsletter → legal, website above all), with every import at
    module level, so a builder's dependencies are visible at the top of its module."""
    for path in files(package).iterdir():
        if path.name.endswith(".py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module_level = set(tree.body)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    assert node in module_level, f"{path.name}:{node.lineno} imports in a function"
                    if isinstance(node, ast.ImportFrom) and node.level:
                        continue  # relative: its own app
                    names = (
                        [alias.name for alias in node.names]
                        if isinstance(node, ast.Import)
                        else [node.module]
                    )
                    apps = {name.split(".")[0] for name in names} & APPS
                    assert apps <= DEMO_PACKAGES[package], f"{path.name}:{node.lineno}"
