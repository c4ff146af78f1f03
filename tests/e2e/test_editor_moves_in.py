"""Issue 15's "Done when", in Chromium: an editor moves a real business's legal set-up into a
fresh demo in the admin only, and each step is counted in clicks.

The editor (the demo's superuser, as `make run` creates it) withdraws the demo's privacy-policy
versions and imports the business's V2.4.2 and V2.4.3 with their past dates; adds three
services, each saved as a draft that publishes nothing, and publishes them with V2.5.0, which
takes effect in two weeks; finds exactly those three versions in the public archive; creates a
lead magnet whose public PDF the form refuses until one click moves it to the private
collection; sets the mail sender and the brand colour (a pair below WCAG AA is refused first);
and creates the campaign draft that tells subscribers about V2.5.0 in the fake Mailchimp.
A visitor checks in between that the new services load only from V2.5.0's effective date: the
live server runs in this process, so time-machine moves its clock (Chromium keeps its own).

The world before the editor starts: the demo as `make run` loads it, without its three sample
trackers (Google Analytics 4, Tag Manager, Meta Pixel, with placeholder ids): the business
brings its own, under the same names, and a visitor's request to their hosts must come from
the new services alone. The business's checklist is already in Documents, uploaded where
Documents → Add puts it, the public root collection.

Clicks are counted as the issue counts them: every click, and every form field filled (one click
into it); the date picker closed with Escape and waiting are not clicks. Run with `-s` for the
table; each step has a ceiling, its count today, so a change that adds a click fails here.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect
from wagtail.documents.models import Document
from wagtail.models import Collection

from leadmagnets.models import LeadMagnetPage
from leadmagnets.resources import is_private
from legal.models import PolicyPage, PolicyVersion, ThirdPartyService
from newsletter.models import MailSettings, PolicyChangeCampaign
from tests.browser import PASTE, Visitor, settle
from website.models import BrandSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The most clicks each step may take: today's counts. Lower them when a step gets shorter.
CEILINGS = {
    "1. Withdraw the demo's versions": 10,
    "1. Import V2.4.2 and V2.4.3": 11,
    "2. Add three services (drafts)": 44,
    "2. Publish them with V2.5.0": 7,
    "3. Find the three versions in the archive": 3,
    "4. Lead magnet with a private resource": 15,
    "5. Mail sender": 5,
    "5. Brand colour": 7,
    "6. Campaign draft in Mailchimp": 6,
}

DEMO_TRACKERS = ("Google Analytics 4", "Google Tag Manager", "Meta Pixel")
META_HOST, GOOGLE_HOST = "connect.facebook.net", "googletagmanager.com"
GA4_ID, PIXEL_ID = "G-CREATOR42", "123456789012345"

SERVICES = [
    {
        "Name": "Meta Pixel",
        "Provider": "Meta Platforms Ireland Ltd., Dublin, Ireland",
        "Purpose": "Measuring which ads bring readers to the platform (category marketing).",
        "Data categories": "IP address, device data, pages visited, ad clicks.",
        "Legal basis": "Consent (GDPR Art. 6(1)(a))",
        "Transfer safeguard": "Adequacy decision (Art. 45) and standard contractual clauses",
        "Location": "EU, USA",
        "Retention": "Up to 2 years",
        "category": "Marketing",
        "Service type": "Meta Pixel",
        "Tracking id": PIXEL_ID,
    },
    {
        "Name": "Google Analytics 4",
        "Provider": "Google Ireland Ltd., Dublin, Ireland",
        "Purpose": "Counting visits and the pages read (category statistics).",
        "Data categories": "Shortened IP address, device data, pages visited.",
        "Legal basis": "Consent (GDPR Art. 6(1)(a))",
        "Transfer safeguard": "Adequacy decision (Art. 45) and standard contractual clauses",
        "Location": "EU, USA",
        "Retention": "14 months",
        "category": "Statistics",
        "Service type": "Google Analytics 4",
        "Tracking id": GA4_ID,
    },
    {
        "Name": "Stripe",
        "Provider": "Stripe Payments Europe, Ltd., Dublin, Ireland",
        "Purpose": "Taking payments for courses; the checkout runs on Stripe's own pages.",
        "Data categories": "Name, e-mail address, billing address, payment details.",
        "Legal basis": "Contract (GDPR Art. 6(1)(b))",
        "Transfer safeguard": "Adequacy decision (Art. 45) and standard contractual clauses",
        "Location": "EU, USA",
        "Retention": "10 years (tax law)",
    },
]

V2_4_2_TEXT = (
    "<h1>Privacy policy</h1><p>We process <b>as little</b> as we can.</p>"
    "<h2>Processors</h2><ul><li>Mailchimp</li></ul>"
)
V2_4_3_FILE = b"""<html><head><title>Privacy policy V2.4.3</title></head><body>
<h1>Privacy policy</h1><p>We, the creator platform, process your data.</p>
<h2>Processors</h2><ul><li>Mailchimp</li><li>Stripe</li></ul></body></html>"""


class Editor:
    """The editor's tab, with the clicks of each step counted. Every request to another origin
    is recorded and answered empty: nothing leaves the machine."""

    def __init__(self, browser, base_url):
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}
        )
        self.base_url = base_url
        self.foreign: list[str] = []
        self.context.route("**/*", self.route)
        self.page = self.context.new_page()
        self.counts: dict[str, int] = {}
        self.step = ""

    def route(self, route):
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.fulfill(status=204, body="")

    def sign_in(self, username, password):
        """Before the first step: not counted."""
        self.page.goto("/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/admin/")

    def begin(self, step: str):
        self.step = step
        self.counts[step] = 0

    def end(self):
        count = self.counts[self.step]
        assert count <= CEILINGS[self.step], (
            f"“{self.step}” took {count} clicks, more than its {CEILINGS[self.step]}"
        )

    def counted(self, clicks: int = 1):
        self.counts[self.step] += clicks

    # What the editor does, one click each.

    def click(self, locator):
        locator.click()
        self.counted()

    def fill(self, locator, value: str):
        locator.fill(value)
        self.counted()

    def check(self, locator):
        locator.check()
        self.counted()

    def select(self, locator, label: str):
        locator.select_option(label=label)
        self.counted()

    def upload(self, locator, path):
        locator.set_input_files(path)
        self.counted()

    def fill_date(self, locator, value: str):
        self.fill(locator, value)
        self.page.keyboard.press("Escape")  # closes the date picker that covers the next field

    def table(self) -> str:
        width = max(len(step) for step in self.counts)
        lines = [f"{'Step':<{width}}  Clicks  Ceiling"]
        lines += [
            f"{step:<{width}}  {count:>6}  {CEILINGS[step]:>7}"
            for step, count in self.counts.items()
        ]
        lines.append(f"{'Total':<{width}}  {sum(self.counts.values()):>6}")
        return "\n".join(lines)

    def said(self, text: str):
        """Waits for the admin's message after a save: the next page's, not the last one's."""
        expect(self.page.locator(".messages")).to_contain_text(text)

    def publish(self):
        """The footer's Publish, in the drop-down next to "Save draft"."""
        footer = self.page.locator("footer .w-dropdown-button")
        self.click(footer.locator(".w-dropdown__toggle"))
        self.click(footer.get_by_role("button", name="Publish"))

    def close(self):
        self.context.close()


