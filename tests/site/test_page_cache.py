"""The page cache: anonymous page GETs are hits without the database, every content change
shows on the next request, forms and nonces keep working, Redis shares it across workers."""

import datetime
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from wagtail.contrib.frontend_cache.backends.base import BaseBackend
from wagtail.models import Page
from wagtail.rich_text import RichText

from legal.http import TransactionOpenError, assert_no_transaction
from legal.models import PolicyPage, ThirdPartyService
from newsletter.models import Contact
from newsletter.views import BLOCK_TYPE
from tests.legal.publishing import publish, save_draft
from website import page_cache
from website.models import SiteSettings, StandardPage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
REDIS_URL = "redis://127.0.0.1:6379/0"
NONCE = re.compile(rb'nonce="([^"]+)"')


def without_nonce(body: bytes) -> bytes:
    return NONCE.sub(b'nonce=""', body)


@pytest.fixture
def site(demo_site):
    """The demo site after its first visit: that render creates the settings rows the pages
    read (Wagtail's get_or_create), which empties the cache like any other change."""
    Client().get("/")
    caches["pages"].clear()
    return demo_site


def hit_after_warming(client, path):
    """The second GET of `path`, which the first one put in the cache."""
    assert client.get(path)["X-Cache"] == "miss"
    response = client.get(path)
    assert response["X-Cache"] == "hit"
    return response


# --- Hits -----------------------------------------------------------------------------------


def test_a_second_anonymous_get_is_a_hit_without_database_queries(
    client, site, django_assert_num_queries
):
    first = client.get("/about/")
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    assert first["Cache-Control"] == "public, max-age=60, s-maxage=300"
    with django_assert_num_queries(0):
        second = client.get("/about/")
        head = client.head("/about/")
    assert second["X-Cache"] == head["X-Cache"] == "hit"
    assert second["Cache-Control"] == "public, max-age=60, s-maxage=300"
    assert second["Content-Type"] == first["Content-Type"]
    assert int(second["Content-Length"]) == len(second.content)
    assert without_nonce(second.content) == without_nonce(first.content)


def test_the_consent_cookie_still_gets_the_cached_page(client, site):
    """Pages are the same for every visitor, so a decided visitor shares the copy."""
    first = hit_after_warming(client, "/about/")
    decided = client.post("/consent/", {"action": "accept_all"}, **ORIGIN)
    assert decided.cookies["consent_state"].value
    again = client.get("/about/")
    assert again["X-Cache"] == "hit"
    assert without_nonce(again.content) == without_nonce(first.content)


def test_a_query_string_is_rendered_every_time(client, site):
    for _ in range(2):
        response = client.get("/about/", {"utm_source": "newsletter"})
        assert response.status_code == 200 and "X-Cache" not in response
    assert client.get("/about/")["X-Cache"] == "miss"


# --- Never cached ---------------------------------------------------------------------------


def test_editors_never_get_a_cached_page_nor_fill_the_cache(client, admin_client, site):
    hit_after_warming(client, "/about/")
    for _ in range(2):
        response = admin_client.get("/about/")
        assert "X-Cache" not in response and "<wagtail-userbar" in response.content.decode()

    page_cache.bump_generation()  # nothing cached from here on
    admin_client.get("/about/")
    anonymous = client.get("/about/")
    assert anonymous["X-Cache"] == "miss"
    assert "<wagtail-userbar" not in anonymous.content.decode()


def test_posts_are_never_answered_from_the_cache_nor_stored(client, site):
    response = client.post("/about/", {"anything": "1"})
    assert response.status_code == 200 and "X-Cache" not in response
    hit_after_warming(client, "/about/")
    assert "X-Cache" not in client.post("/about/", {"anything": "1"})


def test_the_admin_and_previews_are_never_cached(client, admin_client, site):
    for _ in range(2):
        assert "X-Cache" not in admin_client.get("/admin/")
        assert "X-Cache" not in client.get("/admin/login/")

    about = StandardPage.objects.get(slug="about")
    hit_after_warming(client, "/about/")
    about.title = "About, a draft nobody published"
    # What the admin's preview panel does: the whole middleware stack on a dummy request
    # for the page's own URL, without the editor's cookies.
    preview = about.make_preview_request()
    assert "About, a draft nobody published" in preview.content.decode()
    assert "X-Cache" not in preview
    live = client.get("/about/")
    assert live["X-Cache"] == "hit"
    assert "a draft nobody published" not in live.content.decode()


