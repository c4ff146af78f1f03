"""Registry changes go live with the policy version that discloses them: a saved service is a
draft, publishing a policy that renders the registry puts every pending change live in that
one version (admin, workflow approval, scheduled), and the consent manager runs only what the
versions in force disclose, from their effective date."""

import datetime
import html as html_module
import io
import re

import pytest
import time_machine
from cookie_consent.models import CookieGroup
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, WorkflowState
from wagtail.test.utils.form_data import querydict_from_html

from legal.consent import banner_config
from legal.models import PolicyPage, PolicyVersion, ServiceCookie, ThirdPartyService
from legal.registry import pending_services, services_in_force
from legal.service_admin import draft_saved_message
from tests.legal.factories import PolicyPageFactory, service_form
from tests.legal.publishing import draft_service, publish, publish_privacy_policy, save_draft

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/legal/thirdpartyservice/add/"


def edit_url(service) -> str:
    return f"/admin/snippets/legal/thirdpartyservice/edit/{service.pk}/"


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    client.user = user
    return client


def banner_services(day=None) -> dict:
    return {service["key"]: service for service in banner_config()["services"]}


def text_of(response) -> str:
    """The page as an editor reads it: entities decoded."""
    return html_module.unescape(response.content.decode())


def success_message(response) -> str:
    """The text of the success message the admin shows after a redirect."""
    found = re.search(r'<li class="success">(.*?)</li>', text_of(response), re.S)
    assert found, "no success message"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def version_count() -> int:
    return PolicyVersion.objects.count()


def privacy() -> PolicyPage:
    return PolicyPage.objects.get(slug="privacy")


def heatmaps(**fields) -> ThirdPartyService:
    """A tracking service that runs in the browser, saved as a draft."""
    defaults = {
        "name": "Heatmaps",
        "cookie_group": CookieGroup.objects.get(varname="statistics"),
        "service_type": "custom",
        "custom_code": "<script>window.heatmaps = 1;</script>",
    }
    return draft_service(**{**defaults, **fields})


# --- Saving a service saves a draft ---------------------------------------------------------------


def test_saving_a_new_service_saves_a_draft_and_says_where_it_goes_live(admin, demo_site):
    before, config = version_count(), banner_config()
    data = service_form(admin, ADD_URL)
    response = admin.post(ADD_URL, data, follow=True)
    assert response.status_code == 200

    service = ThirdPartyService.objects.get(name="Chat widget")
    assert not service.live and service.has_unpublished_changes
    assert version_count() == before
    assert banner_config()["services"] == config["services"]
    # Both demo policies render a registry that shows it, and the demo reviews legal pages.
    assert success_message(response) == (
        "Saved 'Chat widget' as a draft. It goes live with the next version of the privacy "
        "policy or the cookie policy, whichever is published first: submit one of them to "
        "'Legal review' to include it. Edit the privacy policy Edit the cookie policy"
    )
    html = response.content.decode()
    assert f'href="/admin/pages/{privacy().pk}/edit/"' in html


def test_a_copied_service_is_a_draft_too(admin, demo_site):
    analytics = ThirdPartyService.objects.get(name="Google Analytics 4")
    url = f"/admin/snippets/legal/thirdpartyservice/copy/{analytics.pk}/"
    response = admin.post(url, service_form(admin, url), follow=True)
    assert success_message(response).startswith("Saved 'Chat widget' as a draft. It goes live")
    assert not ThirdPartyService.objects.get(name="Chat widget").live


def test_the_message_escapes_the_name_the_editor_typed(admin, demo_site):
    data = service_form(admin, ADD_URL, name="Chat <b>widget</b>")
    html = admin.post(ADD_URL, data, follow=True).content.decode()
    assert "Saved &#x27;Chat &lt;b&gt;widget&lt;/b&gt;&#x27; as a draft." in html
    assert "<b>widget</b>" not in html


