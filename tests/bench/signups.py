"""Sign-ups under a slow, failing and throttled Mailchimp (issue 4/6), measured end to end:
gunicorn serves the real sign-up and confirmation endpoints, real `db_worker` processes
drain the outbox, and the fake Mailchimp of the test suite answers on 127.0.0.1.

(a) p50/p95 of the sign-up POST while the worker syncs against an instant and a 2 s fake;
(b) a 1,000-sign-up burst during an outage: accepted, then synced after recovery, lost and
    duplicated contacts counted; (c) sync throughput against a 200 ms fake, in contacts per
    minute, with the highest concurrency the fake saw.
"""

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-key-" + "b" * 40


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return listening(5432)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """A throw-away database, gunicorn and N workers wired to a fake Mailchimp."""

    def __init__(self, fake_url: str, workers: int):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-signups-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        if postgres_available():
            import psycopg

            self.db_name = f"bench_{os.getpid()}"
            with psycopg.connect(
                "dbname=test user=postgres host=127.0.0.1", autocommit=True
            ) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.db_name}")
                conn.execute(f"CREATE DATABASE {self.db_name}")
            database_url = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
        else:
            self.db_name = None
            database_url = f"sqlite:///{self.tmp / 'db.sqlite3'}"
            workers = 1  # SQLite: one writer
        self.workers_count = workers
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "website.settings.dev",
            "DEBUG": "0",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "VAR_DIR": str(self.tmp / "var"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "WAGTAILADMIN_BASE_URL": self.base,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MAILCHIMP_API_KEY": "0123456789abcdef0123456789abcdef-us21",
            "MAILCHIMP_AUDIENCE_ID": "list1",
            "MAILCHIMP_API_URL": fake_url,
            "NEWSLETTER_RATE_LIMIT": "1000000",
            "MAILCHIMP_RETRY_BASE_SECONDS": "0.5",
            "MAILCHIMP_RETRY_CAP_SECONDS": "4",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
        if listening(6379):
            # Shared cache: the ten Mailchimp connection slots hold across all workers.
            self.env["REDIS_URL"] = "redis://127.0.0.1:6379/7"
        self.shared_slots = "REDIS_URL" in self.env
        self.processes = []

    def manage(self, *args):
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start(self):
        print("   migrating and loading the demo ...", flush=True)  # noqa: T201
        self.manage("migrate", "--noinput")
        self.manage("load_initial_data")
        # DEBUG off: pages need the hashed static files' manifest, as in production.
        self.manage("collectstatic", "--noinput")
        os.environ.update(self.env)  # this process reads the same database through the ORM
        import django

        django.setup()
        self.processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "python:website.gunicorn_conf",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "website.wsgi",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        self.start_workers(self.workers_count)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def start_workers(self, count):
        for n in range(count):
            self.processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "manage.py",
                        "db_worker",
                        "--no-reload",
                        "--interval",
                        "0.2",
                        "--no-startup-delay",
                        "--worker-id",
                        f"bench-{n}-{time.time_ns()}",
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.db_name:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(
                "dbname=test user=postgres host=127.0.0.1", autocommit=True
            ) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")


def signup_form_fields():
    from newsletter.views import BLOCK_TYPE
    from website.models import StandardPage

    page = StandardPage.objects.get(slug="newsletter")
    block = next(child for child in page.body if child.block_type == BLOCK_TYPE)
    return page.pk, block.id


def post(url: str, data: dict, origin: str) -> tuple[int, float]:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Origin": origin})
    started = time.perf_counter()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def sign_up_many(stack, emails, concurrency=8):
    from django.core import signing

    from newsletter.forms import STARTED_SALT

    page_id, block_id = signup_form_fields()
    started = signing.dumps(int(time.time()) - 60, salt=STARTED_SALT)

    def one(email):
        return post(
            stack.base + "/newsletter/signup/",
            {
                "page": page_id,
                "block": block_id,
                "email": email,
                "first_name": "Bench",
                "consent": "on",
                "website": "",
                "started": started,
            },
            stack.base,
        )

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, emails))


def confirm_many(stack, emails, concurrency=8):
    from newsletter.models import Contact
    from newsletter.signup import confirmation_token

    contacts = list(Contact.objects.filter(email__in=emails))

    def one(contact):
        # As a person does it: open the link (GET), then press the button (POST with the
        # page's CSRF token and cookie).
        url = f"{stack.base}/newsletter/confirm/{confirmation_token(contact, ['newsletter'])}/"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(url, timeout=30) as page:
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read())
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode()})
        request = urllib.request.Request(
            url, data=body.encode(), method="POST", headers={"Origin": stack.base, "Referer": url}
        )
        with opener.open(request, timeout=30) as response:
            return response.status

    with ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(one, contacts))
    assert set(statuses) == {200}, f"confirmations failed: {set(statuses)}"
    return statuses


