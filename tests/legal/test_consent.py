"""The consent endpoint and ledger, without a browser: bad input, proof, lifetimes, re-consent."""

import csv
import datetime
import io
import time

import pytest
import time_machine
from cookie_consent.models import Cookie, CookieGroup
from django.core import signing
from django.core.management import call_command

from legal.consent import SIGNING_SALT, STATE_COOKIE, banner_config, read_state
from legal.models import ConsentRecord, PolicyPage, PolicyVersion, ServiceCookie
from tests.html import without_per_response_values
from tests.legal.factories import ThirdPartyServiceFactory

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver", "HTTP_ACCEPT": "application/json"}


def decide(client, **data):
    return client.post("/consent/", data, **ORIGIN)


def state_of(response):
    return signing.loads(response.cookies[STATE_COOKIE].value, salt=SIGNING_SALT)


def test_accept_all_is_recorded_with_proof_and_no_personal_data(client, demo_site):
    response = decide(client, action="accept_all", method="banner")
    assert response.status_code == 200
    record = ConsentRecord.objects.get()
    assert record.consent_id == response.json()["consent_id"]
    assert record.choices["groups"] == {"preferences": True, "statistics": True, "marketing": True}
    assert record.choices["services"]["google-analytics-4"] is True
    assert record.privacy_version == PolicyVersion.objects.in_force("privacy")
    assert record.cookie_policy_version == PolicyVersion.objects.in_force("cookies")
    assert record.banner_text_hash == banner_config()["textHash"]
    field_names = {field.name for field in ConsentRecord._meta.get_fields()}
    assert not field_names & {"ip", "ip_address", "user_agent"}
    state = state_of(response)
    assert state["id"] == record.consent_id and state["g"]["statistics"] == 1


def test_the_consent_id_stays_with_the_visitor(client, demo_site):
    first = decide(client, action="accept_all").json()["consent_id"]
    second = decide(client, action="reject_all").json()["consent_id"]
    assert first == second
    assert ConsentRecord.objects.filter(consent_id=first).count() == 2


def test_records_are_append_only(client, demo_site):
    decide(client, action="reject_all")
    record = ConsentRecord.objects.get()
    record.method = "banner"
    with pytest.raises(Exception, match="append-only"):
        record.save()


def test_accept_lasts_twelve_months_and_reject_six(client, demo_site):
    accepted = decide(client, action="accept_all")
    assert accepted.cookies[STATE_COOKIE]["max-age"] == 365 * 86400
    client.cookies.clear()
    rejected = decide(client, action="reject_all")
    assert rejected.cookies[STATE_COOKIE]["max-age"] == 182 * 86400
    assert rejected.cookies[STATE_COOKIE]["samesite"] == "Lax"
    # django-cookie-consent's own cookie stays HttpOnly and mirrors the categories.
    assert rejected.cookies["cookie_consent"]["httponly"]
    assert "statistics=-1" in rejected.cookies["cookie_consent"].value


def test_unknown_categories_services_and_actions_get_400_with_a_reason(client, demo_site):
    for data, reason in [
        ({"action": "save", "categories": "spying"}, "Unknown category: spying."),
        ({"action": "save", "service_on": "nope"}, "Unknown service: nope."),
        ({"action": "obey"}, "Unknown action"),
    ]:
        response = decide(client, **data)
        assert response.status_code == 400
        assert reason in response.json()["error"]
    assert ConsentRecord.objects.count() == 0


