"""The small things an editor tripped over: form messages that read right, the impressum's
legal form printed once, the table of contents and the editor's own numbers, and the login
`demo_editor` prints for the address actually served."""

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from legal.blocks import NUMBERED_HEADING
from legal.models import ImpressumPage
from tests.legal.factories import (
    ImpressumPageFactory,
    PolicyPageFactory,
    ThirdPartyServiceFactory,
)
from website.management.commands.serve import address_url

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

# --- Form messages --------------------------------------------------------------------------

INSTRUCTION = re.compile(r"^(Enter|Choose|Name) .+ \(required by .+\)\.$")


def test_every_missing_impressum_fact_is_an_instruction_with_its_law():
    """All of them at once: a legal form with representatives and a register, a regulated
    profession begun, editorial content, and nothing else filled in."""
    page = ImpressumPage(
        title="Impressum",
        legal_form="gmbh",
        country="",
        has_editorial_content=True,
        profession_chamber="Architektenkammer Berlin",
    )
    messages = page.mandatory_field_errors()
    assert {
        "representatives",
        "register_court",
        "register_number",
        "profession_title",
        "content_responsible_name",
    } <= set(messages)
    for field, message in messages.items():
        if field == "phone":
            assert message == (
                "Enter a phone number or choose a contact form: a second fast way to get in "
                "touch is required by § 5 (1) no. 2 DDG."
            )
            continue
        assert INSTRUCTION.match(message), message
        assert " is required" not in message and " are required" not in message
    assert messages["representatives"] == (
        "Name the authorised representatives (required by § 5 (1) no. 1 DDG for this legal form)."
    )
    assert messages["profession_state"] == (
        "Enter the state that conferred the title (required by § 5 (1) no. 5 DDG for a "
        "regulated profession)."
    )


def test_the_service_registry_messages_say_what_to_do(db):
    service = ThirdPartyServiceFactory.build(service_type="ga4", tracking_id="UA-1")
    with pytest.raises(ValidationError) as refused:
        service.clean()
    errors = refused.value.message_dict
    assert errors["tracking_id"] == ["Enter the tracking ID as G-XXXXXXXXXX."]
    assert errors["cookie_group"] == [
        "Choose an optional cookie category: code that runs in visitors' browsers needs "
        "their consent."
    ]
    custom = ThirdPartyServiceFactory.build(service_type="custom", custom_code=" ")
    with pytest.raises(ValidationError) as refused:
        custom.clean()
    assert refused.value.message_dict["custom_code"] == ["Paste the code this custom service runs."]


# --- The impressum's legal form -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "legal_form", "printed"),
    [
        ("Plexosoft GmbH", "gmbh", ""),
        ("Plexosoft gGmbH", "gmbh", ""),
        ("Muster UG (haftungsbeschränkt)", "ug", ""),
        ("Muster Verwaltungs GmbH & Co. KG", "kg", ""),
        ("Ilka Sommer e.K.", "ek", ""),
        ("Zeichenfreunde e. V.", "ev", ""),
        ("Plexosoft", "gmbh", "GmbH"),
        ("AGB Studio", "ag", "AG"),  # "AG" inside a word is not the form
        ("Test Creator", "sole_trader", "Sole trader (Einzelunternehmen, not registered)"),
    ],
)
def test_the_legal_form_is_printed_unless_the_name_ends_with_it(name, legal_form, printed):
    page = ImpressumPage(provider_name=name, legal_form=legal_form)
    assert page.legal_form_to_print() == printed


def test_the_impressum_prints_a_company_name_with_its_form_once(home_page):
    page = ImpressumPageFactory(
        parent=home_page,
        provider_name="Plexosoft GmbH",
        legal_form="gmbh",
        representatives="Jana Plexo",
        register_court="Amtsgericht Charlottenburg",
        register_number="HRB 123456",
    )
    provider = re.search(r'<h2 id="provider">Provider</h2>\s*<p>(.*?)</p>', page.render_snapshot())
    lines = provider.group(1).split("<br>")
    assert lines[:2] == ["Plexosoft GmbH", "Represented by Jana Plexo"]
    assert "GmbH" not in lines[1:]