def wait_until_synced(emails, timeout):
    from newsletter.models import Contact

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        synced = Contact.objects.filter(email__in=emails, sync_state="synced").count()
        if synced == len(emails):
            return synced
        time.sleep(0.5)
    return Contact.objects.filter(email__in=emails, sync_state="synced").count()


def percentile(values, q):
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def measure() -> list[dict]:
    from tests.fake_mailchimp import FakeMailchimp

    fake = FakeMailchimp().start()
    stack = Stack(fake.url, workers=4).start()
    rows = []
    try:
        # (a) latency with the worker busy against an instant, then a 2 s Mailchimp
        latencies = {}
        for label, delay in (("instant", 0.0), ("2 s", 2.0)):
            fake.latency = delay
            busy = [f"busy-{label[0]}{i}@example.org" for i in range(20)]
            sign_up_many(stack, busy)
            confirm_many(stack, busy)  # the workers now sync these against the fake
            emails = [f"lat-{label[0]}{i}@example.org" for i in range(200)]
            results = sign_up_many(stack, emails, concurrency=4)
            assert {status for status, _ in results} == {303}, "sign-ups must be accepted"
            latencies[label] = [seconds for _, seconds in results]
        fake.latency = 0.0
        for label, values in latencies.items():
            rows.append(
                {
                    "figure": f"Sign-up POST p50 / p95, Mailchimp {label}",
                    "value": f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f} ms",
                    "target": "",
                }
            )
        ratio = percentile(latencies["2 s"], 95) / percentile(latencies["instant"], 95)
        rows.append(
            {
                "figure": "p95 slow / p95 instant",
                "value": f"{ratio:.2f}",
                "target": f"<= 1.5 ({'met' if ratio <= 1.5 else 'MISSED'})",
            }
        )

        # (b) 1,000 sign-ups while Mailchimp is down, then recovery
        print("   burst of 1,000 sign-ups during an outage ...", flush=True)  # noqa: T201
        fake.fail_with = 503
        burst = [f"burst{i}@example.org" for i in range(1000)]
        accepted = sum(1 for status, _ in sign_up_many(stack, burst) if status == 303)
        confirm_many(stack, burst)
        time.sleep(3)  # let the workers meet the outage
        fake.fail_with = None
        synced = wait_until_synced(burst, timeout=300)
        from newsletter.models import SyncAttempt

        ok_puts = {}
        for job_email in SyncAttempt.objects.filter(
            outcome="ok", job__contact__email__in=burst
        ).values_list("job__contact__email", flat=True):
            ok_puts[job_email] = ok_puts.get(job_email, 0) + 1
        duplicates = sum(count - 1 for count in ok_puts.values() if count > 1)
        in_fake = sum(1 for email in burst if fake.member("list1", email))
        rows += [
            {
                "figure": "Outage burst: sign-ups accepted",
                "value": f"{accepted} / 1000",
                "target": "1000",
            },
            {
                "figure": "Outage burst: synced after recovery",
                "value": f"{synced} (in fake Mailchimp: {in_fake})",
                "target": "1000",
            },
            {
                "figure": "Outage burst: lost / duplicates",
                "value": f"{1000 - in_fake} / {duplicates}",
                "target": "0 / 0",
            },
        ]

        # (c) throughput against a 200 ms Mailchimp
        print("   throughput against a 200 ms Mailchimp ...", flush=True)  # noqa: T201
        fake.latency = 0.2
        fake.max_in_flight = 0
        # With Redis, 12 workers (more than Mailchimp's 10 connections) share the slots;
        # without it, slots are per process, so stay at 10 workers.
        stack.start_workers(8 if stack.shared_slots else 6)
        batch = [f"tp{i}@example.org" for i in range(400)]
        sign_up_many(stack, batch)
        started = time.monotonic()
        confirm_many(stack, batch)
        synced = wait_until_synced(batch, timeout=300)
        elapsed = time.monotonic() - started
        rows += [
            {
                "figure": "Sync throughput, Mailchimp 200 ms",
                "value": f"{synced / elapsed * 60:.0f} contacts/min ({synced} in {elapsed:.1f} s, "
                f"{len(stack.processes) - 1} workers)",
                "target": "",
            },
            {
                "figure": "Highest concurrency seen by Mailchimp",
                "value": str(fake.max_in_flight),
                "target": f"<= 10 ({'met' if fake.max_in_flight <= 10 else 'MISSED'})",
            },
        ]
    finally:
        stack.stop()
        fake.stop()
    return rows
