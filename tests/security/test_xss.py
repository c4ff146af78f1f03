"""Nothing an editor types becomes markup it was not meant to be.

The attack (R2 3/8, high severity): an editor who may change a third-party service saves
`https://e.example/<template/id=cc-banner-template><script/src=…></script></template>` as its
privacy-policy URL. Saving republishes the policies; the public compare page wrote changed
hrefs out raw (lxml's htmldiff, marked safe); consent.js cloned the first
`#cc-banner-template` of the document, so the injected script was inserted by a trusted
script and 'strict-dynamic' let it run, for every visitor, from an archive that never
changes. The rights block's authority URL and rich-text links took the same payload.

Here: every URL field, URL block and rich-text link refuses it in the admin; a payload that
an old release stored anyway (inserted directly, bypassing validation) is shown as text on
the compare, version and current pages; and consent.js reads only its own elements. In
Chromium, the payload stored in every editor-writable field that a public page shows, on
every page type and in the settings every page shows, is text and never runs.
"""

import dataclasses
import datetime
import functools
import re
from collections.abc import Callable
from unittest import mock

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from wagtail.blocks import StreamBlockValidationError, StructBlockValidationError
from wagtail.models import Page, Site
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from leadmagnets.models import LeadMagnetPage
from legal.blocks import ContactRightsBlock, PolicyBodyBlock
from legal.hashing import text_hash
from legal.models import (
    ConsentBannerSettings,
    ImpressumPage,
    PolicyPage,
    PolicyVersion,
    ServiceCookie,
    ServiceType,
    ThirdPartyService,
)
from legal.validators import (
    RICH_TEXT_LINK_MESSAGE,
    WEB_ADDRESS_MESSAGE,
    validate_rich_text_links,
    validate_web_address,
)
from newsletter.links import confirmation_token, preferences_token
from newsletter.models import Contact, NewsletterSettings, NewsletterTopic
from newsletter.signup import Consent, sign_up
from tests.browser import CSPWatch, Visitor, site_url  # noqa: F401 (site_url is a fixture)
from tests.legal.factories import PolicyPageFactory, ThirdPartyServiceFactory, service_form
from tests.legal.publishing import publish
from tests.site.factories import StandardPageFactory
from website.blocks import ContentStreamBlock, LinkBlock
from website.models import ContactFormField, ContactPage, HomePage, SiteSettings, StandardPage


def payload(marker: str) -> str:
    """The reported payload; its script, if it ever loads, asks for /static/xss.js?<marker>."""
    return (
        "https://e.example/<template/id=cc-banner-template>"
        f"<script/src=/static/xss.js?{marker}></script></template>"
    )


def rich_text_link(url: str, text: str = "the regulator") -> str:
    """A paragraph linking to `url`, as Wagtail stores rich text (attribute escaped)."""
    return f'<p>Complain to <a href="{escape(url)}">{text}</a>.</p>'


# --- The validators --------------------------------------------------------------------------

BAD_ADDRESSES = [
    payload("unit"),
    'https://e.example/"onmouseover="alert(1)',
    "https://e.example/'onfocus='alert(1)",
    "https://e.example/`x`",
    "https://e.example/a b",
    "https://e.example/\tx",
    "https://e.example/\x00",
    "https://e.example/\x85",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)//https://e.example/",
    "data:text/html,<script>alert(1)</script>",
    "ftp://e.example/file",
    "//e.example/",
    "/relative/path",
    "e.example",
]
GOOD_ADDRESSES = [
    "https://www.intuit.com/privacy/statement/",
    "http://example.com",
    "https://www.bfdi.bund.de/DE/Home/home_node.html",
    "https://e.example/path?q=1&lang=de#section-2",
    "https://e.example/%3Cencoded%3E",
    "https://bücher.example/",
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_web_address_validator_rejects_markup_and_other_schemes(address):
    with pytest.raises(ValidationError) as refused:
        validate_web_address(address)
    assert refused.value.messages == [WEB_ADDRESS_MESSAGE]


@pytest.mark.parametrize("address", GOOD_ADDRESSES)
def test_web_address_validator_accepts_plain_web_addresses(address):
    validate_web_address(address)


@pytest.mark.parametrize(
    "stored",
    [
        rich_text_link(payload("unit")),
        rich_text_link("javascript:alert(1)"),
        rich_text_link("mailto:a@e.example?subject=<script>"),
        rich_text_link('tel:+49301234" onclick="alert(1)'),
        rich_text_link("data:text/html,hello"),
        # Another host's address, as browsers read them, and a site address with a space.
        rich_text_link("//e.example/path"),
        rich_text_link("/\\e.example/path"),
        rich_text_link("/path with spaces/"),
        # A page link is fine; an outside link next to it is still checked.
        '<p><a linktype="page" id="3">Home</a> <a href="https://e.example/a b">x</a></p>',
    ],
)
def test_rich_text_validator_rejects_unsafe_outside_links(stored):
    with pytest.raises(ValidationError) as refused:
        validate_rich_text_links(stored)
    assert refused.value.messages == [RICH_TEXT_LINK_MESSAGE]


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "<p>No links at all.</p>",
        rich_text_link("https://www.bfdi.bund.de/"),
        rich_text_link("mailto:privacy@e.example"),
        rich_text_link("tel:+493012345"),
        rich_text_link("#your-rights"),
        rich_text_link("/contact/"),  # its "External link" tab takes the site's own addresses
        # Wagtail resolves these to its own URLs when it renders them.
        '<p><a linktype="page" id="3">Home</a> and <a linktype="document" id="1">a PDF</a></p>',
    ],
)
def test_rich_text_validator_accepts_the_links_the_link_chooser_offers(stored):
    validate_rich_text_links(stored)
    validate_rich_text_links(RichText(stored))


