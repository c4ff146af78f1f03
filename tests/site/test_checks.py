"""Deploy checks of site-wide settings: `manage.py check --deploy` warns before mails go out
with links a mail client cannot offer as one-click unsubscribe."""

import io

import pytest
from django.core import checks
from django.core.management import call_command


def deploy_check_ids() -> list[str]:
    return [message.id for message in checks.run_checks(include_deployment_checks=True)]


@pytest.mark.parametrize("base_url", ["http://example.org", "http://127.0.0.1:8000", "example.org"])
def test_check_deploy_warns_when_the_base_url_is_not_https(settings, base_url):
    settings.WAGTAILADMIN_BASE_URL = base_url
    [warning] = [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id == "website.W011"
    ]
    assert warning.level == checks.WARNING
    assert base_url in warning.msg and "RFC 8058" in warning.msg


@pytest.mark.parametrize("base_url", ["https://example.org", "HTTPS://example.org/"])
def test_an_https_base_url_passes(settings, base_url):
    settings.WAGTAILADMIN_BASE_URL = base_url
    assert "website.W011" not in deploy_check_ids()


def test_the_warning_is_a_deploy_check_only(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"  # fine for `make run`
    assert "website.W011" not in [message.id for message in checks.run_checks()]


def test_manage_py_check_deploy_shows_it(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://example.org"
    stderr = io.StringIO()
    # The suite's own settings fail other deploy checks: only the report is of interest.
    call_command("check", "--deploy", fail_level="CRITICAL", stdout=io.StringIO(), stderr=stderr)
    assert "(website.W011) WAGTAILADMIN_BASE_URL ('http://example.org')" in stderr.getvalue()
