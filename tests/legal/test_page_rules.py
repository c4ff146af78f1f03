"""One live policy per kind, site and locale: refused in the admin form, next to `kind`."""

import lxml.html
import pytest
from wagtail.models import Locale, Page, Site
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from legal.models import LegalKind, PolicyPage, PolicyVersion
from tests.legal.factories import PolicyPageFactory
from tests.legal.publishing import publish
from tests.site.factories import HomePageFactory

pytestmark = pytest.mark.django_db

REFUSAL = (
    "A live privacy policy page already exists: “Privacy policy” (/privacy/). Edit that page, "
    "or unpublish it first."
)


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


@pytest.fixture
def privacy_policy(home_page):
    page = PolicyPageFactory(parent=home_page, slug="privacy", title="Privacy policy")
    publish(page)
    return PolicyPage.objects.get(pk=page.pk)


def admin_form(client, url, **fields):
    """The page form at `url` as the admin renders it, with `fields` typed in and a body
    (StreamFields are rendered in the browser, so the HTML holds none)."""
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.update(
        nested_form_data({"body": streamfield([("paragraph", rich_text("<p>Our rules.</p>"))])})
    )
    for name, value in fields.items():
        data[name] = value
    return data


def add_policy(client, parent, action="action-publish", **fields):
    url = f"/admin/pages/add/legal/policypage/{parent.pk}/"
    data = admin_form(
        client, url, title="New policy", slug="new-policy", version_label="1.0", **fields
    )
    if action:
        data[action] = "1"
    return client.post(url, data)


def kind_field_errors(html: str) -> str:
    """The error text Wagtail renders in the `kind` field's own wrapper, next to its select."""
    field = lxml.html.fromstring(html).xpath('//*[@data-contentpath="kind"]')
    assert len(field) == 1
    return " ".join(" ".join(field[0].xpath(".//*[@data-field-errors]//text()")).split())


def test_a_second_live_privacy_policy_is_refused_next_to_the_kind_field(
    superuser_client, home_page, privacy_policy
):
    response = add_policy(superuser_client, home_page, kind=LegalKind.PRIVACY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The page could not be created due to validation errors" in html
    assert REFUSAL in kind_field_errors(html)
    assert PolicyPage.objects.count() == 1


def test_publishing_a_draft_privacy_policy_is_refused_while_another_is_live(
    superuser_client, home_page, privacy_policy
):
    draft = PolicyPageFactory(parent=home_page, slug="privacy-2026", live=False)
    url = f"/admin/pages/{draft.pk}/edit/"
    data = admin_form(superuser_client, url)
    data["action-publish"] = "1"
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert REFUSAL in kind_field_errors(response.content.decode())
    assert not PolicyPage.objects.get(pk=draft.pk).live
    assert not PolicyVersion.objects.filter(page_id=draft.pk).exists()


def test_a_live_cookie_policy_cannot_become_a_second_privacy_policy(
    superuser_client, home_page, privacy_policy
):
    cookies = PolicyPageFactory(parent=home_page, slug="cookies", kind=LegalKind.COOKIES)
    publish(cookies)
    url = f"/admin/pages/{cookies.pk}/edit/"
    data = admin_form(superuser_client, url, kind=LegalKind.PRIVACY)
    data["action-publish"] = "1"
    response = superuser_client.post(url, data)
    assert REFUSAL in kind_field_errors(response.content.decode())
    assert PolicyPage.objects.get(pk=cookies.pk).kind == LegalKind.COOKIES


def test_a_draft_second_privacy_policy_may_be_saved(superuser_client, home_page, privacy_policy):
    response = add_policy(superuser_client, home_page, action=None, kind=LegalKind.PRIVACY)
    assert response.status_code == 302
    draft = PolicyPage.objects.get(slug="new-policy")
    assert not draft.live and draft.kind == LegalKind.PRIVACY


def test_a_policy_of_another_kind_may_be_published(superuser_client, home_page, privacy_policy):
    response = add_policy(superuser_client, home_page, kind=LegalKind.TERMS)
    assert response.status_code == 302
    assert PolicyPage.objects.get(slug="new-policy").live


def test_the_live_policy_itself_can_be_published_again(superuser_client, privacy_policy):
    url = f"/admin/pages/{privacy_policy.pk}/edit/"
    data = admin_form(superuser_client, url, change_summary="Clearer wording.")
    data["action-publish"] = "1"
    assert superuser_client.post(url, data).status_code == 302
    assert PolicyVersion.objects.filter(page_id=privacy_policy.pk).count() == 2


def test_another_sites_privacy_policy_does_not_count(superuser_client, home_page):
    other_home = HomePageFactory(parent=Page.get_first_root_node(), slug="other-home")
    Site.objects.create(hostname="other.example", root_page=other_home)
    publish(PolicyPageFactory(parent=other_home, slug="privacy"))
    response = add_policy(superuser_client, home_page, kind=LegalKind.PRIVACY)
    assert response.status_code == 302
    assert PolicyPage.objects.live().filter(kind=LegalKind.PRIVACY).count() == 2


def test_another_locales_privacy_policy_does_not_count(superuser_client, home_page):
    german = Locale.objects.create(language_code="de")
    german_home = HomePageFactory(parent=Page.get_first_root_node(), slug="de", locale=german)
    publish(PolicyPageFactory(parent=german_home, slug="datenschutz", locale=german))
    response = add_policy(superuser_client, home_page, kind=LegalKind.PRIVACY)
    assert response.status_code == 302
    assert PolicyPage.objects.live().filter(kind=LegalKind.PRIVACY).count() == 2


def test_the_version_in_force_is_the_one_live_privacy_policys(privacy_policy):
    assert PolicyVersion.objects.in_force(LegalKind.PRIVACY).page_id == privacy_policy.pk