@pytest.mark.django_db
def test_the_demo_policies_pass_the_check_so_an_editor_can_publish_them(demo_site):
    # Their links to the site's own pages ("/cookies/") once made the admin refuse them.
    for page in PolicyPage.objects.all():
        page.body.stream_block.clean(page.body)


# --- Every editor-writable field refuses it in the admin ---------------------------------------


@pytest.fixture
def editor(client, django_user_model, demo_site):
    """A superuser on the demo site: every field below is one they may edit."""
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def field_errors(html: str, contentpath: str) -> str:
    """The error list Wagtail renders next to the field `contentpath`."""
    found = re.search(
        rf'data-contentpath="{contentpath}">\s*<div class="w-field__errors"(.*?)</div>', html, re.S
    )
    assert found, f"no errors shown next to {contentpath}"
    return found.group(1)


@pytest.mark.django_db
def test_service_privacy_policy_url_with_markup_is_refused_next_to_the_field(editor):
    url = "/admin/snippets/legal/thirdpartyservice/add/"
    data = service_form(editor, url, privacy_policy_url=payload("service-admin"))
    versions_before = PolicyVersion.objects.count()
    response = editor.post(url, data)
    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "privacy_policy_url")
    assert escape(WEB_ADDRESS_MESSAGE) in errors
    assert not ThirdPartyService.objects.filter(name="Chat widget").exists()
    # Nothing was republished either.
    assert PolicyVersion.objects.count() == versions_before


def edit_data(client, page, **streamfields) -> dict:
    """The page's edit form as the admin renders it, with StreamFields (which Wagtail renders
    in the browser, so the HTML holds none) given here, ready to publish."""
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    for name, blocks in streamfields.items():
        data.update(nested_form_data({name: streamfield(blocks)}))
    data["action-publish"] = "1"
    return data


RIGHTS = {
    "controller": "Test Creator\nTeststraße 1, 10115 Berlin",
    "email": "privacy@creator.example",
    "dpo": "",
    "authority_name": "Berliner Beauftragte für Datenschutz",
    "authority_url": "https://www.datenschutz-berlin.de/",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "block",
    [
        ("contact_rights", {**RIGHTS, "authority_url": payload("authority-admin")}),
        ("paragraph", rich_text(rich_text_link(payload("richtext-admin")))),
        ("services", {"intro": rich_text(rich_text_link(payload("services-intro")))}),
    ],
    ids=["rights-block-authority-url", "rich-text-paragraph-link", "services-intro-link"],
)
def test_policy_body_links_with_markup_are_refused_and_nothing_is_published(
    editor, demo_site, block
):
    # Terms: the demo's live privacy policy would refuse a second one for its own reason.
    page = PolicyPageFactory(parent=demo_site.root_page, slug="terms-test", kind="terms")
    publish(page)
    body = [("heading", {"text": "Your rights", "anchor": ""}), block]
    response = editor.post(f"/admin/pages/{page.pk}/edit/", edit_data(editor, page, body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The page could not be saved due to validation errors" in html
    expected = WEB_ADDRESS_MESSAGE if block[0] == "contact_rights" else RICH_TEXT_LINK_MESSAGE
    assert expected in html  # in the StreamField's error data, shown at the block
    assert PolicyVersion.objects.filter(page_id=page.pk).count() == 1


def test_the_rights_block_puts_the_error_on_the_authority_url():
    value = PolicyBodyBlock().to_python(
        [{"type": "contact_rights", "value": {**RIGHTS, "authority_url": payload("block")}}]
    )
    with pytest.raises(StreamBlockValidationError) as refused:
        PolicyBodyBlock().clean(value)
    rights_errors = refused.value.block_errors[0]
    assert isinstance(rights_errors, StructBlockValidationError)
    assert set(rights_errors.block_errors) == {"authority_url"}
    assert WEB_ADDRESS_MESSAGE in rights_errors.block_errors["authority_url"].messages
    # The same block with a plain address is fine.
    ContactRightsBlock().clean(ContactRightsBlock().to_python(RIGHTS))


def test_the_site_link_block_refuses_markup_in_its_external_url():
    block = LinkBlock()
    bad = block.to_python({"label": "Shop", "page": None, "url": payload("link-block")})
    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(bad)
    assert WEB_ADDRESS_MESSAGE in refused.value.block_errors["url"].messages
    good = block.to_python({"label": "Shop", "page": None, "url": "https://shop.example/"})
    assert block.clean(good)["url"] == "https://shop.example/"


@pytest.mark.django_db
def test_a_standard_page_paragraph_link_with_markup_is_refused_in_the_admin(editor, demo_site):
    page = StandardPageFactory(parent=demo_site.root_page, slug="about-test")
    body = [("paragraph", rich_text(rich_text_link(payload("standard-admin"))))]
    response = editor.post(f"/admin/pages/{page.pk}/edit/", edit_data(editor, page, body=body))
    assert response.status_code == 200
    assert RICH_TEXT_LINK_MESSAGE in response.content.decode()
    page.refresh_from_db()
    assert "e.example" not in str(page.body.raw_data)
    # The paragraph block itself says so, next to the paragraph.
    with pytest.raises(StreamBlockValidationError) as refused:
        ContentStreamBlock().clean(
            ContentStreamBlock().to_python(
                [{"type": "paragraph", "value": rich_text_link(payload("standard-block"))}]
            )
        )
    assert RICH_TEXT_LINK_MESSAGE in refused.value.block_errors[0].messages


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (HomePage, "about_body"),
        (ContactPage, "intro"),
        (ContactPage, "thank_you_text"),
        (LeadMagnetPage, "thank_you_text"),
    ],
)
def test_rich_text_fields_refuse_markup_in_links(model, field):
    # The model field's own check, which the admin form runs through full_clean() and shows
    # under the field (the home page test below shows it there).
    with pytest.raises(ValidationError) as refused:
        model._meta.get_field(field).clean(rich_text_link(payload(field)), None)
    assert refused.value.messages == [RICH_TEXT_LINK_MESSAGE]
    model._meta.get_field(field).clean(rich_text_link("https://e.example/"), None)


