"""Published legal versions: frozen, pinned, labelled in order, public and time-aware."""

import datetime
import hashlib
import io
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.models import Revision

from legal.models import PolicyPage, PolicyVersion
from legal.version_labels import label_is_after, next_label
from legal.versioning import record_version
from tests.legal.factories import PolicyPageFactory, ThirdPartyServiceFactory
from tests.legal.publishing import draft_service, publish, save_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_effective_date():
    """The policy's first version took effect a month ago, whatever the date today."""
    return timezone.localdate() - datetime.timedelta(days=30)


@pytest.fixture
def policy(home_page, first_effective_date):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    publish(page, effective_date=first_effective_date)
    return PolicyPage.objects.get(pk=page.pk)


def test_publishing_freezes_the_rendered_body_with_its_hash_and_revision(
    policy, first_effective_date
):
    version = PolicyVersion.objects.get(page_id=policy.pk)
    assert version.version_label == "1.0"
    assert version.effective_date == first_effective_date
    assert '<h2 id="who-we-are">Who we are</h2>' in version.html
    assert version.sha256 == hashlib.sha256(version.html.encode()).hexdigest()
    assert version.revision_id == policy.live_revision_id
    assert version.kind == "privacy"


def test_a_version_does_not_change_when_the_page_is_edited_and_republished(policy):
    v1 = PolicyVersion.objects.get(page_id=policy.pk)
    html, digest = v1.html, v1.sha256
    body = [("paragraph", "<p>Completely new wording.</p>")]
    v2 = publish(policy, body=body, version_label="2.0", change_summary="Rewritten.")
    v1.refresh_from_db()
    assert (v1.html, v1.sha256) == (html, digest)
    assert "Completely new wording" in v2.html and v2.sha256 != digest


def test_a_version_does_not_change_when_a_referenced_snippet_changes(policy):
    service = ThirdPartyServiceFactory(name="Analytics One")
    v2 = publish(policy, body=[("services", {"intro": ""})], version_label="2.0")
    frozen = (v2.html, v2.sha256)
    assert "Analytics One" in v2.html

    save_draft(service, name="Analytics Renamed")
    # A saved service is a draft: no version of its own, the live row unchanged.
    assert PolicyVersion.objects.filter(page_id=policy.pk).count() == 2
    v3 = publish(policy, version_label="2.1")

    v2.refresh_from_db()
    assert (v2.html, v2.sha256) == frozen
    # The change goes live with the next version, which dates it in the archive.
    assert v3.version_label == "2.1"
    assert "Analytics Renamed" in v3.html
    assert v3.change_summary == "Changed: Analytics Renamed."


def test_a_service_added_to_the_registry_reaches_the_policy_with_its_next_version(client, policy):
    publish(policy, body=[("services", {"intro": ""})], version_label="2.0")
    draft_service(name="Newsletter Mailer")
    assert "Newsletter Mailer" not in client.get("/privacy/").content.decode()
    publish(policy, version_label="2.1")
    assert "Newsletter Mailer" in client.get("/privacy/").content.decode()


def test_registry_changes_leave_policies_without_the_block_alone(policy):
    service = draft_service(name="Unrelated")
    version = publish(policy, version_label="1.1")
    service.refresh_from_db()
    assert not service.live and service.has_unpublished_changes
    assert list(version.disclosed_services.all()) == []
    assert PolicyVersion.objects.filter(page_id=policy.pk).count() == 2


def test_published_versions_are_immutable(policy):
    version = PolicyVersion.objects.get(page_id=policy.pk)
    version.html = "<p>tampered</p>"
    with pytest.raises(ValidationError):
        version.save()


def test_purge_revisions_leaves_every_pinned_revision(policy):
    publish(policy, version_label="2.0", body=[("paragraph", "<p>Two</p>")])
    draft = PolicyPage.objects.get(pk=policy.pk)
    draft.body = [("paragraph", "<p>Unpublished draft</p>")]
    draft.save_revision()
    pinned = set(PolicyVersion.objects.values_list("revision_id", flat=True))
    assert len(pinned) == 2

    call_command("purge_revisions", stdout=io.StringIO())

    assert pinned <= set(Revision.objects.values_list("pk", flat=True))
    assert PolicyPage.objects.get(pk=policy.pk).live_revision_id in pinned


def test_drafts_never_appear_in_the_archive(client, policy):
    draft = PolicyPage.objects.get(pk=policy.pk)
    draft.version_label = "9.0"
    draft.body = [("paragraph", "<p>Secret draft wording</p>")]
    draft.save_revision()
    listing = client.get("/privacy/versions/").content.decode()
    assert "Version 1.0" in listing and "9.0" not in listing
    assert client.get("/privacy/versions/9.0/").status_code == 404
    assert "Secret draft wording" not in client.get("/privacy/").content.decode()


