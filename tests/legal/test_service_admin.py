"""Editors without the "edit custom scripts" permission in the third-party services admin."""

import re

import pytest
from cookie_consent.models import CookieGroup
from django.contrib.auth.models import Group, Permission

from legal.models import ServiceType, ThirdPartyService
from tests.legal.factories import ThirdPartyServiceFactory, service_form

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/snippets/legal/thirdpartyservice/add/"


@pytest.fixture
def services_editor(client, django_user_model, demo_site):
    """An editor who may add and change services, but not edit custom scripts."""
    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    group = Group.objects.create(name="Editors of services")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_thirdpartyservice", "change_thirdpartyservice"]
        )
    )
    editor.groups.add(group)
    client.force_login(editor)
    return client


def test_choosing_custom_script_without_the_permission_is_a_form_error(services_editor):
    data = service_form(services_editor, ADD_URL, service_type=ServiceType.CUSTOM)
    response = services_editor.post(ADD_URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(
        r'data-contentpath="service_type">\s*<div class="w-field__errors"(.*?)</div>', html, re.S
    )
    assert "A custom script needs the permission to edit custom scripts" in errors.group(1)
    assert 'name="custom_code"' not in html
    assert not ThirdPartyService.objects.filter(name="Chat widget").exists()


def test_an_editor_without_the_permission_keeps_an_existing_custom_service_unchanged(
    services_editor,
):
    service = ThirdPartyServiceFactory(
        name="Chat widget",
        service_type=ServiceType.CUSTOM,
        custom_code="<script>chat()</script>",
        cookie_group=CookieGroup.objects.get(varname="statistics"),
    )
    url = f"/admin/snippets/legal/thirdpartyservice/edit/{service.pk}/"
    data = service_form(services_editor, url, retention="90 days")
    response = services_editor.post(url, data)
    assert response.status_code == 302
    # Saved as a draft (it goes live with the next policy version), the script kept.
    draft = ThirdPartyService.objects.get(pk=service.pk).get_latest_revision_as_object()
    assert draft.retention == "90 days"
    assert draft.custom_code == "<script>chat()</script>"


def test_the_permission_allows_custom_scripts(services_editor):
    Group.objects.get(name="Editors of services").permissions.add(
        Permission.objects.get(codename="edit_custom_code")
    )
    data = service_form(
        services_editor,
        ADD_URL,
        service_type=ServiceType.CUSTOM,
        custom_code="<script>chat()</script>",
    )
    assert services_editor.post(ADD_URL, data).status_code == 302
    assert ThirdPartyService.objects.get(name="Chat widget").service_type == ServiceType.CUSTOM