@pytest.mark.django_db
def test_a_home_page_about_link_with_markup_is_refused_next_to_the_field(editor, demo_site):
    home = demo_site.root_page.specific
    data = edit_data(editor, home, links=[])
    data["about_body"] = rich_text(rich_text_link(payload("home-admin")))
    data["action-publish"] = "1"
    response = editor.post(f"/admin/pages/{home.pk}/edit/", data)
    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "about_body")
    assert escape(RICH_TEXT_LINK_MESSAGE) in errors
    assert "e.example" not in HomePage.objects.get(pk=home.pk).about_body


# --- Payloads an old release stored are shown as text ----------------------------------------

# What the services block and the rights block wrote for the payload (they escaped it), and
# what a rich-text paragraph wrote: a snapshot of the attack as it sits in the archive.
STORED_SNAPSHOT = (
    '<h2 id="services">Services</h2>\n'
    '<dl class="facts"><dt>Provider\'s policy</dt><dd><a href="{service}" rel="noopener">'
    "{service}</a></dd></dl>\n"
    '<ul><li>Complaining to a supervisory authority (Art. 77), for example <a href="{authority}"'
    ' rel="noopener">Regulator</a></li></ul>\n'
    "{paragraph}\n"
)
# Raw markup, as a renderer that forgot to escape would have frozen it.
RAW_MARKUP = (
    '<p>Raw: <a href="https://e.example/"><template id="cc-banner-template">'
    '<script src="/static/xss.js?raw-{marker}"></script></template>x</a></p>'
    '<script>window.__xss = "inline-{marker}";</script>'
    '<p onclick="alert(1)"><img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(1)">js</a></p>'
)


def legacy_snapshot(marker: str, raw: bool = False) -> str:
    html = STORED_SNAPSHOT.format(
        service=escape(payload(f"service-{marker}")),
        authority=escape(payload(f"authority-{marker}")),
        paragraph=rich_text_link(payload(f"richtext-{marker}")),
    )
    return html + (RAW_MARKUP.format(marker=marker) if raw else "")


def insert_version(page, label: str, html: str, effective_date) -> PolicyVersion:
    """A version row written the way an old release wrote it: no validation on the way."""
    pinned = PolicyVersion.objects.filter(page_id=page.pk).order_by("pk").first()
    return PolicyVersion.objects.create(
        page_id=page.pk,
        kind=page.kind,
        title=page.title,
        version_label=label,
        effective_date=effective_date,
        revision=pinned.revision,
        html=html,
        sha256=text_hash(html),
    )