def test_a_stale_label_outside_the_form_gets_the_next_one_and_says_so(policy):
    """The edit form refuses it (tests/legal/test_version_history.py); a publish without the
    form (scheduled, a workflow approval, code) still records the version, visibly."""
    version = publish(policy, body=[("paragraph", "<p>Typo fixed</p>")])  # label still 1.0
    assert version.version_label == "1.1"
    assert version.change_summary == "Published as 1.1: 1.0 had already been published."
    assert PolicyPage.objects.get(pk=policy.pk).version_label == "1.1"


def test_a_lower_label_outside_the_form_gets_the_next_one_and_says_so(policy):
    publish(policy, version_label="3.0")
    version = publish(policy, version_label="2.5", change_summary="Shorter.")
    assert version.version_label == "3.1"
    assert version.change_summary == "Shorter. Published as 3.1: 2.5 was lower than 3.0."


def test_effective_date_defaults_to_the_publishing_day(home_page):
    page = PolicyPageFactory(parent=home_page)
    with time_machine.travel(datetime.datetime(2026, 5, 4, 12, tzinfo=datetime.UTC)):
        version = publish(page)
    assert version.effective_date == datetime.date(2026, 5, 4)


def test_future_version_is_announced_then_becomes_current_on_its_date(client, policy):
    takes_effect = timezone.localdate() + datetime.timedelta(days=30)
    publish(
        policy,
        version_label="2.0",
        effective_date=takes_effect,
        body=[("paragraph", "<p>New rules from next month</p>")],
        is_material_change=True,
        change_summary="We now use a newsletter service.",
    )
    html = client.get("/privacy/").content.decode()
    assert "Version 1.0" in html
    assert "A new version takes effect on" in html
    assert date_format(takes_effect, "j F Y") in html
    assert "We now use a newsletter service." in html
    assert "New rules from next month" not in html
    assert PolicyVersion.objects.in_force("privacy").version_label == "1.0"

    tz = timezone.get_default_timezone()
    just_after_midnight = datetime.datetime.combine(takes_effect, datetime.time(0, 5), tzinfo=tz)
    with time_machine.travel(just_after_midnight):
        html = client.get("/privacy/").content.decode()
        assert "Version 2.0" in html and "New rules from next month" in html
        assert "A new version takes effect" not in html
        assert PolicyVersion.objects.in_force("privacy").version_label == "2.0"


def test_in_force_ignores_unpublished_pages(policy):
    assert PolicyVersion.objects.in_force("privacy").page_id == policy.pk
    PolicyPage.objects.get(pk=policy.pk).unpublish()
    assert PolicyVersion.objects.in_force("privacy") is None


def test_record_version_twice_never_reuses_a_label(policy):
    page = PolicyPage.objects.get(pk=policy.pk)
    first = record_version(page, page.live_revision)
    page.version_label = "1.0"
    second = record_version(page, page.live_revision)
    labels = list(PolicyVersion.objects.values_list("version_label", flat=True))
    assert len(labels) == len(set(labels)) == 3
    assert (first.version_label, second.version_label) == ("1.1", "1.2")


@pytest.mark.postgres(reason="Concurrent writers need PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_editors_publishing_at_once_get_two_labels(home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy")
    barrier = threading.Barrier(2)
    errors = []

    def editor():
        try:
            mine = PolicyPage.objects.get(pk=page.pk)
            revision = mine.save_revision()
            barrier.wait()
            revision.publish()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=editor) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    labels = sorted(
        PolicyVersion.objects.filter(page_id=page.pk).values_list("version_label", flat=True)
    )
    assert labels == ["1.0", "1.1"]


@pytest.mark.parametrize(
    ("label", "expected"), [("1.0", "1.1"), ("2", "3"), ("2.4.9", "2.4.10"), ("", "1.0")]
)
def test_next_label(label, expected):
    assert next_label(label) == expected


def test_labels_compare_as_numbers():
    assert label_is_after("1.10", "1.9")
    assert not label_is_after("1.0", "1.0")
    assert not label_is_after("garbage", "1.0")


def test_scheduled_publishing_records_a_version_too(policy):
    page = PolicyPage.objects.get(pk=policy.pk)
    page.version_label, page.effective_date = "2.0", None  # as the edit form proposes
    page.go_live_at = timezone.now() + datetime.timedelta(days=1)
    page.save_revision().publish()  # a future go_live_at only schedules the revision
    assert PolicyVersion.objects.filter(page_id=policy.pk).count() == 1

    with time_machine.travel(page.go_live_at + datetime.timedelta(hours=1), tick=False):
        call_command("publish_scheduled", stdout=io.StringIO())
        publishing_day = timezone.localdate()

    latest = PolicyVersion.objects.filter(page_id=policy.pk).order_by("-pk").first()
    assert latest.version_label == "2.0"
    assert latest.effective_date == publishing_day
