"""Texts that cannot go stale: the banner's dialog names each category's services from the
registry, and the admin's cookie list credits every cookie to the service that sets it now."""

import json
import re
import tomllib
from pathlib import Path

import pytest
from cookie_consent.models import Cookie, CookieGroup

from legal.consent import banner_config, script_config, sync_service_cookies
from legal.models import ConsentRecord, ServiceCookie, ThirdPartyService

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
COOKIES_URL = "/admin/snippets/cookie_consent/cookie/"


def category_section(html: str, key: str) -> str:
    """The dialog's fieldset of category `key`."""
    found = re.search(
        rf'<fieldset class="cc-category">\s*<legend[^>]*><label><input[^>]*value="{key}"'
        r".*?</fieldset>",
        html,
        re.S,
    )
    assert found, f"no category {key} in the dialog"
    return found.group(0)


def dialog(client) -> str:
    html = client.get("/").content.decode()
    return re.search(r'<dialog class="cc-dialog".*?</dialog>', html, re.S).group(0)


def publish(service: ThirdPartyService) -> None:
    """Put the service's change live the way the admin does: through a revision."""
    service.save_revision().publish()


def test_the_demo_category_descriptions_name_no_services():
    groups = tomllib.loads((ROOT / "legal/demo/cookie_groups.toml").read_text())["groups"]
    services = tomllib.loads((ROOT / "legal/demo/services.toml").read_text())["services"]
    for group in groups:
        for service in services:
            assert service["name"] not in group["description"]


def test_the_dialog_lists_each_categorys_services_with_their_privacy_policies(client, demo_site):
    html = dialog(client)
    marketing = category_section(html, "marketing")
    assert "Measure ads and show relevant ones elsewhere." in marketing
    for name in ("Google Tag Manager", "Meta Pixel"):
        service = ThirdPartyService.objects.get(name=name)
        assert f"> {name}</label>" in marketing
        assert f'href="{service.privacy_policy_url}"' in marketing
        assert f'aria-label="Privacy policy of {name} (opens in a new tab)"' in marketing
    assert "Google Analytics 4" not in marketing
    assert "Google Analytics 4</label>" in category_section(html, "statistics")
    # A category nothing uses says so, rather than an editor's "none are used yet".
    assert "No service uses this category at the moment." in category_section(html, "preferences")
    # The necessary category is the registry's too, with its own description.
    necessary = CookieGroup.objects.get(is_required=True)
    assert necessary.description in html


def test_a_moved_service_is_listed_under_its_new_category(client, demo_site):
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    pixel.cookie_group = CookieGroup.objects.get(varname="statistics")
    publish(pixel)
    html = dialog(client)
    assert "Meta Pixel" not in category_section(html, "marketing")
    assert "Meta Pixel</label>" in category_section(html, "statistics")


def test_a_service_without_a_privacy_policy_address_is_listed_without_a_link(client, demo_site):
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    pixel.privacy_policy_url = ""
    publish(pixel)
    marketing = category_section(dialog(client), "marketing")
    assert "Meta Pixel</label>" in marketing
    assert "Privacy policy of Meta Pixel" not in marketing


def test_service_names_are_escaped_in_the_dialog(client, demo_site):
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    pixel.name = 'Pixel <b onmouseover="x">'
    publish(pixel)
    marketing = category_section(dialog(client), "marketing")
    assert "<b onmouseover" not in marketing
    assert "Pixel &lt;b onmouseover=&quot;x&quot;&gt;" in marketing