def test_endpoints_outside_the_page_tree_are_never_cached(client, site):
    paths = [
        "/newsletter/check-your-inbox/",
        "/newsletter/confirm/not-a-token/",
        "/newsletter/unsubscribe/not-a-token/",
        "/newsletter/preferences/not-a-token/",
        "/lead-magnets/download/not-a-token/",
        "/consent/",
        "/healthz",
        "/robots.txt",
        "/sitemap.xml",
    ]
    for path in paths:
        for _ in range(2):
            assert "X-Cache" not in client.get(path), path
    # The demo's newsletter page shares the prefix of the sign-up endpoints; it is a page.
    hit_after_warming(client, "/newsletter/")


def test_a_page_whose_form_carries_a_csrf_token_is_rendered_per_visitor(client, site):
    for _ in range(2):
        response = client.get("/contact/")
        assert "csrfmiddlewaretoken" in response.content.decode()
        assert "X-Cache" not in response and "csrftoken" in response.cookies


# --- Invalidation ---------------------------------------------------------------------------


def test_publishing_a_page_change_shows_on_the_next_get(client, site):
    hit_after_warming(client, "/about/")
    hit_after_warming(client, "/")
    about = StandardPage.objects.get(slug="about")
    about.title = "About Ilka, freshly published"
    about.save_revision().publish()
    response = client.get("/about/")
    assert response["X-Cache"] == "miss"
    assert "About Ilka, freshly published" in response.content.decode()
    assert client.get("/")["X-Cache"] == "miss"  # the menu shows the title too


def test_unpublishing_a_page_takes_it_off_at_once(client, site):
    hit_after_warming(client, "/about/")
    StandardPage.objects.get(slug="about").unpublish()
    assert client.get("/about/").status_code == 404


def test_a_service_change_reaches_the_privacy_policy_with_its_next_version(client, site):
    hit_after_warming(client, "/privacy/")
    service = ThirdPartyService.objects.order_by("pk").first()
    # Saved as a draft: the policy in force still says what it said.
    save_draft(service, purpose="Counting visits, now also to plan opening hours.")
    assert "now also to plan opening hours" not in client.get("/privacy/").content.decode()
    publish(PolicyPage.objects.get(slug="privacy"), version_label="3.0")
    response = client.get("/privacy/")
    assert response["X-Cache"] == "miss"
    assert "now also to plan opening hours" in response.content.decode()


def test_editing_the_footer_setting_changes_every_page(client, site):
    paths = ["/", "/about/", "/privacy/", "/newsletter/"]
    for path in paths:
        hit_after_warming(client, path)
    site_settings = SiteSettings.for_site(site)
    site_settings.footer_text = "Drawn, written and cached in Leipzig."
    site_settings.save()
    for path in paths:
        response = client.get(path)
        assert response["X-Cache"] == "miss", path
        assert "Drawn, written and cached in Leipzig." in response.content.decode()


def test_a_policy_version_taking_effect_ends_cached_pages_at_that_midnight(client, site, settings):
    settings.PAGE_CACHE_SECONDS = 6 * 60 * 60  # would last until 4 in the morning
    berlin = timezone.get_default_timezone()
    takes_effect = timezone.localdate() + datetime.timedelta(days=10)
    midnight = datetime.datetime.combine(takes_effect, datetime.time(0, 0), tzinfo=berlin)
    second = datetime.timedelta(seconds=1)
    with time_machine.travel(midnight - 7200 * second, tick=False) as traveller:
        policy = PolicyPage.objects.get(slug="privacy")
        policy.body = [("paragraph", RichText("<p>Version three, from tomorrow.</p>"))]
        policy.version_label, policy.effective_date = "3.0", takes_effect
        policy.save_revision().publish()

        announced = client.get("/privacy/")
        assert announced["X-Cache"] == "miss"
        assert "A new version takes effect on" in announced.content.decode()
        assert "Version three, from tomorrow." not in announced.content.decode()
        assert client.get("/about/")["X-Cache"] == "miss"

        traveller.move_to(midnight - 30 * second)
        for path in ("/privacy/", "/about/"):  # every page: each embeds the consent config
            late = client.get(path)
            assert late["X-Cache"] == "hit"
            # Neither browsers nor a CDN may keep it past midnight either.
            assert late["Cache-Control"] == "public, max-age=30, s-maxage=30"

        traveller.move_to(midnight + second)
        assert client.get("/about/")["X-Cache"] == "miss"
        current = client.get("/privacy/")
        assert current["X-Cache"] == "miss"
        assert "Version three, from tomorrow." in current.content.decode()


