"""The site tree the README and the demo describe: one home page, every other page type under
it, nothing under legal, contact or lead-magnet pages, and one impressum and contact page."""

import pytest
from wagtail.models import Page

from leadmagnets.models import LeadMagnetPage
from legal.models import ImpressumPage, PolicyPage
from tests.legal.factories import ImpressumPageFactory, PolicyPageFactory
from tests.site.factories import ContactPageFactory, StandardPageFactory
from website.models import ContactPage, HomePage, StandardPage

pytestmark = pytest.mark.django_db

PAGE_TYPES = [HomePage, StandardPage, ContactPage, PolicyPage, ImpressumPage, LeadMagnetPage]
UNDER_HOME = {StandardPage, ContactPage, PolicyPage, ImpressumPage, LeadMagnetPage}


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def creatable_at(parent) -> set:
    return {model for model in PAGE_TYPES if model.can_create_at(parent)}


def test_every_page_type_but_the_home_page_goes_under_the_home_page(home_page):
    assert creatable_at(home_page) == UNDER_HOME
    assert set(HomePage.allowed_subpage_models()) == UNDER_HOME


def test_nothing_but_a_first_home_page_goes_at_the_root(home_page):
    root = Page.get_first_root_node()
    assert creatable_at(root) == set()  # the home page exists: max_count = 1
    for model in UNDER_HOME:
        assert not model.can_exist_under(root)
    assert HomePage.can_exist_under(root)


def test_standard_pages_nest_but_hold_nothing_else(home_page):
    section = StandardPageFactory(parent=home_page, slug="about")
    assert creatable_at(section) == {StandardPage}


def test_legal_contact_and_lead_magnet_pages_have_no_child_pages(home_page):
    parents = [
        PolicyPageFactory(parent=home_page, slug="privacy"),
        ImpressumPageFactory(parent=home_page),
        ContactPageFactory(parent=home_page),
    ]
    for parent in parents:
        assert creatable_at(parent) == set(), type(parent).__name__
    for model in (PolicyPage, ImpressumPage, ContactPage, LeadMagnetPage):
        assert model.allowed_subpage_models() == []


def test_one_impressum_and_one_contact_page_per_home_page(home_page):
    ImpressumPageFactory(parent=home_page)
    ContactPageFactory(parent=home_page)
    assert creatable_at(home_page) == {StandardPage, PolicyPage, LeadMagnetPage}


@pytest.mark.parametrize(
    ("page_type", "parent_slug"),
    [
        ("legal/policypage", "about"),
        ("legal/impressumpage", "about"),
        ("leadmagnets/leadmagnetpage", "about"),
        ("website/contactpage", "about"),
        ("website/standardpage", "privacy"),
    ],
)
def test_the_admin_refuses_to_add_a_page_under_a_disallowed_parent(
    superuser_client, home_page, page_type, parent_slug
):
    StandardPageFactory(parent=home_page, slug="about")
    PolicyPageFactory(parent=home_page, slug="privacy")
    parent = home_page.get_children().get(slug=parent_slug)
    before = Page.objects.count()
    url = f"/admin/pages/add/{page_type}/{parent.pk}/"
    refused = superuser_client.get(url, follow=True)
    assert refused.redirect_chain[0] == ("/admin/", 302)
    assert "Sorry, you do not have permission to access this area." in refused.content.decode()
    posted = superuser_client.post(url, {"title": "Sneaked in", "slug": "sneaked-in"})
    assert posted.status_code == 302
    assert Page.objects.count() == before


def test_the_admin_offers_only_the_allowed_page_types(superuser_client, home_page):
    html = superuser_client.get(f"/admin/pages/{home_page.pk}/add_subpage/").content.decode()
    for page_type in ("website/standardpage", "legal/policypage", "leadmagnets/leadmagnetpage"):
        assert f"/admin/pages/add/{page_type}/{home_page.pk}/" in html
    assert "/admin/pages/add/website/homepage/" not in html
    # Under a standard page only a standard page fits: the admin goes straight to its form.
    section = StandardPageFactory(parent=home_page, slug="about")
    response = superuser_client.get(f"/admin/pages/{section.pk}/add_subpage/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/add/website/standardpage/{section.pk}/"
