"""Version labels the business owns, its earlier history imported in the admin, and versions
withdrawn from the public archive."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from wagtail.models import GroupPagePermission, PageLogEntry
from wagtail.test.utils.form_data import rich_text

from legal.consent import consent_revision
from legal.hashing import text_hash
from legal.models import PolicyPage, PolicyVersion
from legal.version_labels import (
    URL_LABEL_PATTERN,
    is_valid_label,
    label_is_after,
    label_numbers,
    label_slug,
    next_free_label,
    next_label,
    version_name,
)
from legal.versioning import record_version
from newsletter.models import ConsentChannel, ConsentEvent, Contact
from tests.legal.factories import PolicyPageFactory
from tests.legal.publishing import publish
from tests.legal.test_admin import edit_form, post_edit
from website import page_cache

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
NOON = datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    """Every date in these tests is relative to 15 June 2026."""
    with time_machine.travel(NOON, tick=False):
        yield


# --- Labels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label", ["3", "2.1", "2.4.3", "1.2.3.4", "V2.4.3", "v3", "2026-02", "Version 2.1", "Rev. 3"]
)
def test_labels_may_carry_a_prefix_and_any_numeric_scheme(label):
    assert is_valid_label(label)


@pytest.mark.parametrize(
    "label",
    ["", "V", "2.", ".2", "1.2.3.4.5", "Version  2", "2.1 draft", "2/1", "<b>2</b>", "V 2.1 "],
)
def test_labels_without_a_number_or_with_stray_characters_are_refused(label):
    assert not is_valid_label(label)


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ("1.10", "1.9"),
        ("V2.5.0", "2.4.3"),
        ("2.4.3", "V2.4.2"),
        ("2026-03", "2026-02"),
        ("3", "2.9"),
    ],
)
def test_labels_compare_by_their_numbers_whatever_the_prefix(higher, lower):
    assert label_is_after(higher, lower)
    assert not label_is_after(lower, higher)


def test_the_same_number_is_not_higher_with_another_prefix_or_trailing_zeros():
    assert not label_is_after("V2.0", "2")
    assert not label_is_after("2.0.0", "Version 2")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("V2.4.3", "V2.4.4"),
        ("v3", "v4"),
        ("Version 2.1", "Version 2.2"),
        ("1.09", "1.10"),
        ("2.4.9", "2.4.10"),
        ("2026-02", "2026-03"),
        ("2026-12", "2027-01"),
        ("", "1.0"),
    ],
)
def test_the_proposal_keeps_the_business_prefix_and_scheme(label, expected):
    assert next_label(label) == expected


def test_a_year_month_label_proposes_the_current_month():
    assert next_label("2025-11", today=TODAY) == "2026-06"
    assert next_label("2026.06", today=TODAY) == "2026.07"  # this month is taken already


def test_the_proposal_skips_labels_withdrawn_versions_keep():
    assert next_free_label("V2.4.3", {"V2.4.4", "V2.4.5"}) == "V2.4.6"


@pytest.mark.parametrize(
    ("label", "name", "slug"),
    [
        ("2.0", "version 2.0", "2.0"),
        ("V2.4.3", "V2.4.3", "V2.4.3"),
        ("Version 2.1", "Version 2.1", "Version-2.1"),
        ("Rev. 3", "Rev. 3", "Rev.-3"),
    ],
)
def test_names_and_url_forms(label, name, slug):
    assert version_name(label) == name
    assert label_slug(label) == slug


prefixes = st.sampled_from(["", "V", "v", "Version ", "Rev. ", "R-"])
numbers = st.lists(st.integers(min_value=0, max_value=99999), min_size=1, max_size=4)
separators = st.sampled_from([".", "-"])


def make_label(prefix, parts, separator):
    return prefix + separator.join(str(part) for part in parts)


@given(prefixes, numbers, separators, prefixes, numbers, separators)
def test_any_two_labels_order_like_their_padded_numbers(p1, n1, s1, p2, n2, s2):
    first, second = make_label(p1, n1, s1), make_label(p2, n2, s2)
    assert is_valid_label(first) and is_valid_label(second)
    pad = lambda parts: (*parts, *[0] * (4 - len(parts)))  # noqa: E731
    assert label_is_after(first, second) == (pad(n1) > pad(n2))


@given(prefixes, numbers, separators)
def test_the_proposal_is_higher_in_the_same_style_and_every_label_has_a_url(prefix, parts, sep):
    label = make_label(prefix, parts, sep)
    proposed = next_label(label)
    assert label_is_after(proposed, label)
    assert proposed.startswith(prefix)
    assert re.fullmatch(URL_LABEL_PATTERN, label_slug(label))


# --- Publishing with the business's labels --------------------------------------------------------


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def policy(home_page):
    """A live privacy policy without versions yet, as a fresh site has it."""
    return PolicyPageFactory(parent=home_page, slug="privacy", live=True)


def test_a_prefixed_label_typed_in_the_page_is_published_as_typed(editor_client, policy):
    response = post_edit(editor_client, policy, version_label="V2.4.3")
    assert response.status_code == 302
    version = PolicyVersion.objects.get(page_id=policy.pk)
    assert version.version_label == "V2.4.3"
    html = editor_client.get("/privacy/").content.decode()
    assert "V2.4.3 · last updated" in html


def test_a_label_not_higher_than_the_last_is_a_form_error_naming_it(editor_client, policy):
    publish(policy, version_label="V2.4.3")
    for label in ("2.4.3", "V2.4.2", "2.1"):
        response = post_edit(editor_client, policy, version_label=label)
        assert response.status_code == 200
        assert "Must be higher than the last published version, V2.4.3." in (
            response.content.decode()
        )
    assert PolicyVersion.objects.filter(page_id=policy.pk).count() == 1
    assert post_edit(editor_client, policy, version_label="2.5").status_code == 302
    assert PolicyVersion.objects.filter(page_id=policy.pk).latest("pk").version_label == "2.5"


def test_the_edit_form_proposes_the_next_label_in_the_business_style(editor_client, policy):
    publish(policy, version_label="V2.4.3")
    data = edit_form(editor_client, policy)
    assert data["version_label"] == "V2.4.4"


def test_an_invalid_label_is_a_form_error_with_examples(editor_client, policy):
    response = post_edit(editor_client, policy, version_label="two point one")
    assert response.status_code == 200
    assert "Use numbers like 3, 2.1 or 2026-02" in response.content.decode()


def test_a_stale_label_without_a_form_takes_the_next_and_says_so(policy):
    """A scheduled publish or a workflow approval: no form stands between the label and the
    version any more, so it is recorded anyway, under the next label, with a note."""
    publish(policy, version_label="V2.4.3")
    page = PolicyPage.objects.get(pk=policy.pk)
    page.version_label, page.change_summary = "V2.4.1", "Clarified retention."
    version = record_version(page, page.save_revision())
    assert version.version_label == "V2.4.4"
    assert version.change_summary == (
        "Clarified retention. Published as V2.4.4: V2.4.1 was lower than V2.4.3."
    )


def test_archive_urls_take_every_label_form_and_old_ones_keep_working(client, policy):
    publish(policy, version_label="2.0")
    publish(policy, version_label="Version 2.1", change_summary="Reworded.")
    assert client.get("/privacy/versions/2.0/").status_code == 200
    assert client.get("/privacy/versions/Version-2.1/").status_code == 200
    assert client.get("/privacy/versions/version-2.1/").status_code == 200
    assert client.get("/privacy/versions/2.0/compare/Version-2.1/").status_code == 200
    listing = client.get("/privacy/versions/").content.decode()
    assert 'href="/privacy/versions/Version-2.1/"' in listing
    assert ">Version 2.1</a>" in listing and "Compare with version 2.0" in listing


# --- Import ------------------------------------------------------------------------------------


def import_url(page):
    return f"/admin/legal-versions/{page.pk}/import/"


def import_form(label, effective, text="", upload=None, **extra):
    data = {
        "version_label": label,
        "effective_date": effective.isoformat(),
        "published_on": "",
        "change_summary": "",
        "text": rich_text(text) if text else "",
        **extra,
    }
    if upload is not None:
        data["file"] = upload
    return data


def imported(page):
    return {v.version_label: v for v in PolicyVersion.objects.filter(page_id=page.pk)}


def test_an_editor_imports_a_pasted_version_with_its_own_label_and_dates(editor_client, policy):
    response = editor_client.post(
        import_url(policy),
        import_form(
            "V2.4.2",
            datetime.date(2024, 3, 1),
            "<h2>Who we are</h2><p>The creator platform, <b>as of 2024</b>.</p>",
            published_on="2024-02-15",
            change_summary="Added the shop.",
        ),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/admin/legal-versions/{policy.pk}/"
    assert "V2.4.2 imported, in force from 2024-03-01." in response.content.decode()
    version = imported(policy)["V2.4.2"]
    assert version.imported and version.revision is None
    assert version.effective_date == datetime.date(2024, 3, 1)
    assert timezone.localtime(version.published_at).date() == datetime.date(2024, 2, 15)
    assert version.change_summary == "Added the shop."
    assert "<h2>Who we are</h2>" in version.html and "<b>as of 2024</b>" in version.html
    assert version.sha256 == text_hash(version.html)
    assert version.disclosed_services.count() == 0
    entry = PageLogEntry.objects.get(page=policy, action="legal.version.import")
    assert entry.user == editor_client.user
    assert entry.message == "Imported V2.4.2, in force from 2024-03-01"


HOSTILE_HTML = b"""<!DOCTYPE html><html><head><title>Old policy</title>
<style>body{display:none}</style><script>alert(1)</script></head>
<body><h1 id="cc-banner" class="cc-banner">Privacy policy</h1>
<p onclick="steal()">We protect <a href="javascript:alert(1)">your</a> data.
<a href="https://example.com/dpa" target="_blank" style="color:red">Processor list</a></p>
<img src="https://tracker.example/pixel.gif"><iframe src="https://evil.example"></iframe>
<template><script>alert(2)</script></template><!-- a comment --></body></html>"""


def test_an_uploaded_html_file_is_stripped_of_anything_hostile(editor_client, policy, client):
    upload = SimpleUploadedFile("privacy-v2.4.2.html", HOSTILE_HTML, "text/html")
    response = editor_client.post(
        import_url(policy), import_form("V2.4.2", datetime.date(2024, 3, 1), upload=upload)
    )
    assert response.status_code == 302
    html = imported(policy)["V2.4.2"].html
    assert html.startswith("<h2>Privacy policy</h2>")  # the document's title is a section
    assert '<a href="https://example.com/dpa">Processor list</a>' in html
    for hostile in (
        "script",
        "alert",
        "style",
        "onclick",
        "javascript:",
        "cc-banner",
        "<img",
        "iframe",
        "tracker",
        "<!--",
        "Old policy",
        "display:none",
    ):
        assert hostile not in html, hostile
    page = client.get("/privacy/versions/V2.4.2/").content.decode()
    assert "We protect <a>your</a> data." in page


def test_text_and_markdown_files_are_imported_as_paragraphs_and_headings(editor_client, policy):
    text = b"Who we are\n\nWe sell <courses>.\nSince 2019."
    markdown = b"# Privacy\n\n## Data\n\n- e-mail\n- *name*\n\n<script>alert(1)</script>"
    for label, name, content, day in (
        ("1.0", "old.txt", text, datetime.date(2020, 1, 1)),
        ("1.1", "old.md", markdown, datetime.date(2021, 1, 1)),
    ):
        upload = SimpleUploadedFile(name, content, "text/plain")
        response = editor_client.post(import_url(policy), import_form(label, day, upload=upload))
        assert response.status_code == 302
    versions = imported(policy)
    assert versions["1.0"].html == (
        "<p>Who we are</p>\n<p>We sell &lt;courses&gt;.<br>Since 2019.</p>"
    )
    md = versions["1.1"].html
    assert "<h2>Privacy</h2>" in md and "<h2>Data</h2>" in md and "<em>name</em>" in md
    assert "<script" not in md and "alert(1)" in md  # shown as text, never run


def form_errors(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Paste the text of this version, or upload it as a file."),
        ({"version_label": "draft"}, "Use numbers like 3, 2.1 or 2026-02"),
        ({"effective_date": "2026-07-01"}, "An imported version has already taken effect"),
        ({"published_on": "2026-07-01"}, "Use a date up to today."),
        ({"text": "<p> </p>"}, "Paste the text of this version, or upload it as a file."),
    ],
)
def test_import_form_errors(editor_client, policy, data, message):
    form = import_form("V2.4.2", datetime.date(2024, 3, 1), "<p>Old text</p>")
    form.update(data)
    if form["text"].startswith("<"):
        form["text"] = rich_text(form["text"])
    assert message in form_errors(editor_client.post(import_url(policy), form))
    assert not PolicyVersion.objects.filter(page_id=policy.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.pdf", b"%PDF-1.4", "Upload an .html, .txt or .md file."),
        ("old.txt", "Datenschutzerklärung".encode("latin-1"), "This file isn&#x27;t UTF-8 text"),
        ("old.html", b"<script>only()</script>", "the file holds no readable text"),
    ],
)
def test_unusable_files_are_form_errors(editor_client, policy, name, content, message):
    upload = SimpleUploadedFile(name, content)
    form = import_form("V2.4.2", datetime.date(2024, 3, 1), upload=upload)
    assert message in form_errors(editor_client.post(import_url(policy), form))


def test_pasted_text_and_a_file_together_are_refused(editor_client, policy):
    upload = SimpleUploadedFile("old.txt", b"Old text")
    form = import_form("V2.4.2", datetime.date(2024, 3, 1), "<p>Old text</p>", upload=upload)
    page = form_errors(editor_client.post(import_url(policy), form))
    assert "Paste the text or upload a file, not both." in page


def test_imported_versions_come_before_the_site_own(editor_client, policy):
    publish(policy, version_label="2.0", effective_date=datetime.date(2025, 1, 1))
    form = import_form("V2.4.2", datetime.date(2024, 3, 1), "<p>Old</p>")
    page = form_errors(editor_client.post(import_url(policy), form))
    assert "Must be lower than 2.0, the first version published on this site" in page
    assert "If that version is demo content, withdraw it first." in page
    form = import_form("1.5", datetime.date(2025, 2, 1), "<p>Old</p>")
    page = form_errors(editor_client.post(import_url(policy), form))
    assert "Must be on or before 2025-01-01, when version 2.0 took effect" in page


def test_imported_versions_must_agree_with_each_other(editor_client, policy):
    first = import_form("V2.4.2", datetime.date(2024, 3, 1), "<p>Old</p>")
    assert editor_client.post(import_url(policy), first).status_code == 302
    again = form_errors(editor_client.post(import_url(policy), first))
    assert "This page already has V2.4.2." in again
    same = form_errors(
        editor_client.post(import_url(policy), {**first, "version_label": "2.4.2.0"})
    )
    assert "This page already has V2.4.2, the same number." in same
    earlier = import_form("V2.4.3", datetime.date(2024, 1, 1), "<p>Old</p>")
    page = form_errors(editor_client.post(import_url(policy), earlier))
    assert "Must be on or after 2024-03-01, when V2.4.2 took effect" in page


def test_the_archive_marks_imported_versions_with_their_dates_as_given(
    editor_client, policy, client
):
    for label, day in (
        ("V2.4.3", datetime.date(2025, 5, 1)),
        ("V2.4.2", datetime.date(2024, 3, 1)),
    ):
        text = f"<p>Text of {label}</p>"
        assert (
            editor_client.post(import_url(policy), import_form(label, day, text)).status_code == 302
        )
    listing = client.get("/privacy/versions/").content.decode()
    assert listing.index(">V2.4.3</a>") < listing.index(">V2.4.2</a>")  # by number, not by pk
    assert listing.count('<span class="badge badge--imported">imported</span>') == 2
    assert "1 May 2025" in listing and "published 1 March 2024" in listing
    assert "Versions marked “imported” were published before this site" in listing
    assert 'href="/privacy/versions/V2.4.2/compare/V2.4.3/"' in listing
    detail = client.get("/privacy/versions/V2.4.2/").content.decode()
    assert "Imported: published 1 March 2024, before this site" in detail
    assert "until <time" in detail and "1 May 2025" in detail
    current = client.get("/privacy/").content.decode()
    assert "V2.4.3 · last updated" in current and "Text of V2.4.3" in current
    assert PolicyVersion.objects.in_force("privacy").version_label == "V2.4.3"


def test_the_next_label_follows_the_highest_imported_one(editor_client, policy):
    for label, day in (
        ("V2.4.2", datetime.date(2024, 3, 1)),
        ("V2.4.3", datetime.date(2025, 5, 1)),
    ):
        editor_client.post(import_url(policy), import_form(label, day, "<p>Old</p>"))
    assert edit_form(editor_client, policy)["version_label"] == "V2.4.4"
    refused = post_edit(editor_client, policy, version_label="2.4.3")
    assert "Must be higher than the last published version, V2.4.3." in form_errors(refused)
    assert post_edit(editor_client, policy, version_label="V2.5.0").status_code == 302
    labels = sorted(imported(policy), key=label_numbers)
    assert labels == ["V2.4.2", "V2.4.3", "V2.5.0"]
    assert not imported(policy)["V2.5.0"].imported


# --- Withdrawal --------------------------------------------------------------------------------


def withdraw_url(version):
    return f"/admin/legal-versions/{version.page_id}/withdraw/{version.pk}/"


@pytest.fixture
def demo_policy(home_page):
    """Two versions of demo content, 1.0 (last year) and 2.0 (in force since January)."""
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page, effective_date=datetime.date(2025, 6, 1))
    publish(page, version_label="2.0", effective_date=datetime.date(2026, 1, 1))
    return PolicyPage.objects.get(pk=page.pk)


def test_withdrawing_asks_for_a_reason_and_logs_it(editor_client, demo_policy):
    version = demo_policy.versions.get(version_label="2.0")
    page = editor_client.get(withdraw_url(version)).content.decode()
    assert "Withdraw version 2.0 of “Privacy policy”" in page
    assert "The page shows version 1.0 (in force from 2025-06-01) instead" in page
    missing = form_errors(editor_client.post(withdraw_url(version), {"reason": " "}))
    assert "Give a reason: it is kept in the page&#x27;s history." in missing

    response = editor_client.post(withdraw_url(version), {"reason": "Demo content."}, follow=True)
    assert "2.0 withdrawn from the public archive." in response.content.decode()
    version.refresh_from_db()
    assert version.withdrawn_at == NOON and version.withdrawal_reason == "Demo content."
    assert version.html and version.sha256 == text_hash(version.html)  # kept as published
    entry = PageLogEntry.objects.get(page=demo_policy, action="legal.version.withdraw")
    assert (entry.message, entry.comment) == (
        "Withdrew version 2.0 from the public archive",
        "Demo content.",
    )
    history = editor_client.get(f"/admin/pages/{demo_policy.pk}/history/").content.decode()
    assert "Withdrew version 2.0 from the public archive" in history and "Demo content." in history
    listing = editor_client.get(f"/admin/legal-versions/{demo_policy.pk}/").content.decode()
    assert "withdrawn" in listing and "Demo content." in listing


def test_a_withdrawn_version_leaves_the_archive_and_its_url_is_gone(
    editor_client, demo_policy, client
):
    version = demo_policy.versions.get(version_label="2.0")
    editor_client.post(withdraw_url(version), {"reason": "Published by mistake."})
    listing = client.get("/privacy/versions/").content.decode()
    assert "Version 1.0" in listing and "Version 2.0" not in listing
    gone = client.get("/privacy/versions/2.0/")
    assert gone.status_code == 410
    assert "version 2.0 withdrawn" in gone.content.decode()
    assert "Published by mistake." not in gone.content.decode()  # the reason stays internal
    assert client.get("/privacy/versions/1.0/compare/2.0/").status_code == 410
    assert "Version 1.0 · last updated" in client.get("/privacy/").content.decode()


def test_a_withdrawn_version_is_never_in_force(editor_client, demo_policy):
    version = demo_policy.versions.get(version_label="2.0")
    PolicyVersion.objects.filter(pk=version.pk).update(is_material_change=True)
    assert consent_revision() == version.pk
    editor_client.post(withdraw_url(version), {"reason": "Demo content."})
    assert PolicyVersion.objects.in_force("privacy").version_label == "1.0"
    assert consent_revision() == 0  # visitors are not asked again for a withdrawn change
    contact = Contact.objects.create(email="ada@example.org", email_key="ada@example.org")
    event = ConsentEvent.objects.record(
        contact, purpose="newsletter", text="Yes.", channel=ConsentChannel.choices[0][0]
    )
    assert event.privacy_version.version_label == "1.0"


def test_a_withdrawn_announcement_is_no_longer_announced(editor_client, demo_policy, client):
    upcoming = publish(
        demo_policy,
        version_label="3.0",
        effective_date=datetime.date(2026, 9, 1),
        is_material_change=True,
        change_summary="New processors.",
    )
    assert "A new version takes effect" in client.get("/privacy/").content.decode()
    moment = page_cache.next_policy_change(generation=-1)
    assert moment < float("inf")
    editor_client.post(withdraw_url(upcoming), {"reason": "Wrong date."})
    assert "A new version takes effect" not in client.get("/privacy/").content.decode()
    assert page_cache.next_policy_change(generation=-2) == float("inf")


def test_a_withdrawn_label_is_not_reused(editor_client, demo_policy):
    version = demo_policy.versions.get(version_label="2.0")
    editor_client.post(withdraw_url(version), {"reason": "Demo content."})
    assert edit_form(editor_client, demo_policy)["version_label"] == "1.1"
    page = form_errors(post_edit(editor_client, demo_policy, version_label="2.0"))
    assert "2.0 belongs to a withdrawn version, which keeps its label. Use 1.1" in page
    # Without the form (a scheduled publish), the next free label, and a note.
    draft = PolicyPage.objects.get(pk=demo_policy.pk)
    draft.version_label = "2.0"
    recorded = record_version(draft, draft.save_revision())
    assert recorded.version_label == "1.1"
    assert recorded.change_summary == "Published as 1.1: 2.0 belongs to a withdrawn version."


def test_demo_versions_withdrawn_then_the_real_history_imported(editor_client, demo_policy):
    """The move of a real business: the demo's versions go, V2.4.2 and V2.4.3 come in."""
    for version in demo_policy.versions.all():
        editor_client.post(withdraw_url(version), {"reason": "Demo content."})
    for label, day in (
        ("V2.4.2", datetime.date(2024, 3, 1)),
        ("V2.4.3", datetime.date(2025, 5, 1)),
    ):
        response = editor_client.post(import_url(demo_policy), import_form(label, day, "<p>x</p>"))
        assert response.status_code == 302
    assert PolicyVersion.objects.in_force("privacy").version_label == "V2.4.3"
    assert edit_form(editor_client, demo_policy)["version_label"] == "V2.4.4"