# --- Forms and nonces on cached pages --------------------------------------------------------


def test_the_signup_form_on_a_cached_page_posts_without_a_csrf_token(site):
    client = Client(enforce_csrf_checks=True)
    html = hit_after_warming(client, "/newsletter/").content.decode()
    assert "csrfmiddlewaretoken" not in html
    page = StandardPage.objects.get(slug="newsletter")
    block = next(child for child in page.body if child.block_type == BLOCK_TYPE)
    started = re.search(r'name="started" value="([^"]+)"', html).group(1)
    data = {
        "page": page.pk,
        "block": block.id,
        "email": "cached.page@example.org",
        "first_name": "Cass",
        "consent": "on",
        "website": "",
        "started": started,  # the stamp rendered into the cached copy
    }
    # A person takes a while to type; the stamp is only checked for a minimum age.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=30)):
        refused = client.post("/newsletter/signup/", data, HTTP_ORIGIN="https://evil.example")
        response = client.post("/newsletter/signup/", data, **ORIGIN)
    assert refused.status_code == 400
    assert response.status_code == 303
    assert Contact.objects.filter(email__iexact="cached.page@example.org").exists()


def test_the_consent_form_on_a_cached_page_posts_without_a_csrf_token(site):
    client = Client(enforce_csrf_checks=True)
    html = hit_after_warming(client, "/about/").content.decode()
    form = html.split('<form class="cc-form"', 1)[1].split("</form>", 1)[0]
    assert 'action="/consent/"' in form and "csrfmiddlewaretoken" not in form
    text_hash = re.search(r'name="text_hash" value="([0-9a-f]{64})"', form).group(1)
    data = {"action": "reject_all", "method": "settings", "text_hash": text_hash}
    response = client.post("/consent/", {**data, "next": "/about/"}, **ORIGIN)
    assert response.status_code == 303 and response["Location"] == "/about/"
    assert response.cookies["consent_state"].value


def test_each_hit_has_its_own_nonce_matching_its_own_csp_header(client, site):
    if "csp.middleware.CSPMiddleware" not in django_settings.MIDDLEWARE:
        pytest.skip("django-csp's CSPMiddleware is not in MIDDLEWARE yet: no nonces to swap")
    responses = [client.get("/about/") for _ in range(3)]
    assert [r["X-Cache"] for r in responses] == ["miss", "hit", "hit"]
    nonces = []
    for response in responses:
        found = set(NONCE.findall(response.content))
        assert len(found) == 1, "every nonce in a page is the response's own"
        nonce = found.pop().decode()
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3


# --- Redis: one cache for every process ------------------------------------------------------


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def delete_keys(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


needs_redis = pytest.mark.skipif(
    not redis_answers(), reason="Redis does not answer on 127.0.0.1:6379 (start it to run this)"
)


@pytest.fixture
def redis_cache(settings):
    """CACHES pointed at the local Redis under a key prefix of this test's own."""
    prefix = f"test-page-cache-{uuid.uuid4().hex}"
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix,
    }
    settings.CACHES = {"default": redis_cache, "pages": redis_cache}
    yield prefix
    delete_keys(prefix)


@needs_redis
def test_with_redis_a_hit_needs_no_database_and_a_change_empties_it(
    client, site, redis_cache, django_assert_num_queries
):
    client.get("/privacy/")
    with django_assert_num_queries(0):
        assert client.get("/privacy/")["X-Cache"] == "hit"
    stored = redis.Redis.from_url(REDIS_URL).keys(f"{redis_cache}:*page-cache:page:*")
    assert len(stored) == 1

    site_settings = SiteSettings.for_site(site)
    site_settings.footer_text = "Changed while Redis held the page."
    site_settings.save()
    response = client.get("/privacy/")
    assert response["X-Cache"] == "miss"
    assert "Changed while Redis held the page." in response.content.decode()