@pytest.fixture
def checklist(site_url):
    """The world before the editor starts (the module's docstring): the demo without its
    sample trackers and with the demo's editor account; returns the business's checklist,
    in the public root collection."""
    ThirdPartyService.objects.filter(name__in=DEMO_TRACKERS).delete()
    checklist = Document(title="Creator checklist", collection=Collection.get_first_root_node())
    checklist.file.save("creator-checklist.pdf", ContentFile(b"%PDF-1.4 checklist"), save=False)
    checklist.save()
    get_user_model().objects.create_superuser(
        "editor", "editor@example.com", "pw", first_name="Demo", last_name="Editor"
    )
    return checklist


@pytest.fixture
def editor(browser, site_url, checklist):
    editor = Editor(browser, site_url)
    editor.sign_in("editor", "pw")
    yield editor
    print("\n" + editor.table())  # noqa: T201 (the table `-s` shows)
    editor.close()


@pytest.fixture
def visitor(browser, site_url):
    visitor = Visitor(browser, site_url)
    yield visitor
    visitor.close()


def test_an_editor_moves_a_business_in(editor, visitor, checklist, fake_mailchimp, tmp_path):
    page = editor.page
    privacy = PolicyPage.objects.get(slug="privacy")
    today = timezone.localdate()
    takes_effect = today + datetime.timedelta(days=14)

    # --- 1. The demo's versions leave the archive; the business's history comes in ---------
    editor.begin("1. Withdraw the demo's versions")
    editor.click(page.get_by_role("button", name="Legal & privacy"))
    editor.click(page.get_by_role("link", name="Legal pages"))
    editor.click(page.get_by_role("button", name="More options for 'Privacy policy'"))
    editor.click(page.get_by_role("link", name="Versions", exact=True))
    page.wait_for_url(f"**/admin/legal-versions/{privacy.pk}/")
    for label in ("2.0", "1.0"):
        editor.click(page.get_by_role("link", name=f"Withdraw {label}", exact=True))
        editor.fill(page.get_by_label("Reason"), "Demo content.")
        editor.click(page.get_by_role("button", name=f"Withdraw {label}"))
        editor.said(f"{label} withdrawn from the public archive.")
    editor.end()

    editor.begin("1. Import V2.4.2 and V2.4.3")
    editor.click(page.get_by_role("link", name="Import an earlier version"))
    editor.fill(page.get_by_label("Version label"), "V2.4.2")
    editor.fill_date(page.get_by_label("In force from"), "2024-03-01")
    editor.fill_date(page.get_by_label("Published on"), "2024-02-15")
    text = page.locator(".Draftail-Editor [contenteditable=true]")
    text.wait_for()
    page.evaluate(PASTE, V2_4_2_TEXT)  # the editor's paste into the text field
    editor.counted()
    expect(text).to_contain_text("We process as little as we can.")
    # Draftail writes the text into the form a moment after the change (its save interval).
    expect(page.locator("input[name=text]")).to_have_value(re.compile("as little"))
    editor.click(page.get_by_role("button", name="Import", exact=True))
    editor.said("V2.4.2 imported, in force from 2024-03-01.")

    upload = tmp_path / "privacy-v2.4.3.html"
    upload.write_bytes(V2_4_3_FILE)
    editor.click(page.get_by_role("link", name="Import another"))
    editor.fill(page.get_by_label("Version label"), "V2.4.3")
    editor.fill_date(page.get_by_label("In force from"), "2025-05-01")
    editor.upload(page.get_by_label("Or upload the text"), upload)
    editor.click(page.get_by_role("button", name="Import", exact=True))
    editor.said("V2.4.3 imported, in force from 2025-05-01.")
    editor.end()
    assert PolicyVersion.objects.in_force("privacy").version_label == "V2.4.3"

    # --- 2. Three services, each a draft; published with V2.5.0 -----------------------------
    editor.begin("2. Add three services (drafts)")
    versions_before = PolicyVersion.objects.count()
    editor.click(page.get_by_role("button", name="Legal & privacy"))
    editor.click(page.get_by_role("link", name="Third-party services"))
    for number, service in enumerate(SERVICES):
        editor.click(page.get_by_role("link", name="Add third-party service"))
        page.wait_for_url("**/thirdpartyservice/add/")
        add_service(editor, service)
        editor.click(page.get_by_role("button", name="Save draft"))
        name = service["Name"]
        editor.said(f"Saved '{name}' as a draft. It goes live with the next version of the privacy")
        saved = ThirdPartyService.objects.get(name=name)
        assert not saved.live and saved.has_unpublished_changes
        assert PolicyVersion.objects.count() == versions_before  # no version by itself
        if number < len(SERVICES) - 1:  # back to the listing, for the next one
            editor.click(page.get_by_role("button", name="Legal & privacy"))
            editor.click(page.get_by_role("link", name="Third-party services"))
    editor.end()

    editor.begin("2. Publish them with V2.5.0")
    editor.click(page.locator(".messages").get_by_role("link", name="Edit the privacy policy"))
    page.wait_for_url(f"**/admin/pages/{privacy.pk}/edit/")
    changes = page.locator("[data-registry-changes]")
    for service in SERVICES:
        expect(changes).to_contain_text(f"Added {service['Name']}")
    editor.fill(page.get_by_label("Version label"), "V2.5.0")
    editor.fill_date(page.get_by_label("Effective date"), f"{takes_effect:%Y-%m-%d}")
    editor.check(page.get_by_label("Is material change"))
    editor.fill(
        page.get_by_label("What changed"),
        "Ads measurement with the Meta Pixel, visit statistics with Google Analytics, "
        "payments through Stripe.",
    )
    editor.publish()
    editor.said("Page 'Privacy policy' has been published.")
    editor.end()
    v2_5_0 = PolicyVersion.objects.get(page_id=privacy.pk, version_label="V2.5.0")
    assert v2_5_0.effective_date == takes_effect and v2_5_0.is_material_change
    # It discloses the three with the demo's server-side services, and says it added them.
    names = [service["Name"] for service in SERVICES]
    disclosed = {service.name for service in v2_5_0.disclosed_services.all()}
    assert disclosed == {*names, "Mailchimp", "Google reCAPTCHA"}
    assert "Added: Google Analytics 4, Meta Pixel, Stripe." in v2_5_0.change_summary
    assert ThirdPartyService.objects.filter(live=True, name__in=names).count() == 3
    assert PolicyVersion.objects.count() == versions_before + 1

    # --- 3. The archive holds exactly the three; the services wait for V2.5.0's date ---------
    editor.begin("3. Find the three versions in the archive")
    editor.click(page.get_by_role("button", name="More options for 'Privacy policy'"))
    editor.click(page.get_by_role("link", name="Versions", exact=True))
    with editor.context.expect_page() as opened:
        editor.click(page.get_by_role("link", name="Open the public archive"))
    archive = opened.value
    archive.wait_for_load_state()
    items = archive.locator(".version-list__item")
    expect(items).to_have_count(3)
    assert [items.nth(i).locator("h2 a").inner_text() for i in range(3)] == [
        "V2.5.0",
        "V2.4.3",
        "V2.4.2",
    ]
    effective = date_format(takes_effect, "j F Y")
    assert f"takes effect {effective}" in items.nth(0).inner_text()
    assert "imported" in items.nth(1).inner_text() and "1 May 2025" in items.nth(1).inner_text()
    assert "imported" in items.nth(2).inner_text() and "1 March 2024" in items.nth(2).inner_text()
    archive.close()
    editor.end()

    # A visitor who accepts everything today: the consent manager knows none of the new
    # services, and nothing goes to their hosts.
    visitor.open("/")
    assert configured_services(visitor) == {}
    visitor.accept_all()
    settle(visitor.page)
    assert visitor.foreign == []

    tz = timezone.get_default_timezone()
    that_morning = datetime.datetime.combine(takes_effect, datetime.time(9, 0), tzinfo=tz)
    with time_machine.travel(that_morning):
        visitor.open("/")
        assert configured_services(visitor) == {
            "meta-pixel": PIXEL_ID,
            "google-analytics-4": GA4_ID,
        }
        # The categories gained services: the banner asks again, and now they run.
        visitor.accept_all()
        settle(visitor.page)
        assert visitor.loaded(f"{GOOGLE_HOST}/gtag/js?id={GA4_ID}")
        assert visitor.loaded(f"{META_HOST}/en_US/fbevents.js")
        assert {urlsplit(url).hostname for url in visitor.foreign} == {
            f"www.{GOOGLE_HOST}",
            META_HOST,
        }

    # --- 4. A lead magnet whose resource can't be public -------------------------------------
    editor.begin("4. Lead magnet with a private resource")
    editor.click(page.get_by_role("button", name="Pages"))
    editor.click(page.get_by_role("link", name="Home", exact=True))
    editor.click(page.get_by_role("link", name="Add child page"))
    editor.click(page.get_by_role("link", name="Lead-magnet page", exact=True))
    editor.fill(field(page, "Title"), "The creator's checklist")
    editor.fill(field(page, "Teaser"), "Twelve things to settle before your first course.")
    resource = page.locator('[data-contentpath="resource"]')
    editor.click(resource.get_by_role("button", name="Choose a document"))
    modal = page.locator(".modal-dialog")
    editor.click(modal.get_by_role("link", name="Creator checklist"))
    modal.wait_for(state="hidden")
    editor.check(field(page, "Show last name"))
    editor.check(field(page, "Show phone"))
    editor.publish()
    error = resource.locator(".w-field__errors")
    expect(error).to_contain_text("“Creator checklist” is in the public collection “Root”")
    editor.click(error.get_by_role("button", name="Move it to the private collection"))
    editor.said("“Creator checklist” moved to the private collection “Lead magnet resources”")
    editor.publish()
    editor.said("Page 'The creator's checklist' has been published.")
    editor.end()
    magnet = LeadMagnetPage.objects.get(title="The creator's checklist")
    assert magnet.live and magnet.resource_id == checklist.pk
    checklist.refresh_from_db()
    assert is_private(checklist.collection)
    assert magnet.show_last_name and magnet.show_phone

    # --- 5. Sender and brand colour ----------------------------------------------------------
    editor.begin("5. Mail sender")
    editor.click(page.get_by_role("button", name="Settings"))
    editor.click(page.get_by_role("link", name="Mail sender and texts"))
    editor.fill(field(page, "Sender name"), "Creator Platform")
    editor.fill(field(page, "Sender address"), "hello@creator-platform.example")
    editor.click(page.get_by_role("button", name="Save"))
    editor.said("Mail sender and texts updated.")
    editor.end()
    assert MailSettings.load().sender() == "Creator Platform <hello@creator-platform.example>"

    editor.begin("5. Brand colour")
    editor.click(page.get_by_role("button", name="Settings"))
    editor.click(page.get_by_role("link", name="Brand"))
    editor.fill(field(page, "Primary colour"), "#ffd166")
    editor.fill(field(page, "Text colour on the primary colour"), "#ffffff")
    editor.click(page.get_by_role("button", name="Save"))
    refused = page.locator('[data-contentpath="primary_text_colour"] .w-field__errors')
    expect(refused).to_contain_text("Contrast 1.4:1 is below the 4.5:1 WCAG AA needs")
    editor.fill(field(page, "Text colour on the primary colour"), "#1d1d1b")
    editor.click(page.get_by_role("button", name="Save"))
    editor.said("Brand updated.")
    editor.end()
    brand = BrandSettings.objects.get()
    assert (brand.primary_colour, brand.primary_text_colour) == ("#ffd166", "#1d1d1b")

    # --- 6. The campaign draft in Mailchimp --------------------------------------------------
    editor.begin("6. Campaign draft in Mailchimp")
    editor.click(page.get_by_role("button", name="Legal & privacy"))
    editor.click(page.get_by_role("link", name="Legal pages"))
    editor.click(page.get_by_role("link", name="Privacy policy", exact=True))
    editor.click(page.get_by_role("button", name="Actions", exact=True))
    editor.click(page.get_by_role("link", name="Tell subscribers about a change"))
    row = page.locator(f"#version-{v2_5_0.pk}")
    editor.click(row.get_by_role("button", name="Create campaign draft"))
    subject = f"Privacy policy: changes from {effective}"
    editor.said(f"Campaign draft “{subject}” created in Mailchimp")
    editor.end()
    [campaign] = fake_mailchimp.campaigns.values()
    assert campaign["status"] == "save"
    assert campaign["settings"]["subject_line"] == subject
    assert campaign["settings"]["from_name"] == "Creator Platform"
    assert campaign["settings"]["reply_to"] == "hello@creator-platform.example"
    assert "/privacy/versions/V2.5.0/" in campaign["content"]["html"]
    assert fake_mailchimp.count("POST", "/actions/send") == 0
    assert PolicyChangeCampaign.objects.get().version == v2_5_0

    # The admin asked nothing of another site but Wagtail's own check for a new release
    # (answered by the routing, like every other outside request).
    assert {urlsplit(url).hostname for url in editor.foreign} <= {"releases.wagtail.org"}


def add_service(editor, service: dict):
    page = editor.page
    form = page.locator("#w-editor-form")
    for label in ("Name", "Provider", "Purpose", "Data categories", "Location", "Retention"):
        editor.fill(field(form, label), service[label])
    editor.select(field(form, "Legal basis"), service["Legal basis"])
    editor.select(field(form, "Transfer safeguard"), service["Transfer safeguard"])
    if "category" in service:
        editor.click(form.get_by_role("button", name="Choose cookie category"))
        modal = page.locator(".modal-dialog")
        editor.click(modal.get_by_role("link", name=service["category"], exact=True))
        modal.wait_for(state="hidden")
        editor.select(field(form, "Service type"), service["Service type"])
        editor.fill(field(form, "Tracking id"), service["Tracking id"])


def field(scope, label: str):
    """The input labelled `label` (with the "*" of a required field, not the panel of that
    name around it)."""
    labelled = scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))
    return labelled.and_(scope.locator("input, textarea, select"))


def configured_services(visitor) -> dict[str, str]:
    """The services the consent manager on the visitor's page may load, with their ids."""
    config = visitor.page.evaluate("JSON.parse(document.getElementById('cc-config').textContent)")
    return {service["key"]: service["id"] for service in config["services"]}
