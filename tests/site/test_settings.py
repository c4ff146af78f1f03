"""Settings read the environment with the contract's defaults; production passes check --deploy.

Each case imports the settings in a fresh interpreter, because settings are read once per
process and the suite's own process runs with website.settings.test.
"""

import subprocess
import sys

import pytest

from tests.site.fresh_settings import ROOT, clean_env, load_settings


def test_defaults_serve_one_machine(tmp_path):
    s = load_settings("website.settings.base")
    assert s["DEBUG"] is False
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASES"]["default"]["NAME"].endswith("db.sqlite3")
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert s["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert s["MAILCHIMP_API_KEY"] == "" and s["MAILCHIMP_WEBHOOK_SECRET"] == ""
    assert s["RECAPTCHA_PUBLIC_KEY"] == ""
    assert s["SECRET_KEY"] == ""  # production refuses to start without one


def test_database_url_switches_to_postgresql():
    s = load_settings(
        "website.settings.base", DATABASE_URL="postgres://app:pw@db.internal:5432/site"
    )
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db.internal", "site", "app")


def test_redis_url_switches_the_cache_to_redis():
    s = load_settings("website.settings.base", REDIS_URL="redis://127.0.0.1:6379/3")
    cache = s["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_hosts_origins_and_services_come_from_the_environment():
    s = load_settings(
        "website.settings.base",
        ALLOWED_HOSTS="example.org, www.example.org",
        CSRF_TRUSTED_ORIGINS="https://example.org",
        EMAIL_URL="smtp://user:secret@mail.example.org:587/?tls=True",
        MAILCHIMP_API_KEY="abc-us21",
        MAILCHIMP_API_URL="http://127.0.0.1:8025/3.0",
        MAILCHIMP_WEBHOOK_SECRET="s3cret",
    )
    assert s["ALLOWED_HOSTS"] == ["example.org", "www.example.org"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://example.org"]
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["MAILCHIMP_API_KEY"], s["MAILCHIMP_API_URL"]) == (
        "abc-us21",
        "http://127.0.0.1:8025/3.0",
    )
    assert s["MAILCHIMP_WEBHOOK_SECRET"] == "s3cret"


def test_dev_settings_generate_a_local_secret_key_once(tmp_path):
    first = load_settings("website.settings.dev", VAR_DIR=str(tmp_path))
    second = load_settings("website.settings.dev", VAR_DIR=str(tmp_path))
    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("database_url", ["sqlite:////tmp/deploy-check.sqlite3"])
def test_production_settings_pass_check_deploy(database_url):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="website.settings.base",
        SECRET_KEY="k" * 10 + "a-long-random-production-key-0f9e8d7c6b5a4321-xyzXYZ",
        ALLOWED_HOSTS="example.org",
        CSRF_TRUSTED_ORIGINS="https://example.org",
        EMAIL_URL="smtp://user:secret@mail.example.org:587/?tls=True",
        WAGTAILADMIN_BASE_URL="https://example.org",
        DATABASE_URL=database_url,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_bucket_name_moves_uploads_to_private_s3_storage():
    s = load_settings(
        "website.settings.base",
        ("STORAGES", "AWS_DEFAULT_ACL", "AWS_S3_ENDPOINT_URL"),
        AWS_STORAGE_BUCKET_NAME="site-media",
        AWS_S3_ENDPOINT_URL="https://r2.example",
    )
    assert s["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert s["AWS_DEFAULT_ACL"] is None and s["AWS_S3_ENDPOINT_URL"] == "https://r2.example"
    default = load_settings("website.settings.base", ("STORAGES",))
    assert default["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
