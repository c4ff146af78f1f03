"""`load_initial_data` and `demo_editor`: the two commands `make run` calls before serving."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Site

from website.models import ContactPage, HomePage, SiteSettings, StandardPage

pytestmark = pytest.mark.django_db


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