def test_the_impressum_prints_the_form_when_the_name_lacks_it(home_page):
    page = ImpressumPageFactory(
        parent=home_page, provider_name="Plexosoft", legal_form="gmbh", representatives="J. P."
    )
    provider = re.search(r'<h2 id="provider">Provider</h2>\s*<p>(.*?)</p>', page.render_snapshot())
    assert provider.group(1).split("<br>")[:2] == ["Plexosoft", "GmbH"]


# --- The table of contents ------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "1. Who we are",
        "2 Cookies",
        "2.3 Transfers",
        "4) Rights",
        "§ 5 Scope",
        "II. Data",
        "A. Terms",
    ],
)
def test_numbered_headings_are_recognised(heading):
    assert NUMBERED_HEADING.match(heading)


@pytest.mark.parametrize(
    "heading", ["Who we are", "2026 update", "U.S. transfers", "I am the controller", "Cookies"]
)
def test_other_headings_are_not_numbered(heading):
    assert not NUMBERED_HEADING.match(heading)


def toc_list(page) -> str:
    return re.search(r'<nav class="toc".*?(<ol[^>]*>)', page.render_snapshot(), re.S).group(1)


def test_the_toc_adds_no_numbers_in_front_of_the_editors_own(home_page):
    page = PolicyPageFactory(
        parent=home_page,
        body=[
            ("table_of_contents", {"title": "Contents"}),
            ("heading", {"text": "1. Who we are", "anchor": ""}),
            ("heading", {"text": "2. What we collect", "anchor": ""}),
            ("heading", {"text": "Contact", "anchor": ""}),
        ],
    )
    assert toc_list(page) == '<ol class="toc__own-numbers">'
    assert ">1. Who we are</a>" in page.render_snapshot()


def test_the_toc_numbers_headings_without_numbers(home_page):
    page = PolicyPageFactory(
        parent=home_page,
        body=[
            ("table_of_contents", {"title": "Contents"}),
            ("heading", {"text": "Who we are", "anchor": ""}),
            ("heading", {"text": "What we collect", "anchor": ""}),
        ],
    )
    assert toc_list(page) == "<ol>"


def test_the_site_stylesheet_hides_the_lists_numbers_for_own_numbers():
    css = (ROOT / "static/css/site.css").read_text()
    assert re.search(r"\.toc ol\.toc__own-numbers \{[^}]*list-style: none", css)


# --- demo_editor and the served address ------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("127.0.0.1:9123", "http://127.0.0.1:9123"),
        ("0.0.0.0:8080", "http://127.0.0.1:8080"),
        ("[::]:8080", "http://[::1]:8080"),
        ("localhost:5000", "http://localhost:5000"),
    ],
)
def test_the_served_address_as_a_browser_opens_it(bind, url):
    assert address_url(bind) == url


def test_demo_editor_prints_the_admin_of_the_address_served(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    output = run("demo_editor", "--bind", "127.0.0.1:9123")
    assert "Admin:    http://127.0.0.1:9123/admin/" in output
    assert ":8000/admin/" not in output
    # Mails are built from the base URL: the editor is told it points elsewhere.
    assert "Links in e-mails point to http://127.0.0.1:8000/ (WAGTAILADMIN_BASE_URL)" in output


def test_demo_editor_without_an_address_prints_the_base_urls(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:9555"
    output = run("demo_editor")
    assert "Admin:    http://127.0.0.1:9555/admin/" in output
    assert "Links in e-mails" not in output


def test_make_run_serves_and_prints_the_same_address():
    makefile = (ROOT / "Makefile").read_text()
    run_target = re.search(r"^run: install\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "demo_editor --bind $(BIND)" in run_target
    assert "serve --bind $(BIND)" in run_target
    assert "run: export WAGTAILADMIN_BASE_URL ?= http://$(BIND)" in makefile
