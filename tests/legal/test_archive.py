"""The public archive: current page, version list, frozen versions and readable diffs."""

import datetime

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from legal.models import PolicyPage
from tests.legal.factories import PolicyPageFactory
from tests.legal.publishing import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_effective_date():
    """Version 2.0 took effect a month ago (1.0 a month before), whatever the date today."""
    return timezone.localdate() - datetime.timedelta(days=30)


@pytest.fixture
def policy(home_page, second_effective_date):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page, effective_date=second_effective_date - datetime.timedelta(days=31))
    publish(
        page,
        version_label="2.0",
        effective_date=second_effective_date,
        is_material_change=True,
        change_summary="Added the newsletter section.",
        body=[
            ("table_of_contents", {"title": "Contents"}),
            ("heading", {"text": "Who we are", "anchor": ""}),
            ("paragraph", "<p>We are a small creator business.</p>"),
            ("heading", {"text": "Newsletter", "anchor": "letter"}),
            ("paragraph", "<p>We send a letter every second Sunday.</p>"),
        ],
    )
    return PolicyPage.objects.get(pk=page.pk)


def test_current_page_shows_version_and_last_updated(client, policy, second_effective_date):
    html = client.get("/privacy/").content.decode()
    assert "Version 2.0 · last updated" in html
    day = second_effective_date
    assert f'<time datetime="{day:%Y-%m-%d}">{date_format(day, "j F Y")}</time>' in html
    assert 'href="/privacy/versions/"' in html


def test_table_of_contents_is_generated_from_the_headings(client, policy):
    html = client.get("/privacy/").content.decode()
    assert '<li><a href="#who-we-are">Who we are</a></li>' in html
    assert '<li><a href="#letter">Newsletter</a></li>' in html
    assert '<h2 id="letter">Newsletter</h2>' in html


def test_version_list_shows_every_version_with_dates_and_summaries(client, policy):
    html = client.get("/privacy/versions/").content.decode()
    assert html.index("Version 2.0") < html.index("Version 1.0")
    assert "Added the newsletter section." in html
    assert "material change" in html
    assert 'href="/privacy/versions/1.0/compare/2.0/"' in html


def test_archived_version_is_the_snapshot_noindexed_with_canonical_to_current(
    client, policy, second_effective_date
):
    response = client.get("/privacy/versions/1.0/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in html
    assert '<link rel="canonical" href="http://localhost/privacy/">' in html
    v1 = policy.versions.get(version_label="1.0")
    assert v1.html in html
    assert v1.sha256 in html
    assert "until" in html and date_format(second_effective_date, "j F Y") in html
    assert "We send a letter" not in html


def test_compare_shows_a_readable_diff(client, policy):
    response = client.get("/privacy/versions/1.0/compare/2.0/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<ins>" in html and "We send a letter every second Sunday." in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize(
    "path",
    [
        "/privacy/versions/7.0/",
        "/privacy/versions/1.0/compare/7.0/",
        "/privacy/versions/7.0/compare/1.0/",
        "/privacy/versions/not-a-label/",
        "/no-such-page/versions/1.0/",
    ],
)
def test_unknown_versions_and_pages_are_404_not_500(client, policy, path):
    assert client.get(path).status_code == 404


def test_a_page_without_versions_has_no_archive(client, home_page):
    PolicyPageFactory(parent=home_page, slug="terms", live=True)
    assert client.get("/terms/versions/").status_code == 404


def test_archive_urls_stay_out_of_the_sitemap(client, policy):
    body = client.get("/sitemap.xml").content.decode()
    assert "/privacy/</loc>" in body
    assert "/versions/" not in body