def test_withdrawing_twice_only_says_so(editor_client, demo_policy):
    version = demo_policy.versions.get(version_label="1.0")
    editor_client.post(withdraw_url(version), {"reason": "Demo content."})
    response = editor_client.post(withdraw_url(version), {"reason": "Again."}, follow=True)
    assert "1.0 was already withdrawn." in response.content.decode()
    version.refresh_from_db()
    assert version.withdrawal_reason == "Demo content."


def test_published_versions_stay_immutable_apart_from_withdrawal(demo_policy):
    version = demo_policy.versions.get(version_label="1.0")
    version.html = "<p>tampered</p>"
    with pytest.raises(Exception, match="immutable"):
        version.save(update_fields=["html", "withdrawn_at"])


# --- Permissions and entry points ---------------------------------------------------------------


@pytest.fixture
def drafting_editor(client, django_user_model, home_page):
    """May edit pages and submit them for review, but not publish."""
    group = Group.objects.create(name="Drafting editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.create(
            group=group, page=home_page, permission=Permission.objects.get(codename=codename)
        )
    user = django_user_model.objects.create_user("drafter", "d@example.com", "pw")
    user.groups.add(group)
    client.force_login(user)
    return client


def test_importing_and_withdrawing_need_the_publish_permission(drafting_editor, demo_policy):
    version = demo_policy.versions.get(version_label="1.0")
    listing = drafting_editor.get(f"/admin/legal-versions/{demo_policy.pk}/")
    assert listing.status_code == 200
    assert "Withdraw" not in listing.content.decode()
    assert "Import an earlier version" not in listing.content.decode()
    assert drafting_editor.get(import_url(demo_policy)).status_code == 302  # permission denied
    assert drafting_editor.post(withdraw_url(version), {"reason": "x"}).status_code == 302
    version.refresh_from_db()
    assert version.withdrawn_at is None


def test_legal_pages_have_a_versions_item_in_their_menus(editor_client, demo_policy, home_page):
    url = f"/admin/legal-versions/{demo_policy.pk}/"
    assert url in editor_client.get(f"/admin/pages/{demo_policy.pk}/edit/").content.decode()
    assert url in editor_client.get(f"/admin/pages/{home_page.pk}/").content.decode()
    home_edit = editor_client.get(f"/admin/pages/{home_page.pk}/edit/").content.decode()
    assert "/admin/legal-versions/" not in home_edit
    listing = editor_client.get(url).content.decode()
    assert "Import an earlier version" in listing
    assert withdraw_url(demo_policy.versions.get(version_label="2.0")) in listing