# --- Two gunicorn workers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_database_url(tmp_path: Path) -> str:
    """The test database as another process can open it: SQLite's in-memory database copied
    to a file, or the PostgreSQL test database itself (this test commits its rows)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        path = tmp_path / "db.sqlite3"
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    db = connection.settings_dict
    credentials = f"{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def fetch(url: str, agent: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("X-Cache", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, "", ""


class Gunicorn:
    """`gunicorn -c python:website.gunicorn_conf website.wsgi` with two workers; each access
    log line says which worker answered (pid), whom (user agent) and X-Cache."""

    def __init__(self, env: dict, log_dir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.log = log_dir / "access.log"
        self.errors = log_dir / "error.log"
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-c", "python:website.gunicorn_conf"]
        command += ["--access-logformat", "%(p)s %(a)s %({x-cache}o)s", "website.wsgi"]
        with self.log.open("w") as out, self.errors.open("w") as err:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=err, start_new_session=True
            )
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.errors.read_text()[-2000:]}")
            try:
                if fetch(self.base + "/healthz", "ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in time: {self.errors.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def answers(self, agent: str) -> list[tuple[str, str]]:
        """(worker pid, X-Cache) of every request this user agent made, from the log."""
        lines = [line.split() for line in self.log.read_text().splitlines()]
        return [(words[0], words[-1]) for words in lines if len(words) == 3 and words[1] == agent]

    def get_until_both_workers_hit(self, path: str, agent: str) -> list[str]:
        """Bodies of concurrent GETs, repeated until each worker has answered one from the
        cache."""
        bodies = []
        with ThreadPoolExecutor(4) as pool:
            for _round in range(20):
                results = list(pool.map(lambda _: fetch(self.base + path, agent), range(12)))
                assert {status for status, _, _ in results} == {200}
                bodies += [body for _, _, body in results]
                time.sleep(0.1)  # the log line is written after the answer
                if len({pid for pid, state in self.answers(agent) if state == "hit"}) == 2:
                    return bodies
        raise AssertionError("both gunicorn workers did not answer from the cache in time")


def change_footer_in_another_process(env: dict, text: str) -> None:
    code = (
        "from wagtail.models import Site; from website.models import SiteSettings; "
        "s = SiteSettings.for_site(Site.objects.get(is_default_site=True)); "
        f"s.footer_text = {text!r}; s.save()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def site_env(transactional_db, site, tmp_path):
    """The environment of gunicorn and `manage.py shell` against this test's demo site."""
    hidden = {"REDIS_URL", "CACHE_KEY_PREFIX", "GUNICORN_CMD_ARGS"}
    hidden.update(key for key in os.environ if key.startswith(("PAGE_CACHE_", "CLOUDFLARE_")))
    return {
        **{key: value for key, value in os.environ.items() if key not in hidden},
        "DJANGO_SETTINGS_MODULE": "website.settings.dev",
        "SECRET_KEY": "two-workers-test-key-" + "w" * 40,
        "DATABASE_URL": shared_database_url(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "1",  # static URLs without collectstatic's manifest
        "GUNICORN_ACCESS_LOG": "-",
    }


OLD_FOOTER = "Drawn and written in Leipzig."
NEW_FOOTER = "Changed by another process."


@pytest.mark.slow
@needs_redis
def test_with_redis_a_change_in_another_process_reaches_both_gunicorn_workers(site_env, tmp_path):
    prefix = f"test-two-workers-{uuid.uuid4().hex}"
    env = {**site_env, "REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix}
    try:
        with Gunicorn(env, tmp_path) as server:
            before = server.get_until_both_workers_hit("/privacy/", "before")
            assert all(OLD_FOOTER in body for body in before)

            change_footer_in_another_process(env, NEW_FOOTER)

            after = server.get_until_both_workers_hit("/privacy/", "after")
            assert all(NEW_FOOTER in body and OLD_FOOTER not in body for body in after)
            # Only the first answers, rendered at the same moment by both workers, miss.
            assert [state for _, state in server.answers("after")].count("miss") <= 4
    finally:
        delete_keys(prefix)


@pytest.mark.slow
def test_without_redis_both_gunicorn_workers_share_the_file_page_cache(site_env, tmp_path):
    """The single-machine default: the page cache lives in files under VAR_DIR, so a change
    made in another process reaches both workers at once, no Redis needed."""
    with Gunicorn(site_env, tmp_path) as server:
        server.get_until_both_workers_hit("/privacy/", "before")
        change_footer_in_another_process(site_env, NEW_FOOTER)
        after = server.get_until_both_workers_hit("/privacy/", "after")
    assert after and all(NEW_FOOTER in body for body in after)
    assert (tmp_path / "var" / "page-cache").is_dir()


# --- CDN --------------------------------------------------------------------------------------


class RecordingBackend(BaseBackend):
    """A frontend-cache backend that writes down what it was asked to purge, and refuses,
    like the Cloudflare backend, to be called with a database transaction open."""

    purged: list[str] = []

    def purge(self, url):
        assert_no_transaction("CDN")
        RecordingBackend.purged.append(url)


def test_a_publish_purges_the_page_from_the_cdn_once_its_transaction_commits(
    site, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {
        "recording": {"BACKEND": "tests.site.test_page_cache.RecordingBackend"}
    }
    RecordingBackend.purged = []
    page = StandardPage.objects.get(slug="about")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # as Wagtail's edit view publishes
            page.title = "About us, revised"
            page.save_revision().publish()
        assert RecordingBackend.purged == []  # nothing while the publish was uncommitted
    assert page.get_full_url() in RecordingBackend.purged


def test_the_cloudflare_backend_is_never_called_inside_a_transaction():
    backend = page_cache.GuardedCloudflareBackend({"BEARER_TOKEN": "token", "ZONEID": "zone"})
    with transaction.atomic(), pytest.raises(TransactionOpenError, match="Cloudflare"):
        backend.purge_batch(["http://localhost/"])


def test_a_setting_change_purges_every_live_page_from_the_cdn(
    site, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {
        "recording": {"BACKEND": "tests.site.test_page_cache.RecordingBackend"}
    }
    RecordingBackend.purged = []
    with django_capture_on_commit_callbacks(execute=True):
        site_settings = SiteSettings.for_site(site)
        site_settings.footer_text = "New footer for the CDN."
        site_settings.save()
    purged = set(RecordingBackend.purged)
    for page in Page.objects.live().exclude(depth=1):
        assert page.get_full_url() in purged
    privacy = PolicyPage.objects.get(slug="privacy").get_full_url()
    assert {f"{privacy}versions/", f"{privacy}versions/1.0/"} <= purged


def test_without_a_cdn_nothing_is_purged(site, django_capture_on_commit_callbacks):
    RecordingBackend.purged = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        site_settings = SiteSettings.for_site(site)
        site_settings.footer_text = "No CDN here."
        site_settings.save()
    assert page_cache.bump_generation in callbacks
    assert page_cache.schedule_cdn_purge not in callbacks


def test_cloudflare_credentials_switch_on_frontend_cache_purging():
    code = (
        "import json, importlib; s = importlib.import_module('website.settings.base'); "
        "print(json.dumps(['wagtail.contrib.frontend_cache' not in s.INSTALLED_APPS, "
        "getattr(s, 'WAGTAILFRONTENDCACHE', None), s.PAGE_CACHE_ENABLED, s.PAGE_CACHE_SECONDS, "
        "s.PAGE_CACHE_BROWSER_SECONDS, s.PAGE_CACHE_CDN_SECONDS]))"
    )
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "PAGE_"))}

    def load(**env):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base_env, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    assert load() == [True, None, True, 600, 60, 300]
    # The app stays out: its receivers would queue purges inside the publish transaction.
    not_installed, backends, *_ = load(CLOUDFLARE_API_TOKEN="token", CLOUDFLARE_ZONEID="zone")
    assert not_installed
    assert backends == {
        "cloudflare": {
            "BACKEND": "website.page_cache.GuardedCloudflareBackend",
            "BEARER_TOKEN": "token",
            "ZONEID": "zone",
        }
    }


# --- Configuration ----------------------------------------------------------------------------


def test_the_middleware_sits_inside_csp_and_before_sessions(settings):
    order = [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "csp.middleware.CSPMiddleware",
        page_cache.MIDDLEWARE_PATH,
        "django.contrib.sessions.middleware.SessionMiddleware",
    ]
    positions = [settings.MIDDLEWARE.index(name) for name in order]
    assert positions == sorted(positions)
    assert page_cache.check_middleware_order(None) == []

    settings.MIDDLEWARE = list(reversed(order))
    errors = page_cache.check_middleware_order(None)
    assert {error.id for error in errors} == {"website.E001", "website.E002"}


def test_the_cache_can_be_switched_off(client, site, settings):
    settings.PAGE_CACHE_ENABLED = False
    for _ in range(2):
        response = client.get("/about/")
        assert "X-Cache" not in response and "public" not in response.get("Cache-Control", "")