@pytest.fixture
def legacy_policy(home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    today = timezone.localdate()
    publish(page, effective_date=today - datetime.timedelta(days=60))
    insert_version(page, "2.0", legacy_snapshot("v2"), today - datetime.timedelta(days=30))
    insert_version(page, "3.0", legacy_snapshot("v3", raw=True), today)
    return page


SCRIPT_OR_TEMPLATE = re.compile(r"<(script|template)\b(?![^>]*application/(ld\+)?json)", re.I)


def public_markup(html: str) -> str:
    """The page minus the consent manager the base template adds (its own template and
    script are meant to be there)."""
    return html.split('<div class="cc-root"', 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/privacy/versions/1.0/compare/2.0/", "/privacy/versions/2.0/compare/3.0/"],
)
def test_the_compare_page_escapes_stored_payloads(client, legacy_policy, path):
    response = client.get(path)
    assert response.status_code == 200
    html = public_markup(response.content.decode())
    assert not SCRIPT_OR_TEMPLATE.search(html)
    diff = html.split('class="legal__body diff"', 1)[1]
    # The addresses are there, as text in their own code element, marked as added or removed.
    service = escape(payload("service-v2" if "1.0" in path else "service-v3"))
    assert f'<code class="diff__url">{service}</code>' in diff
    assert "<ins>" in diff


@pytest.mark.django_db
def test_the_compare_page_keeps_blocks_and_marks_a_changed_address(client, home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page, effective_date=timezone.localdate() - datetime.timedelta(days=10))
    old = PolicyVersion.objects.get(page_id=page.pk)
    new_html = old.html.replace("small creator business", "small creator studio") + (
        '<ul><li>Complain to <a href="https://new.example/">the regulator</a></li></ul>'
    )
    insert_version(page, "1.1", new_html, timezone.localdate())
    html = client.get("/privacy/versions/1.0/compare/1.1/").content.decode()
    diff = html.split('class="legal__body diff"', 1)[1]
    assert '<h2 class="diff__block--equal">Who we are</h2>' in diff
    assert "We are a small creator <del>business.</del> <ins>studio.</ins>" in diff
    assert (
        '<li class="diff__block--insert"><ins>Complain to the regulator</ins> '
        '<ins><code class="diff__url">https://new.example/</code></ins></li>'
    ) in diff


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/privacy/versions/3.0/", "/privacy/"])
def test_version_and_current_pages_drop_stored_markup_but_keep_the_evidence(
    client, legacy_policy, path
):
    version = PolicyVersion.objects.get(page_id=legacy_policy.pk, version_label="3.0")
    stored = (version.html, version.sha256)
    html = public_markup(client.get(path).content.decode())
    body = html.split('<div class="legal__body">', 1)[1]
    assert not SCRIPT_OR_TEMPLATE.search(body)
    assert "onerror" not in body and "onclick" not in body and "javascript:" not in body
    assert "window.__xss" not in body
    # The escaped addresses stay what they were: text in an attribute, never elements.
    assert f'href="{escape(payload("service-v3"))}"' in body
    # The row itself is untouched: the archive still proves what was published.
    version.refresh_from_db()
    assert (version.html, version.sha256) == stored
    assert version.sha256 == text_hash(version.html)
    assert '<template id="cc-banner-template">' in version.html


@pytest.mark.django_db
def test_cached_pages_carry_each_hits_own_nonce_on_the_consent_root(client, demo_site):
    """consent.js trusts its root only when the root's nonce is the script's: the page cache
    swaps the stored nonce everywhere in a hit, so a cached page keeps working."""
    client.get("/")  # creates the settings rows the pages read, which empties the cache
    responses = [client.get("/") for _ in range(3)]
    assert [r["X-Cache"] for r in responses] == ["miss", "hit", "hit"]
    nonces = set()
    for response in responses:
        html = response.content.decode()
        root = re.search(r'<div class="cc-root" data-cc-nonce="([^"]+)">', html).group(1)
        script = re.search(r'<script src="[^"]*consent[^"]*\.js" nonce="([^"]+)"', html).group(1)
        assert root == script
        assert f"'nonce-{root}'" in response["Content-Security-Policy"]
        nonces.add(root)
    assert len(nonces) == 3


# --- In Chromium: the payload never runs, the real banner still works ------------------------

XSS_SCRIPT = "window.__xss = (window.__xss || []).concat([document.currentScript.src]);"


@pytest.fixture
def legacy_archive(site_url):  # noqa: F811 (the imported fixture)
    """The demo privacy policy after the attack, as an old release stored it: the service's
    URL published with the policy's next version, the rights block and a paragraph link
    published by an editor (model saves, which never validated), and a raw-markup version
    on top."""
    policy = PolicyPage.objects.get(slug="privacy")
    first = policy.versions.order_by("-pk").first().version_label
    ThirdPartyServiceFactory(name="Evil CDN", privacy_policy_url=payload("service"))
    after_service = publish(policy)
    assert "Evil CDN" in after_service.html, "the policy's next version lists the service"
    policy = PolicyPage.objects.get(pk=policy.pk)
    body = [(child.block_type, child.value) for child in policy.body]
    body += [
        ("contact_rights", {**RIGHTS, "authority_url": payload("authority")}),
        ("paragraph", RichText(rich_text_link(payload("richtext")))),
    ]
    after_blocks = publish(policy, body=body)
    raw = insert_version(
        policy,
        "99.0",
        after_blocks.html + RAW_MARKUP.format(marker="raw"),
        max(after_blocks.effective_date, timezone.localdate()),
    )
    return {
        "compare-service-change": f"/privacy/versions/{first}/compare/"
        f"{after_service.version_label}/",
        "compare-block-changes": f"/privacy/versions/{after_service.version_label}/compare/"
        f"{after_blocks.version_label}/",
        "compare-raw-markup": f"/privacy/versions/{after_blocks.version_label}/compare/"
        f"{raw.version_label}/",
        "version-detail": f"/privacy/versions/{raw.version_label}/",
        "current-page": "/privacy/",
    }


@pytest.fixture
def attacked_visitor(browser, site_url):  # noqa: F811 (the imported fixtures)
    visitor = Visitor(browser, site_url)
    visitor.payload_requests = []

    def serve_payload(route):
        visitor.payload_requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=XSS_SCRIPT)

    # Routes added later are asked first: this one wins over the visitor's catch-all.
    visitor.context.route("**/xss.js*", serve_payload)
    yield visitor
    visitor.close()


def assert_real_banner_works(visitor):
    page = visitor.page
    banner = page.locator("body > .cc-banner")
    assert banner.count() == 1 and banner.is_visible()
    own_title = page.evaluate(
        "() => document.querySelector('.cc-root > #cc-banner-template').content"
        ".querySelector('h2')"
        ".textContent"
    )
    assert banner.locator("h2").inner_text() == own_title.strip()
    visitor.banner_button("Reject all").click()
    banner.wait_for(state="detached")


def assert_payload_never_ran(visitor):
    """Nothing of a payload ran or loaded, and the consent manager's template is the only
    one of its id, so consent.js cannot have been handed another."""
    assert visitor.page.evaluate("() => window.__xss === undefined")
    assert visitor.payload_requests == []
    assert (
        visitor.page.evaluate(
            "() => document.querySelectorAll('template#cc-banner-template').length"
        )
        == 1
    )