def test_without_a_policy_that_lists_the_registry_the_message_says_how_to_add_one():
    service = ThirdPartyService(name="Stripe", live=False, has_unpublished_changes=True)
    assert draft_saved_message(service, []) == (
        "Saved 'Stripe' as a draft. It goes live with the next version of a policy that lists "
        "the registry: add the “Third-party services (from the registry)” block to the privacy "
        "policy and publish it to include it."
    )
    service.has_unpublished_changes = False
    assert draft_saved_message(service, []) == (
        "'Stripe' has no changes to save: it stays unpublished."
    )


def test_saving_changes_to_a_live_service_keeps_it_running_as_it_is(admin, demo_site):
    analytics = ThirdPartyService.objects.get(name="Google Analytics 4")
    before, running = version_count(), banner_services()["google-analytics-4"]
    data = service_form(admin, edit_url(analytics), name="Google Analytics 4")
    data["tracking_id"] = "G-NEWID1234"
    response = admin.post(edit_url(analytics), data, follow=True)

    message = success_message(response)
    assert message.startswith("Saved your changes to 'Google Analytics 4' as a draft. They go live")
    assert "Until then the service runs as it is." in message
    assert version_count() == before
    assert banner_services()["google-analytics-4"] == running
    analytics.refresh_from_db()
    assert analytics.live and analytics.has_unpublished_changes
    assert analytics.tracking_id != "G-NEWID1234"


def test_a_service_has_no_publish_button_and_a_forged_publish_saves_a_draft(admin, demo_site):
    analytics = ThirdPartyService.objects.get(name="Google Analytics 4")
    html = admin.get(edit_url(analytics)).content.decode()
    assert 'name="action-publish"' not in html
    assert "Save draft" in html

    data = service_form(admin, ADD_URL)
    data["action-publish"] = "action-publish"
    admin.post(ADD_URL, data)
    service = ThirdPartyService.objects.get(name="Chat widget")
    assert not service.live
    assert not ModelLogEntry.objects.filter(action="wagtail.publish", object_id=str(service.pk))


def test_a_new_draft_service_is_neither_rendered_nor_loaded(client, demo_site):
    service = heatmaps()
    ServiceCookie.objects.create(service=service, name="_hm", lifetime="1 day", purpose="Heat.")
    assert "heatmaps" not in banner_services()
    home = client.get("/").content.decode()
    assert "window.heatmaps" not in home
    assert "Heatmaps" not in client.get("/consent/").content.decode()
    # Not in a policy's text either, even re-rendered with today's registry.
    for page in PolicyPage.objects.all():
        assert "Heatmaps" not in page.render_snapshot()
        assert "_hm" not in page.render_snapshot()


def test_a_policy_without_a_registry_block_publishes_no_service(demo_site):
    service = heatmaps()
    terms = PolicyPageFactory(parent=demo_site.root_page, slug="terms", title="Terms", kind="terms")
    version = publish(terms, body=[("paragraph", "<p>Play fair.</p>")], version_label="1.0")
    service.refresh_from_db()
    assert not service.live
    assert list(version.disclosed_services.all()) == []


# --- Publishing a policy takes every pending change along -----------------------------------------


def test_publishing_the_policy_includes_every_pending_change_in_one_version(admin, demo_site):
    page = privacy()
    counts = {p.slug: p.versions.count() for p in PolicyPage.objects.all()}
    new = heatmaps()
    analytics = save_draft(
        ThirdPartyService.objects.get(name="Google Analytics 4"), tracking_id="G-NEWID1234"
    )
    assert {s.name for s in pending_services()} == {"Heatmaps", "Google Analytics 4"}

    version = publish(
        page,
        version_label="3.0",
        effective_date=timezone.localdate(),
        change_summary="We now measure where visitors click.",
    )

    assert page.versions.count() == counts["privacy"] + 1
    assert PolicyPage.objects.get(slug="cookies").versions.count() == counts["cookies"]
    assert version.change_summary == (
        "We now measure where visitors click. Added: Heatmaps. Changed: Google Analytics 4."
    )
    assert "Heatmaps" in version.html and "G-NEWID1234" not in version.html
    disclosed = set(version.disclosed_services.values_list("name", flat=True))
    assert disclosed == set(ThirdPartyService.objects.values_list("name", flat=True))
    assert list(pending_services()) == []
    new.refresh_from_db()
    assert new.live and new.live_revision_id == new.latest_revision_id
    assert ThirdPartyService.objects.get(pk=analytics.pk).tracking_id == "G-NEWID1234"
    # Each service's publish is in Wagtail's log, like any publish.
    assert ModelLogEntry.objects.filter(action="wagtail.publish", object_id=str(new.pk)).exists()
    # In force today: the consent manager runs it, with the live data.
    running = banner_services()
    assert "heatmaps" in running and running["google-analytics-4"]["id"] == "G-NEWID1234"


