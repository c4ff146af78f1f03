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
the compare, version and current pages; and consent.js reads only its own elements.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape
from wagtail.blocks import StreamBlockValidationError, StructBlockValidationError
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from leadmagnets.models import LeadMagnetPage
from legal.blocks import ContactRightsBlock, PolicyBodyBlock
from legal.models import PolicyPage, PolicyVersion, ThirdPartyService
from legal.validators import (
    RICH_TEXT_LINK_MESSAGE,
    WEB_ADDRESS_MESSAGE,
    validate_rich_text_links,
    validate_web_address,
)
from legal.versioning import fingerprint
from tests.e2e.test_consent import Visitor, site_url  # noqa: F401 (site_url is a fixture)
from tests.legal.factories import PolicyPageFactory, ThirdPartyServiceFactory, service_form
from tests.legal.test_versions import publish
from tests.site.factories import StandardPageFactory
from website.blocks import ContentStreamBlock, LinkBlock
from website.models import ContactPage, HomePage


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
        rich_text_link("/relative/path"),
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
        # Wagtail resolves these to its own URLs when it renders them.
        '<p><a linktype="page" id="3">Home</a> and <a linktype="document" id="1">a PDF</a></p>',
    ],
)
def test_rich_text_validator_accepts_the_links_the_link_chooser_offers(stored):
    validate_rich_text_links(stored)
    validate_rich_text_links(RichText(stored))


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
    page = PolicyPageFactory(parent=demo_site.root_page, slug="terms-test")
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
        sha256=fingerprint(html),
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
    assert version.sha256 == fingerprint(version.html)
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
    URL republished through the registry, the rights block and a paragraph link published
    by an editor (model saves, which never validated), and a raw-markup version on top."""
    policy = PolicyPage.objects.get(slug="privacy")
    first = policy.versions.order_by("-pk").first().version_label
    ThirdPartyServiceFactory(name="Evil CDN", privacy_policy_url=payload("service"))
    after_service = policy.versions.order_by("-pk").first()
    assert after_service.version_label != first, "saving the service republished the policy"
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
    assert visitor.page.evaluate("() => window.__xss === undefined")
    assert visitor.payload_requests == []
    assert (
        visitor.page.evaluate(
            "() => document.querySelectorAll('template#cc-banner-template').length"
        )
        == 1
    )
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