@pytest.mark.parametrize(
    "page_type",
    [
        "compare-service-change",
        "compare-block-changes",
        "compare-raw-markup",
        "version-detail",
        "current-page",
    ],
)
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_stored_payloads_never_run_in_chromium(legacy_archive, attacked_visitor, page_type):
    visitor = attacked_visitor
    visitor.open(legacy_archive[page_type])
    text = visitor.page.locator("main").inner_text()
    if page_type.startswith("compare"):
        # The payload is on the page, as the text of an address.
        assert "<template/id=cc-banner-template>" in text
    assert_payload_never_ran(visitor)
    assert_real_banner_works(visitor)
    visitor.open(legacy_archive[page_type])
    assert visitor.payload_requests == []


SHADOWS = (
    '<template id="cc-banner-template"><div class="cc-banner"><h2>Injected banner</h2>'
    '<script src="/static/xss.js?shadow-banner"></script></div></template>'
    '<script type="application/json" id="cc-config">'
    '{"cookie": "x", "revision": 0, "services": [],'
    ' "categories": [{"key": "fake", "name": "Fake", "version": 1}]}</script>'
    '<dialog id="cc-dialog" class="cc-dialog"><form><h2>Injected dialog</h2>'
    '<p class="cc-gpc"></p></form></dialog>'
    '<template data-cc-service="evil"><script src="/static/xss.js?shadow-service">'
    "</script></template>"
)


def serve_with(visitor, path, change):
    """Serves `path` with its HTML changed by `change`, headers (and CSP) as sent."""

    def rewrite(route):
        response = route.fetch()
        route.fulfill(response=response, body=change(response.text()))

    visitor.context.route(visitor.base_url + path, rewrite)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_page_content_cannot_shadow_the_consent_managers_elements(attacked_visitor):
    visitor = attacked_visitor
    # Content that comes before the consent manager, with the ids consent.js used to look up
    # in the whole document.
    main = '<main id="main" class="wrap" tabindex="-1">'
    serve_with(visitor, "/", lambda html: html.replace(main, main + SHADOWS, 1))
    visitor.open("/")
    assert (
        visitor.page.evaluate("() => document.querySelectorAll('#cc-banner-template').length") == 2
    )
    assert visitor.page.get_by_text("Injected banner").count() == 0
    assert visitor.payload_requests == []
    assert visitor.page.evaluate("() => window.__xss === undefined")
    # The settings link opens the real dialog (with the real categories), not the injected one.
    visitor.page.locator("body > .cc-banner [data-cc-open]").click()
    dialog = visitor.page.locator(".cc-root > dialog")
    assert dialog.is_visible()
    assert dialog.locator("input[data-cc-category]").count() > 0
    assert not visitor.page.evaluate("() => document.querySelector('main dialog#cc-dialog').open")
    visitor.page.keyboard.press("Escape")
    assert_real_banner_works(visitor)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_consent_js_ignores_a_root_without_the_responses_nonce(attacked_visitor):
    visitor = attacked_visitor
    serve_with(
        visitor,
        "/",
        lambda html: re.sub(r'data-cc-nonce="[^"]*"', 'data-cc-nonce="forged"', html, count=1),
    )
    visitor.open("/")
    # The script ran (it carries the nonce) but read nothing: no banner, no consent defaults.
    assert visitor.page.locator("body > .cc-banner").count() == 0
    assert visitor.page.evaluate("() => window.dataLayer === undefined")


# --- Every other page type and editor-writable field, in Chromium -------------------------------

# What an editor types into a text field: the report's markup, and for fields too short for
# it a bare script element, which would run if the banner template (cloned by consent.js
# under 'strict-dynamic') ever carried it as markup.
TEXT_PAYLOAD = (
    "<template id=cc-banner-template><script src=/static/xss.js?{marker}></script></template>"
)
SHORT_TEXT_PAYLOAD = "<script src=/xss.js?{marker}></script>"


def typed(marker: str, max_length: int | None = None) -> str:
    """The payload as typed into a field of `max_length` characters, marked with `marker`
    (shortened only where even the short form would not fit)."""
    text = TEXT_PAYLOAD.format(marker=marker)
    if max_length is None or len(text) <= max_length:
        return text
    room = max_length - len(SHORT_TEXT_PAYLOAD.format(marker=""))
    assert room >= 4, f"no payload fits {max_length} characters"
    return SHORT_TEXT_PAYLOAD.format(marker=marker[:room])


class Shown:
    """The payloads stored for one page, and how the page must show them: every typed text
    as text, every payload address as the address of a link."""

    def __init__(self):
        self.texts: list[str] = []
        self.elements: list[str] = []  # CSS selectors that must each match an element

    def text(self, marker: str, max_length: int | None = None) -> str:
        text = typed(marker, max_length)
        self.texts.append(text)
        return text

    def link(self, marker: str) -> str:
        url = payload(marker)
        self.elements.append(f'a[href="{url}"]')
        return url

    def rich_text(self, marker: str) -> str:
        """Rich text as Wagtail stores what an editor typed (text escaped) with a link."""
        text, href, label = (
            self.text(f"{marker}.text"),
            self.link(f"{marker}.href"),
            self.text(f"{marker}.link"),
        )
        return f'<p>{escape(text)} <a href="{escape(href)}">{escape(label)}</a></p>'

    def fields(self, instance, names: list[str], prefix: str = "") -> None:
        """The payload in each of the model fields `names`, marked with the field's name."""
        for name in names:
            max_length = instance._meta.get_field(name).max_length
            setattr(instance, name, self.text(f"{prefix}{name}", max_length))