def test_cross_site_posts_are_refused(client, demo_site):
    response = client.post(
        "/consent/", {"action": "accept_all"}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    response = client.post("/consent/", {"action": "accept_all"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert ConsentRecord.objects.count() == 0


def test_floods_are_rate_limited_and_do_not_grow_the_ledger(client, demo_site, settings):
    settings.CONSENT_RATE_LIMIT = (5, 600)
    statuses = [decide(client, action="reject_all").status_code for _ in range(12)]
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    assert ConsentRecord.objects.count() == 5
    page = client.post("/consent/", {"action": "reject_all"}, HTTP_ORIGIN="http://testserver")
    assert page.status_code == 429 and "Too many changes" in page.content.decode()


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "eyJpZCI6ImEifQ", "eyJpZCI6ImEifQ:1:forged", "a" * 4000],
)
def test_tampered_or_garbage_state_is_no_decision(rf, value):
    request = rf.get("/", HTTP_COOKIE=f"{STATE_COOKIE}={value}")
    assert read_state(request) is None


def test_a_state_with_a_valid_signature_but_edited_payload_is_rejected(client, demo_site):
    response = decide(client, action="reject_all")
    payload, stamp, signature = response.cookies[STATE_COOKIE].value.split(":")
    forged = signing.b64_encode(b'{"id":"x","e":9999999999,"g":{"marketing":1}}').decode()
    request = client.get("/").wsgi_request
    request.COOKIES[STATE_COOKIE] = f"{forged}:{stamp}:{signature}"
    assert read_state(request) is None


def test_expired_state_is_no_decision(rf):
    state = {"id": "abc", "t": 0, "e": int(time.time()) - 1, "g": {}}
    request = rf.get("/", HTTP_COOKIE=f"{STATE_COOKIE}={signing.dumps(state, salt=SIGNING_SALT)}")
    assert read_state(request) is None


def test_gpc_header_denies_marketing_on_accept_all_and_is_recorded(client, demo_site):
    response = client.post("/consent/", {"action": "accept_all"}, HTTP_SEC_GPC="1", **ORIGIN)
    record = ConsentRecord.objects.get()
    assert record.gpc is True
    assert record.choices["groups"]["marketing"] is False
    assert record.choices["groups"]["statistics"] is True
    assert state_of(response)["gpc"] == 1


def test_gpc_explicit_marketing_opt_in_wins(client, demo_site):
    client.post(
        "/consent/",
        {"action": "save", "categories": ["marketing"], "service_on": ["meta-pixel"]},
        HTTP_SEC_GPC="1",
        **ORIGIN,
    )
    record = ConsentRecord.objects.get()
    assert record.choices["groups"]["marketing"] is True
    assert record.choices["services"]["meta-pixel"] is True
    assert record.choices["services"]["google-tag-manager"] is False


def test_form_post_without_javascript_redirects_back(client, demo_site):
    response = client.post(
        "/consent/", {"action": "reject_all", "next": "/about/"}, HTTP_ORIGIN="http://testserver"
    )
    assert response.status_code == 303 and response["Location"] == "/about/"
    evil = client.post(
        "/consent/",
        {"action": "reject_all", "next": "https://evil.example/"},
        HTTP_ORIGIN="http://testserver",
    )
    assert evil["Location"] == "/"


def test_settings_page_works_without_javascript_and_ticks_nothing_for_newcomers(client, demo_site):
    html = client.get("/consent/").content.decode()
    assert 'name="categories" value="statistics"' in html
    assert " checked" not in html.split("cc-categories", 1)[1].split('value="statistics"')[1][:80]
    decide(client, action="save", categories="statistics", service_on="google-analytics-4")
    html = client.get("/consent/").content.decode()
    assert 'value="statistics" data-cc-category="statistics" checked' in html
    assert "Your consent ID" in html


def test_page_html_is_the_same_for_every_visitor(client, demo_site):
    anonymous = without_per_response_values(client.get("/about/").content)
    decide(client, action="accept_all")
    decided = without_per_response_values(client.get("/about/").content)
    assert anonymous == decided


def test_a_new_cookie_in_a_category_asks_again(demo_site):
    before = {c["key"]: c["version"] for c in banner_config()["categories"]}
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)):
        service = ThirdPartyServiceFactory(
            name="Heatmaps",
            cookie_group=CookieGroup.objects.get(varname="statistics"),
            service_type="custom",
            custom_code="<script>void 0</script>",
        )
        ServiceCookie.objects.create(
            service=service, name="_hm", lifetime="1 day", purpose="Heatmap session."
        )
        after = {c["key"]: c["version"] for c in banner_config()["categories"]}
    assert after["statistics"] > before["statistics"]
    assert after["marketing"] == before["marketing"]
    assert Cookie.objects.filter(name="_hm", cookiegroup__varname="statistics").exists()


