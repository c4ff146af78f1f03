"""Throw hostile posts at a running site on this machine and count the server errors.

    python -m tests.fuzz_live --base-url http://127.0.0.1:8000 --examples 200

The forms come from the demo pages (tests/public_forms.py reads them, the same code as the
property-based test); mail links get junk tokens only, since valid ones need the server's
secret key. Every request carries the site's own Origin, as a browser's would. The table
lists per form the examples sent, the status codes seen and how many were 5xx; the exit code
is 1 if any was. Only 127.0.0.1 and localhost are accepted as targets.
"""

import argparse
import http.client
import sys
import time
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings

from tests.public_forms import (
    TOKEN_ROUTES,
    FuzzRequest,
    demo_targets,
    fuzz_requests,
    token_target,
    valid_values,
)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Site:
    """One visitor of the site: its base URL and cookies (the CSRF cookie of the contact
    form, the consent state). Redirects are not followed: the first answer is what counts."""

    def __init__(self, base_url: str, timeout: float = 60):
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.body = b""  # of the last answer

    def send(self, request: FuzzRequest) -> int:
        connection_class = (
            http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(self.host, self.port, timeout=self.timeout)
        headers = dict(request.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(request.method, request.path, request.body or None, headers)
            response = connection.getresponse()
            self.body = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status
        finally:
            connection.close()

    def page(self, path: str) -> str:
        status = self.send(FuzzRequest("GET", path))
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: is the demo content loaded?")
        return self.body.decode()


def local_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
        raise argparse.ArgumentTypeError(
            "only a server on this machine: http://127.0.0.1:PORT or http://localhost:PORT"
        )
    return value.rstrip("/")


def fuzz(site: Site, target, examples: int) -> tuple[Counter, list[str]]:
    statuses: Counter = Counter()
    failures: list[str] = []
    valid = valid_values(target.fields)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=fuzz_requests(target, valid, site.origin))
    def send_one(request):
        try:
            status = site.send(request)
        except (OSError, http.client.HTTPException) as error:  # a dropped connection fails too
            status = type(error).__name__
        statuses[status] += 1
        if isinstance(status, str) or status >= 500:
            failures.append(f"{status}: {request.describe()}")

    send_one()
    return statuses, failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", type=local_base_url, default="http://127.0.0.1:8000")
    parser.add_argument("--examples", type=int, default=200, help="requests per form")
    parser.add_argument(
        "--min-fill-seconds",
        type=float,
        default=3,
        help="the server's NEWSLETTER_MIN_FILL_SECONDS: the forms' time stamps must be older",
    )
    args = parser.parse_args(argv)
    site = Site(args.base_url)

    shown_at = time.monotonic()
    targets = demo_targets(site.page)
    for name in TOKEN_ROUTES:  # mail links: junk tokens only
        targets[name] = token_target(name, [])
    # Sign-up forms refuse stamps younger than the minimum fill time.
    time.sleep(max(0.0, shown_at + args.min_fill_seconds + 1 - time.monotonic()))

    rows, failures = [], []
    for name, target in sorted(targets.items()):
        print(f"fuzzing {name} ...", flush=True)  # noqa: T201
        statuses, failed = fuzz(site, target, args.examples)
        errors = sum(n for s, n in statuses.items() if isinstance(s, str) or s >= 500)
        rows.append((name, sum(statuses.values()), statuses, errors))
        failures.extend(f"{name}: {line}" for line in failed)

    print(f"\n{'form':<22} {'examples':>8}  {'≥500':>5}  status codes")  # noqa: T201
    for name, count, statuses, errors in rows:
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items(), key=str))
        print(f"{name:<22} {count:>8}  {errors:>5}  {codes}")  # noqa: T201
    print(  # noqa: T201
        "\n429 answers are the site's rate limits (NEWSLETTER_RATE_LIMIT, CONSENT_RATE_LIMIT)"
        " doing their job; they count as answers, not failures. Raise the limits on the server"
        " to let more requests reach the forms' own checks."
    )
    for line in failures[:20]:
        print(line)  # noqa: T201
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