def publish_unvalidated(page):
    """Publish `page` as a release without today's validators did. Wagtail runs the model's
    full_clean() when it saves the published page, and the field validators (rich-text
    links, URLs, the impressum's formats) now refuse what is stored here."""
    with mock.patch.object(Page, "clean_fields", lambda self, *args, **kwargs: None):
        page.save_revision(clean=False).publish()


@dataclasses.dataclass
class Scene:
    """A public page with payloads stored in its fields, and what it must show of them."""

    path: str
    shown: Shown
    # What the visitor does on `path` to reach the page (a form whose answer shows the text).
    then: Callable | None = None
    # A further check of the page.
    check: Callable | None = None


def home_page_scene() -> Scene:
    shown = Shown()
    home = HomePage.objects.get()
    fields = ["seo_title", "hero_heading", "hero_text", "hero_cta_label", "about_heading"]
    shown.fields(home, fields)
    home.about_body = shown.rich_text("about_body")
    home.search_description = typed("search_description")
    shown.elements.append(f'meta[name="description"][content="{home.search_description}"]')
    link = {"label": shown.text("links.label", 80), "page": None, "url": shown.link("links.url")}
    home.links = [("link", link), *((child.block_type, child.value) for child in home.links)]
    publish_unvalidated(home)
    return Scene("/", shown)


def signup_block(shown: Shown, prefix: str) -> dict:
    """A NewsletterSignupBlock value with the payload in each of its texts."""
    return {
        "heading": shown.text(f"{prefix}.heading", 100),
        "intro": shown.text(f"{prefix}.intro", 400),
        "consent_text": shown.text(f"{prefix}.consent_text", 500),
        "show_last_name": False,
        "require_last_name": False,
        "show_phone": False,
        "require_phone": False,
        "button_label": shown.text(f"{prefix}.button_label", 40),
    }


def standard_page_scene() -> Scene:
    shown = Shown()
    page = StandardPage(title="Notes", slug="notes", show_in_menus=True)
    HomePage.objects.get().add_child(instance=page)
    shown.fields(page, ["title", "intro"])  # the title is also in the main menu
    page.body = [
        ("heading", shown.text("body.heading", 120)),
        ("paragraph", RichText(shown.rich_text("body.paragraph"))),
        ("newsletter_signup", signup_block(shown, "body.signup")),
    ]
    publish_unvalidated(page)
    return Scene("/notes/", shown)


def contact_page_scene() -> Scene:
    shown = Shown()
    contact = ContactPage.objects.get(slug="contact")
    contact.intro = shown.rich_text("intro")
    default = typed("field.default_value")
    shown.elements.append(f'input[value="{default}"]')
    contact.form_fields = [
        *contact.form_fields.all(),
        ContactFormField(
            sort_order=3,
            label=shown.text("field.label", 255),
            help_text=shown.text("field.help_text", 255),
            field_type="singleline",
            required=False,
            default_value=default,
        ),
        ContactFormField(
            sort_order=4,
            label="Topic",
            field_type="dropdown",
            choices=shown.text("field.choices"),
            required=False,
        ),
    ]
    publish_unvalidated(contact)
    return Scene("/contact/", shown)


def send_contact_form(visitor):
    page = visitor.page
    page.get_by_label("Your name").fill("Rea")
    page.get_by_label("Your e-mail address").fill("reader@example.org")
    page.get_by_label("Message").fill("Hello")
    # Enter, not a click: the cookie banner may cover the button.
    with page.expect_navigation():
        page.get_by_role("button", name="Send").press("Enter")
    page.wait_for_load_state("networkidle")


def contact_thank_you_scene() -> Scene:
    shown = Shown()
    contact = ContactPage.objects.get(slug="contact")
    contact.thank_you_text = shown.rich_text("thank_you_text")
    publish_unvalidated(contact)
    return Scene("/contact/", shown, then=send_contact_form)


def lead_magnet_page_scene() -> Scene:
    shown = Shown()
    page = LeadMagnetPage.objects.get(slug="starter-guide")
    fields = ["title", "teaser", "consent_text", "newsletter_consent_text", "button_label"]
    shown.fields(page, fields)
    publish_unvalidated(page)
    return Scene("/starter-guide/", shown)


def confirm_sign_up(visitor):
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("button", name="Yes, confirm").press("Enter")
    visitor.page.wait_for_load_state("networkidle")


def lead_magnet_confirmed_scene() -> Scene:
    """The lead magnet's thank-you text is shown on the page its confirmation link opens."""
    shown = Shown()
    page = LeadMagnetPage.objects.get(slug="starter-guide")
    page.thank_you_text = shown.rich_text("thank_you_text")
    publish_unvalidated(page)
    _contact, request, held_until = sign_up(
        email="reader@example.org",
        first_name="Rea",
        consents=[Consent(page.purpose, page.consent_text)],
        tags=page.tags(),
        page=page,
        page_url=page.url,
    )
    assert held_until is None
    path = reverse("newsletter:confirm", args=[confirmation_token(request)])
    return Scene(path, shown, then=confirm_sign_up)


def newsletter_preferences_scene() -> Scene:
    shown = Shown()
    topic = NewsletterTopic.objects.get(slug="studio-notes")
    shown.fields(topic, ["name", "description"])
    topic.save()
    contact = Contact.objects.create(email="reader@example.org")
    return Scene(reverse("newsletter:preferences", args=[preferences_token(contact)]), shown)