def test_a_material_policy_version_taking_effect_asks_again(demo_site):
    revision_now = banner_config()["revision"]
    privacy = PolicyPage.objects.get(slug="privacy")
    privacy.version_label, privacy.is_material_change = "3.0", True
    privacy.change_summary = "New purpose."
    privacy.effective_date = datetime.date.today() + datetime.timedelta(days=10)
    privacy.save_revision().publish()
    assert banner_config()["revision"] == revision_now  # announced, not yet in force
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=11)
    with time_machine.travel(later):
        assert banner_config()["revision"] > revision_now


def test_cookie_declaration_renders_the_registry(client, demo_site):
    html = client.get("/cookies/").content.decode()
    for text in [
        "<code>_ga</code>",
        "<code>_ga_*</code>",
        "<code>_fbp</code>",
        "Google Analytics 4",
        "2 years",
        "<code>csrftoken</code>",
        "Statistics",
    ]:
        assert text in html


def test_tracking_services_need_an_optional_category_and_a_valid_id(demo_site):
    from django.core.exceptions import ValidationError

    service = ThirdPartyServiceFactory.build(service_type="ga4", tracking_id="UA-1")
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "tracking_id" in error.value.message_dict
    assert "cookie_group" in error.value.message_dict


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_editors_look_up_a_consent_id_and_export_csv(admin_client, client, demo_site):
    consent_id = decide(admin_client, action="accept_all").json()["consent_id"]
    listing = admin_client.get("/admin/consent-records/", {"q": consent_id})
    assert listing.status_code == 200 and consent_id in listing.content.decode()
    export = admin_client.get("/admin/consent-records/", {"export": "csv"})
    body = b"".join(export.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0].lower().startswith("consent")
    assert any(consent_id in row for row in rows[1:])
    assert admin_client.get("/admin/consent-records/new/").status_code in (403, 404, 302)


def test_aggregate_report_shows_rates_without_personal_data(admin_client, demo_site):
    decide(admin_client, action="accept_all")
    admin_client.cookies.pop(STATE_COOKIE)
    decide(admin_client, action="reject_all")
    html = admin_client.get("/admin/consent-report/").content.decode()
    assert "50.0 %" in html
    assert ConsentRecord.objects.first().consent_id not in html


def test_prune_command_deletes_only_old_records(client, demo_site):
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=400)):
        decide(client, action="reject_all")
    client.cookies.clear()
    decide(client, action="accept_all")
    out = io.StringIO()
    call_command("prune_consent_records", "--days", "365", stdout=out)
    assert "Deleted 1 consent record" in out.getvalue()
    assert ConsentRecord.objects.count() == 1


def test_custom_script_field_needs_its_permission(client, demo_site, django_user_model):
    from django.contrib.auth.models import Group, Permission

    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    group = Group.objects.create(name="Editors of services")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_thirdpartyservice"),
        Permission.objects.get(codename="add_thirdpartyservice"),
    )
    editor.groups.add(group)
    client.force_login(editor)
    html = client.get("/admin/snippets/legal/thirdpartyservice/add/").content.decode()
    assert 'name="tracking_id"' in html
    assert 'name="custom_code"' not in html
    group.permissions.add(Permission.objects.get(codename="edit_custom_code"))
    html = client.get("/admin/snippets/legal/thirdpartyservice/add/").content.decode()
    assert 'name="custom_code"' in html
