"""The demo site as production runs it, and a stock Wagtail project to compare it with, for
the page and Lighthouse benchmarks.

`prepare()` builds a throw-away copy under var/bench/site/ (SQLite database, the demo content,
collected static files, DEBUG off); `prepare_stock()` a fresh `wagtail start` project under
var/bench/stock/ with its own production settings. `Server` runs gunicorn with the project's
gunicorn_conf and two sync workers against either, in its own process group, and always
stops it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "var" / "bench"
SECRET = "bench-secret-key-" + "p" * 40
WORKERS = 2
# The environment as the bench started: signups.py later points os.environ at its own stack.
BASE_ENVIRON = dict(os.environ)

STOCK_DIR = BENCH_DIR / "stock"
STOCK_LOCAL_SETTINGS = f"""\
# Written by tests/bench: the stock project's production settings, served on 127.0.0.1.
SECRET_KEY = "{SECRET}"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
"""

_prepared: dict[str, dict] = {}


def say(message: str) -> None:
    print(f"   {message}", flush=True)  # noqa: T201 (progress output of a command)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare() -> dict:
    """The environment of a fresh demo site; built once per process, then reused."""
    if "site" in _prepared:
        return dict(_prepared["site"])
    home = BENCH_DIR / "site"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {
        **BASE_ENVIRON,
        "DJANGO_SETTINGS_MODULE": "website.settings.dev",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "VAR_DIR": str(home / "var"),
        "STATIC_ROOT": str(home / "static"),
        "MEDIA_ROOT": str(home / "media"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    # A Redis left in the environment would make the runs depend on another service.
    env.pop("REDIS_URL", None)
    say("preparing the demo site in var/bench/site/ (migrate, demo content, collectstatic) ...")
    for command in (
        ["migrate", "--noinput"],
        ["load_initial_data"],
        ["collectstatic", "--noinput", "-v", "0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    _prepared["site"] = env
    return dict(env)


def prepare_stock() -> dict:
    """The environment of a fresh stock Wagtail 8 project (`wagtail start`, its welcome page,
    its production settings, DEBUG off); built once per process, then reused."""
    if "stock" in _prepared:
        return dict(_prepared["stock"])
    shutil.rmtree(STOCK_DIR, ignore_errors=True)
    STOCK_DIR.mkdir(parents=True)
    say("creating a stock Wagtail project in var/bench/stock/ (migrate, collectstatic) ...")
    wagtail = Path(sys.executable).with_name("wagtail")
    subprocess.run(
        [str(wagtail), "start", "stockbench", str(STOCK_DIR)], check=True, capture_output=True
    )
    (STOCK_DIR / "stockbench" / "settings" / "local.py").write_text(STOCK_LOCAL_SETTINGS)
    env = {**BASE_ENVIRON, "DJANGO_SETTINGS_MODULE": "stockbench.settings.production"}
    env.pop("DATABASE_URL", None)  # its own SQLite file, var/bench/stock/db.sqlite3
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=STOCK_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
    _prepared["stock"] = env
    return dict(env)


def fetch(url: str) -> tuple[int, dict, str]:
    """Status, headers (lower-case names) and body of a GET, without cookies."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        headers = {name.lower(): value for name, value in error.headers.items()}
        return error.code, headers, error.read().decode("utf-8", "replace")


class Server:
    """gunicorn with `-c python:website.gunicorn_conf` on a free port; use it in `with`.

    Its log goes to var/bench/logs/<name>.log, where `worker_restarts()` counts the workers
    that gunicorn's max_requests recycled (each one boots Django and Wagtail afresh).
    """

    def __init__(
        self,
        env: dict,
        name: str = "site",
        wsgi: str = "website.wsgi",
        cwd: Path = ROOT,
        ready: str = "/healthz",
    ):
        self.env = {**env, "WEB_CONCURRENCY": str(WORKERS), "GUNICORN_ACCESS_LOG": "/dev/null"}
        self.wsgi, self.cwd, self.ready = wsgi, cwd, ready
        self.log_path = BENCH_DIR / "logs" / f"{name}.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # The same command for the demo site and the stock Wagtail project: only the
            # WSGI module and the working directory differ.
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "python:website.gunicorn_conf",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    self.wsgi,
                ],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: stopping it stops the workers
            )
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn for {self.wsgi} exited ({self.process.returncode}), "
                    f"see {self.log_path}"
                )
            try:
                if fetch(self.base + self.ready)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn for {self.wsgi} did not answer {self.ready} in time")

    def worker_restarts(self) -> int:
        return self.log_path.read_text(errors="replace").count("Autorestarting worker")

    def stop(self) -> None:
        """TERM to the whole process group (master and workers), KILL after 30 s."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