# Every text field of the impressum that an old release stored unchecked. Left out: postal
# code, VAT ID and business ID (12 and 20 characters: no markup fits) and the choices.
IMPRESSUM_TEXT_FIELDS = [
    "provider_name",
    "representatives",
    "street_address",
    "city",
    "country",
    "email",
    "phone",
    "register_court",
    "register_number",
    "supervisory_authority",
    "profession_chamber",
    "profession_title",
    "profession_state",
    "profession_rules",
    "content_responsible_name",
    "content_responsible_address",
    "consumer_dispute_text",
]


def legacy_impressum() -> dict[str, Shown]:
    """The demo impressum (1.0) with payloads published as 2.0, in force today, and as 3.0,
    announced for next month. Each version's snapshot is what the archive keeps."""
    page = ImpressumPage.objects.get(slug="impressum")
    title = typed("title")
    shown = {key: Shown() for key in ("title", "v2", "v2-summary", "v3", "v3-summary")}
    shown["title"].texts.append(title)
    shown["v2"].fields(page, IMPRESSUM_TEXT_FIELDS, prefix="v2.")
    page.title = title
    page.change_summary = shown["v2-summary"].text("v2.change_summary", 500)
    page.version_label, page.effective_date = "2.0", timezone.localdate()
    publish_unvalidated(page)
    page = ImpressumPage.objects.get(pk=page.pk)
    shown["v3"].fields(page, IMPRESSUM_TEXT_FIELDS, prefix="v3.")
    page.change_summary = shown["v3-summary"].text("v3.change_summary", 500)
    page.version_label = "3.0"
    page.effective_date = timezone.localdate() + datetime.timedelta(days=30)
    publish_unvalidated(page)
    return shown


def combined(*parts: Shown) -> Shown:
    together = Shown()
    for part in parts:
        together.texts += part.texts
        together.elements += part.elements
    return together


def assert_structured_data_is_data(name: str, visitor):
    """The impressum's schema.org block carries the provider's name as a JSON string."""
    names = visitor.page.evaluate(
        "() => Array.from(document.querySelectorAll('script[type=\"application/ld+json\"]'),"
        " script => JSON.parse(script.textContent).name)"
    )
    assert names == [name]


def impressum_current_scene() -> Scene:
    shown = legacy_impressum()
    # Version 2.0's text, and the summary of the 3.0 announced above it.
    provider = shown["v2"].texts[0]
    return Scene(
        "/impressum/",
        combined(shown["title"], shown["v2"], shown["v3-summary"]),
        check=functools.partial(assert_structured_data_is_data, provider),
    )


def impressum_version_scene() -> Scene:
    shown = legacy_impressum()
    provider = shown["v3"].texts[0]
    return Scene(
        "/impressum/versions/3.0/",
        combined(shown["title"], shown["v3"]),
        check=functools.partial(assert_structured_data_is_data, provider),
    )


def impressum_compare_scene() -> Scene:
    shown = legacy_impressum()
    return Scene(
        "/impressum/versions/1.0/compare/2.0/",
        combined(shown["title"], shown["v2"], shown["v2-summary"]),
    )


def impressum_version_list_scene() -> Scene:
    shown = legacy_impressum()
    return Scene(
        "/impressum/versions/",
        combined(shown["title"], shown["v2-summary"], shown["v3-summary"]),
    )


def legacy_cookie_registry() -> tuple[PolicyPage, str, Shown]:
    """The cookie policy's declaration after an editor filled the registry unchecked: a
    category, a service (with the reported privacy URL) and its cookie, a cookie the site
    declares itself, and the declaration's intro, all published with the policy's next
    version."""
    shown = Shown()
    page = PolicyPage.objects.get(slug="cookies")
    first = page.versions.order_by("pk").first().version_label
    statistics = CookieGroup.objects.get(varname="statistics")
    shown.fields(statistics, ["name", "description"], prefix="group.")
    statistics.save()
    service = ThirdPartyService(
        purpose="Counting visits.",
        data_categories="Device data",
        legal_basis="a",
        location="EU",
        retention="1 year",
        privacy_policy_url=payload("service.privacy_policy_url"),
        cookie_group=statistics,
        service_type=ServiceType.NONE,
    )
    shown.fields(service, ["name", "provider"], prefix="service.")
    service.save()
    cookie = ServiceCookie(service=service)
    shown.fields(cookie, ["name", "domain", "lifetime", "purpose"], prefix="cookie.")
    cookie.save()
    own = Cookie(cookiegroup=CookieGroup.objects.get(varname="necessary"), path="/")
    shown.fields(own, ["name", "domain", "description"], prefix="own.")
    own.save()
    page = PolicyPage.objects.get(pk=page.pk)
    intro = RichText(shown.rich_text("declaration.intro"))
    page.body = [
        (child.block_type, {"intro": intro})
        if child.block_type == "cookie_declaration"
        else (child.block_type, child.value)
        for child in page.body
    ]
    page.effective_date = timezone.localdate()
    publish_unvalidated(page)
    return page, first, shown


def cookie_policy_scene() -> Scene:
    _page, _first, shown = legacy_cookie_registry()
    return Scene("/cookies/", shown)


def cookie_policy_compare_scene() -> Scene:
    page, first, shown = legacy_cookie_registry()
    latest = page.versions.order_by("-pk").first().version_label
    # The intro's link address is shown as text, in a code element.
    compared = Shown()
    compared.texts = [*shown.texts, payload("declaration.intro.href")]
    return Scene(f"/cookies/versions/{first}/compare/{latest}/", compared)