def test_the_page_embeds_only_what_the_script_reads(client, demo_site):
    html = client.get("/").content.decode()
    embedded = json.loads(re.search(r'id="cc-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert embedded == json.loads(json.dumps(script_config(banner_config())))
    assert "necessary" not in embedded
    assert all("services" not in category for category in embedded["categories"])
    assert "policies.google.com" not in json.dumps(embedded)


def test_the_no_script_settings_page_lists_the_same_services(client, demo_site):
    html = client.get("/consent/").content.decode()
    assert "Google Tag Manager</label>" in category_section(html, "marketing")
    assert "Google Analytics 4</label>" in category_section(html, "statistics")


def test_the_proof_of_the_text_covers_the_services_named(demo_site):
    before = banner_config()["textHash"]
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    pixel.name = "Meta Pixel (Facebook)"
    publish(pixel)
    assert banner_config()["textHash"] != before


# --- The admin's cookie list ---------------------------------------------------------------


def rows(name: str) -> list[tuple[str, str]]:
    return sorted(
        Cookie.objects.filter(name=name).values_list("cookiegroup__varname", "description")
    )


def test_a_service_moving_category_takes_its_cookies_along(demo_site):
    analytics = ThirdPartyService.objects.get(name="Google Analytics 4")
    own = set(Cookie.objects.filter(cookiegroup__is_required=True).values_list("pk", "name"))
    assert [group for group, _ in rows("_ga")] == ["statistics"]
    analytics.cookie_group = CookieGroup.objects.get(varname="marketing")
    publish(analytics)
    assert [group for group, _ in rows("_ga")] == ["marketing"]
    assert [group for group, _ in rows("_ga_*")] == ["marketing"]
    assert rows("_ga")[0][1].startswith("Google Analytics 4: ")
    # The site's own cookies, declared on their category, are left alone.
    assert set(Cookie.objects.filter(cookiegroup__is_required=True).values_list("pk", "name")) == (
        own
    )


def test_a_cookie_moving_to_another_service_is_credited_to_it_alone(demo_site):
    manager = ThirdPartyService.objects.get(name="Google Tag Manager")
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    moved = manager.cookies.get(name="_gcl_au")
    # Added to the pixel first, then removed from the manager: both declare it for a while.
    pixel.cookies.add(
        ServiceCookie(name="_gcl_au", lifetime="90 days", purpose="Ad click conversions.")
    )
    publish(pixel)
    assert rows("_gcl_au") == [
        (
            "marketing",
            f"Google Tag Manager: {moved.purpose} ({moved.lifetime}); "
            "Meta Pixel: Ad click conversions. (90 days)",
        )
    ]
    manager.cookies.remove(moved)
    publish(manager)
    assert rows("_gcl_au") == [("marketing", "Meta Pixel: Ad click conversions. (90 days)")]


def test_a_renamed_service_is_named_in_its_cookie_rows(demo_site):
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    pixel.name = "Meta Pixel (Facebook)"
    publish(pixel)
    assert rows("_fbp")[0][1].startswith("Meta Pixel (Facebook): ")


def test_a_deleted_service_leaves_no_cookie_rows(demo_site):
    ThirdPartyService.objects.get(name="Meta Pixel").delete()
    assert rows("_fbp") == []


def test_a_draft_service_puts_no_cookie_rows_in_the_list(demo_site):
    draft = ThirdPartyService(
        name="Heatmaps",
        provider="Heat Ltd",
        purpose="Heatmaps.",
        data_categories="Clicks",
        legal_basis="a",
        location="EU",
        retention="1 month",
        live=False,
        cookie_group=CookieGroup.objects.get(varname="statistics"),
    )
    draft.cookies = [ServiceCookie(name="_hm", lifetime="1 day", purpose="Heatmap session.")]
    draft.save()
    sync_service_cookies()
    assert rows("_hm") == []


def column_headings(html: str) -> list[str]:
    """The listing's column headings as an editor reads them."""
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", heading)).strip()
        for heading in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
    ]


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_the_admin_cookie_list_shows_the_service_that_sets_each_cookie_now(editor, demo_site):
    manager = ThirdPartyService.objects.get(name="Google Tag Manager")
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    moved = manager.cookies.get(name="_gcl_au")
    manager.cookies.remove(moved)
    publish(manager)
    pixel.cookies.add(ServiceCookie(name="_gcl_au", lifetime="90 days", purpose="Conversions."))
    publish(pixel)
    html = editor.get(COOKIES_URL).content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*_gcl_au.*?</tr>", html, re.S).group(0)
    assert "Meta Pixel" in row
    assert "Google Tag Manager" not in row
    assert {"Cookie category", "Set by"} <= set(column_headings(html))
    csrf = re.search(r"<tr[^>]*>(?:(?!</tr>).)*csrftoken.*?</tr>", html, re.S).group(0)
    assert "This site" in csrf


# --- "cookie category" everywhere in the admin ----------------------------------------------


def test_the_admin_says_cookie_category_not_cookie_group(editor, demo_site):
    service = ThirdPartyService.objects.get(name="Google Analytics 4")
    pages = [
        "/admin/snippets/cookie_consent/cookiegroup/",
        "/admin/snippets/cookie_consent/cookiegroup/add/",
        f"/admin/snippets/legal/thirdpartyservice/edit/{service.pk}/",
        COOKIES_URL,
        "/admin/snippets/cookie_consent/cookie/add/",
    ]
    for url in pages:
        html = editor.get(url).content.decode()
        assert "Cookie Group" not in html, url
        assert "cookie group" not in html.lower(), url
    assert "Add cookie category" in editor.get(pages[0]).content.decode()
    service_form = editor.get(pages[2]).content.decode()
    assert "Choose cookie category" in service_form
    ConsentRecord.objects.create(
        consent_id="a1", method="banner", choices={"groups": {"marketing": True}}
    )
    assert "Accepted categories" in column_headings(
        editor.get("/admin/consent-records/").content.decode()
    )
    chooser = editor.get("/admin/snippets/choose/cookie_consent/cookiegroup/").json()["html"]
    assert "cookie category" in chooser.lower()
    assert "cookie group" not in chooser.lower()


def test_the_services_list_heads_the_legal_basis_column_legal_basis(editor, demo_site):
    html = editor.get("/admin/snippets/legal/thirdpartyservice/").content.decode()
    headings = column_headings(html)
    assert "Legal basis" in headings, headings
    assert not any("method" in heading.lower() for heading in headings), headings
    assert "Consent (GDPR Art. 6(1)(a))" in html
