"""Brand settings and footer links: colours only as strict hex pairs with WCAG AA contrast
(refused with the ratio shown), served to pages as /brand.css custom properties; the logo in
the header with the site's name as its text alternative; the Terms of Service link and the
editor's extra footer links, with their labels escaped and only web addresses accepted."""

import pytest
import wagtail_factories
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import Site

from tests.site.factories import StandardPageFactory
from website import brand
from website.models import BrandSettings, SiteSettings

pytestmark = pytest.mark.django_db

HOSTILE_COLOURS = [
    "red",
    "#fff;}",
    "#ffffff;}body{display:none}",
    "#12345g",
    "#1234567",
    "#ffff",
    "1f4f46",
    "#fff\n",
    "javascript:",
    "</style>",
    "#fff)",
]


# --- Contrast -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#1f4f46", "#ffffff", 9.27),  # the site's own pair
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
    ],
)
def test_the_contrast_ratio_is_wcags(first, second, ratio):
    assert brand.contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert brand.contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


def test_a_ratio_just_below_the_line_never_reads_as_passing():
    assert brand.contrast_error("#777777", "#ffffff") == (
        "Contrast 4.4:1 is below the 4.5:1 WCAG AA needs for text; pick a darker or lighter colour."
    )
    assert brand.contrast_error("#767676", "#ffffff") is None


def test_hover_moves_away_from_the_text_colour():
    for background, text in [("#1f4f46", "#ffffff"), ("#ffd166", "#1d1d1b")]:
        hover = brand.hover_colour(background, text)
        assert brand.contrast_ratio(hover, text) > brand.contrast_ratio(background, text)


# --- The settings form --------------------------------------------------------------------------


@pytest.fixture
def admin(client, django_user_model, home_page):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def save_brand(admin, **fields):
    site = Site.objects.get(is_default_site=True)
    data = {"logo": "", "primary_colour": "", "primary_text_colour": ""} | fields
    return admin.post(
        reverse("wagtailsettings:edit", args=["website", "brandsettings", site.pk]), data
    )


def form_errors(response) -> dict:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def test_a_pair_below_aa_is_refused_with_its_ratio(admin):
    response = save_brand(admin, primary_colour="#ffd166", primary_text_colour="#ffffff")
    assert response.status_code == 200
    assert form_errors(response) == {
        "primary_text_colour": [
            "Contrast 1.4:1 is below the 4.5:1 WCAG AA needs for text; pick a darker or "
            "lighter colour."
        ]
    }
    assert BrandSettings.for_site(Site.objects.get(is_default_site=True)).primary_colour == ""


def test_a_colour_against_the_sites_own_text_colour_is_checked_too(admin):
    response = save_brand(admin, primary_colour="#9ad1c5")
    assert form_errors(response)["primary_colour"][0].startswith("Contrast 1.7:1 is below")


@pytest.mark.parametrize("value", HOSTILE_COLOURS)
def test_the_colour_check_takes_only_hex(value):
    with pytest.raises(ValidationError) as refused:
        brand.validate_hex_colour(value)
    assert refused.value.messages == [brand.HEX_MESSAGE]


@pytest.mark.parametrize("value", [value for value in HOSTILE_COLOURS if value.strip() == value])
def test_anything_but_a_hex_colour_is_a_form_error(admin, value):
    response = save_brand(admin, primary_colour=value, primary_text_colour="#ffffff")
    assert response.status_code == 200
    [message] = form_errors(response)["primary_colour"]
    # Too long for any colour, or not one.
    assert message == brand.HEX_MESSAGE or message.startswith("Ensure this value has at most 7")
    assert BrandSettings.for_site(Site.objects.get(is_default_site=True)).primary_colour == ""


def test_a_good_pair_is_saved_lower_case_and_in_full(admin):
    response = save_brand(admin, primary_colour="#7A1F5C", primary_text_colour="#FFF")
    assert response.status_code == 302
    saved = BrandSettings.for_site(Site.objects.get(is_default_site=True))
    assert (saved.primary_colour, saved.primary_text_colour) == ("#7a1f5c", "#ffffff")


# --- /brand.css and the pages -------------------------------------------------------------------


def set_brand(**fields) -> BrandSettings:
    settings = BrandSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings


def test_without_brand_colours_no_stylesheet_is_loaded(client, home_page):
    html = client.get("/").content.decode()
    assert "brand.css" not in html
    assert client.get("/brand.css").content == b""


def test_the_brand_colours_reach_every_page_as_custom_properties(client, home_page):
    settings = set_brand(primary_colour="#7a1f5c", primary_text_colour="#ffffff")
    version = settings.stylesheet_version()
    html = client.get("/").content.decode()
    assert f'<link rel="stylesheet" href="/brand.css?v={version}">' in html
    response = client.get(f"/brand.css?v={version}")
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    css = response.content.decode()
    assert css == (
        ":root{--brand:#7a1f5c;--brand-ink:#ffffff;--brand-hover:#62194a;--accent:#7a1f5c;}\n"
    )
    # An old or missing digest gets the current colours, but only briefly.
    stale = client.get("/brand.css?v=0000")
    assert stale.content.decode() == css and "max-age=60" in stale["Cache-Control"]