def privacy_policy_texts_scene() -> Scene:
    """The privacy policy's own texts (the URLs are covered above): its intro, the texts of
    its blocks and of a service in the registry."""
    shown = Shown()
    service = ThirdPartyService(
        legal_basis="a", privacy_policy_url=shown.link("service.privacy_policy_url")
    )
    fields = ["name", "provider", "purpose", "data_categories", "location", "retention"]
    shown.fields(service, fields, prefix="service.")
    service.save()
    page = PolicyPage.objects.get(slug="privacy")
    shown.fields(page, ["intro"])
    rights = {
        "controller": shown.text("rights.controller"),
        "email": shown.text("rights.email"),
        "dpo": shown.text("rights.dpo"),
        "authority_name": shown.text("rights.authority_name"),
        "authority_url": RIGHTS["authority_url"],
    }
    page.body = [
        *((child.block_type, child.value) for child in page.body),
        ("table_of_contents", {"title": shown.text("toc.title", 60)}),
        ("heading", {"text": shown.text("heading.text", 120), "anchor": ""}),
        ("paragraph", RichText(shown.rich_text("paragraph"))),
        ("services", {"intro": RichText(shown.rich_text("services.intro"))}),
        ("contact_rights", rights),
    ]
    page.effective_date = timezone.localdate()
    publish_unvalidated(page)
    return Scene("/privacy/", shown)


def site_wide_scene() -> Scene:
    """What every page shows: the header and footer settings, the footer's sign-up form,
    the banner and dialog texts, and the categories and services the dialog lists."""
    shown = Shown()
    site = Site.objects.get(is_default_site=True)
    site_settings = SiteSettings.for_site(site)
    shown.fields(site_settings, ["creator_name", "footer_text"])
    site_settings.tagline = typed("tagline")  # the description of pages without their own
    shown.elements.append(f'meta[name="description"][content="{site_settings.tagline}"]')
    # The footer's extra links: the editor's label, with an address as validation allows.
    site_settings.footer_links = [
        (
            "link",
            {
                "label": shown.text("footer_link.label", 80),
                "page": None,
                "url": RIGHTS["authority_url"],
            },
        )
    ]
    site_settings.save()
    newsletter = NewsletterSettings.for_site(site)
    newsletter.footer_signup = [("newsletter_signup", signup_block(shown, "footer"))]
    newsletter.save()
    banner = ConsentBannerSettings.for_site(site)
    # All but "Reject all", which assert_real_banner_works clicks.
    texts = ["title", "text", "accept_label", "settings_label", "save_label"]
    shown.fields(banner, [*texts, "dialog_title", "dialog_text", "gpc_text"])
    banner.save()
    statistics = CookieGroup.objects.get(varname="statistics")
    shown.fields(statistics, ["name", "description"], prefix="group.")
    statistics.save()
    service = ThirdPartyService.objects.get(name="Google Analytics 4")
    shown.fields(service, ["name", "provider"], prefix="service.")
    service.save()
    return Scene("/about/", shown)


SCENES = {
    "home-page": home_page_scene,
    "standard-page": standard_page_scene,
    "contact-page": contact_page_scene,
    "contact-thank-you": contact_thank_you_scene,
    "lead-magnet-page": lead_magnet_page_scene,
    "lead-magnet-confirmed": lead_magnet_confirmed_scene,
    "newsletter-preferences": newsletter_preferences_scene,
    "impressum-current": impressum_current_scene,
    "impressum-version": impressum_version_scene,
    "impressum-compare": impressum_compare_scene,
    "impressum-version-list": impressum_version_list_scene,
    "cookie-policy-current": cookie_policy_scene,
    "cookie-policy-compare": cookie_policy_compare_scene,
    "privacy-policy-texts": privacy_policy_texts_scene,
    "site-wide-texts": site_wide_scene,
}


TEXT_OF_THE_PAGE = """() => {
  const copy = document.documentElement.cloneNode(true);
  copy.querySelectorAll("script, noscript, style").forEach((element) => element.remove());
  return copy.textContent;
}"""


@pytest.fixture
def scene(request, site_url):  # noqa: F811 (the imported fixture)
    return SCENES[request.param]()


@pytest.mark.parametrize("scene", SCENES, indirect=True)
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_payloads_in_every_editor_field_never_run_in_chromium(scene, attacked_visitor):
    visitor = attacked_visitor
    csp = CSPWatch(visitor.context)
    visitor.open(scene.path)
    if scene.then:
        scene.then(visitor)
    # Every payload reached the page, as text: had one become markup, its words would be
    # elements, not text. Hidden text counts (the dialog's); the raw text of scripts and of
    # <noscript> (unparsed where scripts run, so it holds markup as text) does not.
    text = visitor.page.evaluate(TEXT_OF_THE_PAGE)
    assert [t for t in scene.shown.texts if t not in text] == []
    assert [s for s in scene.shown.elements if visitor.page.locator(s).count() == 0] == []
    if scene.check:
        scene.check(visitor)
    assert_payload_never_ran(visitor)
    # Not even a blocked attempt: no payload became a script element the CSP had to refuse.
    assert [v for v in csp.violations if "xss.js" in str(v)] == []
    assert_real_banner_works(visitor)
    # With a decision stored, consent.js applies it instead of showing the banner.
    visitor.open(scene.path)
    assert_payload_never_ran(visitor)