def test_a_blank_summary_is_the_generated_one(demo_site):
    heatmaps()
    version = publish(privacy(), version_label="3.0", change_summary="")
    assert version.change_summary == "Added: Heatmaps."


def test_an_unpublished_service_stops_at_once_and_the_next_version_says_it_is_removed(
    admin, demo_site
):
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    unpublish = f"/admin/snippets/legal/thirdpartyservice/unpublish/{pixel.pk}/"
    response = admin.post(unpublish, follow=True)
    assert "'Meta Pixel' is withdrawn: it no longer runs" in text_of(response)
    pixel.refresh_from_db()
    assert not pixel.live and not pixel.has_unpublished_changes
    assert "meta-pixel" not in banner_services()
    version = publish(privacy(), version_label="3.0", change_summary="")
    assert version.change_summary == "Removed: Meta Pixel."
    assert '<section class="service" aria-label="Meta Pixel">' not in version.html


def test_a_disclosed_service_is_unpublished_rather_than_deleted(admin, demo_site):
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    delete = f"/admin/snippets/legal/thirdpartyservice/delete/{pixel.pk}/"
    response = admin.post(delete, follow=True)
    assert "'Meta Pixel' is disclosed by 3 published policy versions" in text_of(response)
    assert ThirdPartyService.objects.filter(pk=pixel.pk).exists()
    # A draft no version disclosed goes without a word.
    draft = heatmaps()
    admin.post(f"/admin/snippets/legal/thirdpartyservice/delete/{draft.pk}/")
    assert not ThirdPartyService.objects.filter(pk=draft.pk).exists()


def test_after_withdrawn_demo_versions_the_summary_names_only_the_pending_services(
    admin, demo_site
):
    """As when a business replaces the demo: the demo versions are withdrawn (and its own
    history imported), so the first version of its own names what it adds, not the whole
    registry, and the demo's own services may go."""
    page = privacy()
    PolicyVersion.objects.filter(page_id=page.pk).update(withdrawn_at=timezone.now())
    heatmaps()
    panel = registry_panel(admin, page)
    assert "Heatmaps" in panel and "Mailchimp" not in panel
    version = publish(page, version_label="3.0", change_summary="")
    assert version.change_summary == "Added: Heatmaps."
    # Mailchimp was disclosed by the privacy policy's (now withdrawn) versions only.
    mailchimp = ThirdPartyService.objects.get(name="Mailchimp")
    PolicyVersion.objects.filter(pk=version.pk).update(withdrawn_at=timezone.now())
    admin.post(f"/admin/snippets/legal/thirdpartyservice/delete/{mailchimp.pk}/")
    assert not ThirdPartyService.objects.filter(pk=mailchimp.pk).exists()


def test_only_a_user_who_may_publish_services_may_unpublish_one(
    client, django_user_model, demo_site
):
    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    group = Group.objects.create(name="Service editors")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_thirdpartyservice", "change_thirdpartyservice"]
        )
    )
    editor.groups.add(group)
    client.force_login(editor)
    pixel = ThirdPartyService.objects.get(name="Meta Pixel")
    unpublish = f"/admin/snippets/legal/thirdpartyservice/unpublish/{pixel.pk}/"
    assert 'name="action-publish"' not in client.get(edit_url(pixel)).content.decode()
    client.post(unpublish)
    pixel.refresh_from_db()
    assert pixel.live
    group.permissions.add(Permission.objects.get(codename="publish_thirdpartyservice"))
    editor = django_user_model.objects.get(pk=editor.pk)  # no cached permissions
    client.force_login(editor)
    html = client.get(edit_url(pixel)).content.decode()
    assert 'name="action-publish"' not in html and "Unpublish" in html
    client.post(unpublish)
    pixel.refresh_from_db()
    assert not pixel.live