def test_a_light_brand_colour_fills_buttons_but_links_keep_a_readable_colour(client, home_page):
    set_brand(primary_colour="#ffd166", primary_text_colour="#1d1d1b")
    css = client.get("/brand.css").content.decode()
    assert "--brand:#ffd166;--brand-ink:#1d1d1b;" in css
    assert "--accent" not in css  # yellow links on white would be unreadable


def test_a_stored_value_that_is_not_hex_never_reaches_the_stylesheet(client, home_page):
    site = Site.objects.get(is_default_site=True)
    BrandSettings.objects.update_or_create(
        site=site, defaults={"primary_colour": "#fff;}", "primary_text_colour": "#000000"}
    )
    assert client.get("/brand.css").content == b""
    assert "brand.css" not in client.get("/").content.decode()


def test_the_stylesheet_carries_nothing_but_hex_values(client, home_page):
    set_brand(primary_colour="#1e3a8a", primary_text_colour="#fefefe")
    css = client.get("/brand.css").content.decode()
    declarations = css.removeprefix(":root{").removesuffix("}\n").rstrip(";").split(";")
    for declaration in declarations:
        name, value = declaration.split(":")
        assert name.startswith("--") and brand.STORED_COLOUR.fullmatch(value)


def test_the_logo_is_in_the_header_with_the_site_name_as_its_alternative(client, home_page):
    SiteSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={"creator_name": 'Ilka "<Sommer>"'},
    )
    set_brand(logo=wagtail_factories.ImageFactory(title="Logo"))
    html = client.get("/").content.decode()
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    assert 'alt="Ilka &quot;&lt;Sommer&gt;&quot;"' in header
    assert 'class="site-header__logo"' in header
    assert "<Sommer>" not in html


# --- Footer links -------------------------------------------------------------------------------


def site_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def footer(client, path="/") -> str:
    html = client.get(path).content.decode()
    return html.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


def test_the_terms_of_service_page_is_linked_in_every_footer(client, home_page):
    terms = StandardPageFactory(parent=home_page, title="Terms", slug="terms")
    settings = site_settings()
    settings.terms_page = terms
    settings.save()
    assert '<a href="/terms/">Terms of service</a>' in footer(client)
    terms.unpublish()
    assert "Terms of service" not in footer(client)


def test_terms_kept_elsewhere_are_linked_by_address(client, home_page):
    settings = site_settings()
    settings.terms_url = "https://shop.example.com/agb"
    settings.full_clean()
    settings.save()
    assert '<a href="https://shop.example.com/agb">Terms of service</a>' in footer(client)


def test_terms_are_a_page_or_an_address_not_both(home_page):
    settings = site_settings()
    settings.terms_page = StandardPageFactory(parent=home_page, slug="terms")
    settings.terms_url = "https://shop.example.com/agb"
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert refused.value.message_dict == {
        "terms_url": ["Choose a terms page or give an address, not both."]
    }


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        'https://example.com/"><script>alert(1)</script>',
        "https://example.com/ x",
        "data:text/html,hi",
    ],
)
def test_a_terms_address_must_be_a_plain_web_address(home_page, address):
    settings = site_settings()
    settings.terms_url = address
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert "terms_url" in refused.value.message_dict


def test_extra_footer_links_show_in_order_with_their_labels_escaped(client, home_page):
    about = StandardPageFactory(parent=home_page, title="About", slug="about")
    hidden = StandardPageFactory(parent=home_page, title="Draft", slug="draft")
    hidden.unpublish()
    settings = site_settings()
    settings.footer_links = [
        ("link", {"label": "Press <kit>", "page": None, "url": "https://press.example.com/"}),
        ("link", {"label": "About me", "page": about, "url": ""}),
        ("link", {"label": "Not live", "page": hidden, "url": ""}),
    ]
    settings.save()
    html = footer(client)
    links = html.split('aria-label="More links"', 1)[1].split("</nav>", 1)[0]
    assert links.index("Press &lt;kit&gt;") < links.index("About me")
    assert '<a href="https://press.example.com/">Press &lt;kit&gt;</a>' in links
    assert '<a href="/about/">About me</a>' in links
    assert "Not live" not in html and "<kit>" not in html


def test_an_extra_link_refuses_a_hostile_address(home_page):
    block = SiteSettings._meta.get_field("footer_links").stream_block
    value = block.to_python(
        [{"type": "link", "value": {"label": "x", "page": None, "url": "javascript:alert(1)"}}]
    )
    with pytest.raises(ValidationError):
        block.clean(value)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("brandsettings", ["Logo", "Primary colour", "Text colour on the primary colour"]),
        (
            "sitesettings",
            ["Terms of service page", "Terms of service address", "More footer links"],
        ),
    ],
)
def test_the_settings_screens_show_the_new_fields(admin, model, fields):
    site = Site.objects.get(is_default_site=True)
    response = admin.get(reverse("wagtailsettings:edit", args=["website", model, site.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for label in fields:
        assert label in html, label