# --- The policy's edit screen lists them ----------------------------------------------------------


def registry_panel(admin, page) -> str:
    html = admin.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    found = re.search(r"<div[^>]*data-registry-changes[^>]*>(.*?)</div>", html, re.S)
    assert found, "no registry changes panel"
    return re.sub(r"\s+", " ", found.group(1))


def test_the_edit_screen_lists_the_pending_changes(admin, demo_site):
    assert "No pending changes to third-party services." in registry_panel(admin, privacy())
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)):
        heatmaps(name="Heat <b>maps</b>")
    save_draft(ThirdPartyService.objects.get(name="Google Analytics 4"), retention="1 year")

    panel = registry_panel(admin, privacy())
    assert (
        "Published with this version"
        in admin.get(f"/admin/pages/{privacy().pk}/edit/").content.decode()
    )
    new = ThirdPartyService.objects.get(name="Heat <b>maps</b>")
    assert (
        f'Added <a href="{edit_url(new)}">Heat &lt;b&gt;maps&lt;/b&gt;</a> (draft saved 2 Dec)'
        in panel
    )
    assert ">Google Analytics 4</a> (draft saved" in panel
    assert panel.index("Added") < panel.index("Changed")

    publish(privacy(), version_label="3.0")
    assert "No pending changes to third-party services." in registry_panel(admin, privacy())


def test_the_panel_names_the_editor_who_saved_the_draft(admin, demo_site):
    data = service_form(admin, ADD_URL)
    admin.post(ADD_URL, data)
    assert "Chat widget</a> (draft saved" in registry_panel(admin, privacy())
    assert "by editor)" in registry_panel(admin, privacy())


def test_cookie_category_edits_reach_the_cookie_policy_with_its_next_version(admin, demo_site):
    cookies = PolicyPage.objects.get(slug="cookies")
    before = version_count()
    statistics = CookieGroup.objects.get(varname="statistics")
    url = f"/admin/snippets/cookie_consent/cookiegroup/edit/{statistics.pk}/"
    data = querydict_from_html(admin.get(url).content.decode(), form_id="w-editor-form")
    data["name"] = "Statistics and reach"
    assert admin.post(url, data).status_code == 302
    # Categories have no drafts: no version of its own, the policy in force unchanged.
    assert version_count() == before
    assert "Statistics and reach" not in cookies.current_version().html
    assert "Changed category Statistics and reach (edited" in registry_panel(admin, cookies)

    version = publish(cookies, version_label="2.0", change_summary="")
    assert version.change_summary == "Changed: category Statistics and reach."
    assert "Statistics and reach" in version.html


# --- The consent manager runs what the versions in force disclose ---------------------------------


def test_a_service_published_for_a_future_version_starts_loading_on_its_date(client, demo_site):
    takes_effect = timezone.localdate() + datetime.timedelta(days=10)
    heatmaps()
    version = publish(privacy(), version_label="3.0", effective_date=takes_effect)
    assert "Heatmaps" in version.html
    service = ThirdPartyService.objects.get(name="Heatmaps")
    assert service.live  # published with the version, which is not in force yet

    tz = timezone.get_default_timezone()
    evening_before = datetime.datetime.combine(
        takes_effect - datetime.timedelta(days=1), datetime.time(23, 50), tzinfo=tz
    )
    with time_machine.travel(evening_before, tick=False):
        statistics_before = {c["key"]: c["version"] for c in banner_config()["categories"]}
        assert "heatmaps" not in banner_services()
        assert service not in services_in_force()
        html = client.get("/").content.decode()  # cached until the version takes effect
        assert "window.heatmaps" not in html and '"heatmaps"' not in html

    just_after_midnight = datetime.datetime.combine(takes_effect, datetime.time(0, 5), tzinfo=tz)
    with time_machine.travel(just_after_midnight, tick=False):
        assert "heatmaps" in banner_services()
        html = client.get("/").content.decode()
        assert '<template data-cc-service="heatmaps">' in html
        # Its category asks again from that day, so visitors who chose before can allow it.
        statistics = {c["key"]: c["version"] for c in banner_config()["categories"]}
        assert statistics["statistics"] > statistics_before["statistics"]
        assert statistics["marketing"] == statistics_before["marketing"]


def test_a_service_only_added_by_code_is_not_run_until_a_version_discloses_it(demo_site):
    service = ThirdPartyService.objects.create(
        name="Imported pixel",
        provider="Pixel Ltd",
        purpose="Ads.",
        data_categories="Device data",
        legal_basis="a",
        location="EU",
        retention="1 year",
        cookie_group=CookieGroup.objects.get(varname="marketing"),
    )
    assert service.live and "imported-pixel" not in banner_services()
    publish_privacy_policy(version_label="3.0")
    assert "imported-pixel" in banner_services()


def test_the_union_of_the_versions_in_force_is_what_runs(demo_site):
    heatmaps()
    publish(PolicyPage.objects.get(slug="cookies"), version_label="2.0")
    # The cookie policy's new version discloses it; the privacy policy's does not yet.
    privacy_in_force = PolicyVersion.objects.in_force("privacy")
    assert not privacy_in_force.disclosed_services.filter(name="Heatmaps").exists()
    assert "heatmaps" in banner_services()


# --- Every publish path ---------------------------------------------------------------------------


def test_the_legal_review_approval_publishes_the_pending_services(admin, demo_site):
    page = privacy()
    heatmaps()
    workflow = page.get_workflow()
    assert workflow.name == "Legal review"
    draft = page.get_latest_revision_as_object()
    draft.version_label, draft.effective_date = "3.0", timezone.localdate()
    draft.save_revision(user=admin.user)
    state = workflow.start(draft, admin.user)
    assert not ThirdPartyService.objects.get(name="Heatmaps").live  # submitted, not approved

    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    assert admin.post(url, {"comment": "Fine."}).status_code == 302

    assert WorkflowState.objects.get(pk=state.pk).status == WorkflowState.STATUS_APPROVED
    service = ThirdPartyService.objects.get(name="Heatmaps")
    version = page.versions.order_by("-pk").first()
    assert service.live and version.version_label == "3.0"
    assert version.disclosed_services.filter(pk=service.pk).exists()
    assert version.change_summary.endswith("Added: Heatmaps.")
    entry = ModelLogEntry.objects.get(action="wagtail.publish", object_id=str(service.pk))
    assert entry.user == admin.user  # the approver, from the admin request
    assert "heatmaps" in banner_services()


def test_a_scheduled_publish_takes_the_pending_services_along(demo_site):
    page = privacy()
    draft = page.get_latest_revision_as_object()
    draft.version_label, draft.effective_date = "3.0", None
    draft.go_live_at = timezone.now() + datetime.timedelta(days=1)
    draft.save_revision().publish()  # scheduled only
    heatmaps()  # saved after the page was scheduled: still goes with it
    assert not ThirdPartyService.objects.get(name="Heatmaps").live

    with time_machine.travel(draft.go_live_at + datetime.timedelta(hours=1), tick=False):
        call_command("publish_scheduled", stdout=io.StringIO())
        assert "heatmaps" in banner_services()
    assert ThirdPartyService.objects.get(name="Heatmaps").live
    assert page.versions.order_by("-pk").first().change_summary.endswith("Added: Heatmaps.")


# --- The demo -------------------------------------------------------------------------------------


def test_the_demo_services_are_live_and_disclosed_by_the_versions_in_force(demo_site):
    services = ThirdPartyService.objects.all()
    assert services and all(s.live and s.live_revision_id for s in services)
    assert list(pending_services()) == []
    in_force = PolicyVersion.objects.in_force("privacy")
    assert set(in_force.disclosed_services.all()) == set(services)
    assert set(services_in_force()) == set(services)
    cookies = PolicyVersion.objects.in_force("cookies")
    assert set(cookies.disclosed_services.all()) == set(services.exclude(cookie_group=None))
